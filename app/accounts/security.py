"""Password hashing (Argon2id via pwdlib) and access tokens (PyJWT, HS256, every claim checked)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.config import Settings


@dataclass(frozen=True)
class HashCost:
    memory_kib: int = 65536
    time_cost: int = 3
    parallelism: int = 4

    @classmethod
    def of(cls, settings: Settings) -> HashCost:
        return cls(
            settings.password_hash_memory_kib,
            settings.password_hash_time_cost,
            settings.password_hash_parallelism,
        )


class _Hashing:
    """The process's Argon2id hasher. Its cost comes from the settings (`configure`, called when the app
    or the command line starts); the hash verified for an unknown email is made on first use, at the
    same cost, so both paths of a login take as long."""

    def __init__(self, cost: HashCost) -> None:
        self.cost = cost
        self.hasher = PasswordHash(
            (
                Argon2Hasher(
                    memory_cost=cost.memory_kib, time_cost=cost.time_cost, parallelism=cost.parallelism
                ),
            )
        )
        self._dummy: str | None = None

    def dummy(self) -> str:
        if self._dummy is None:
            self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
        return self._dummy


_hashing = _Hashing(HashCost())


def configure(settings: Settings) -> None:
    global _hashing
    cost = HashCost.of(settings)
    if cost != _hashing.cost:
        _hashing = _Hashing(cost)


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hashing.hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> tuple[bool, str | None]:
    """Constant-work check: an unknown user still pays for one verification. Returns whether it matched
    and, when the stored hash was made at another cost, the password hashed at today's."""
    hashing = _hashing
    if password_hash is None:
        # In the thread: the first call makes the dummy hash, which must not stall the event loop.
        await anyio.to_thread.run_sync(lambda: hashing.hasher.verify(password, hashing.dummy()))
        return False, None
    ok, updated = await anyio.to_thread.run_sync(hashing.hasher.verify_and_update, password, password_hash)
    return bool(ok), updated  # pwdlib gives a new hash only for a match


def new_refresh_token() -> tuple[str, bytes]:
    """A random opaque token and the hash we store (never the token itself)."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
