"""Secrets the service must read back (a webhook's signing secret) are stored encrypted.

AES-256-GCM with a key derived from SECRET_KEY by HKDF-SHA256, one key per purpose; the purpose and the
row's id are bound as associated data, so a ciphertext copied to another row or column does not open.
Stored as `v1.<base64url(nonce ‖ ciphertext ‖ tag)>`. A database dump without SECRET_KEY reveals nothing.
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1."
NONCE_BYTES = 12


class SecretUnreadable(ValueError):
    """The stored secret does not open with this SECRET_KEY (changed key, or tampered data)."""


@lru_cache(maxsize=16)
def _cipher(signing_key: str, purpose: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        signing_key.encode()
    )
    return AESGCM(key)


def seal(signing_key: str, purpose: str, context: str, plaintext: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(signing_key, purpose).encrypt(nonce, plaintext.encode(), f"{purpose}:{context}".encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def open_sealed(signing_key: str, purpose: str, context: str, stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise SecretUnreadable("not a sealed secret")
    try:
        raw = base64.urlsafe_b64decode(stored.removeprefix(PREFIX))
        plain = _cipher(signing_key, purpose).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{purpose}:{context}".encode()
        )
    except (InvalidTag, ValueError) as exc:
        raise SecretUnreadable(
            "the stored secret does not open with this SECRET_KEY; rotate the secret"
        ) from exc
    return plain.decode()
