"""Password hashing (Argon2id via pwdlib) and access tokens (PyJWT, HS256, every claim checked)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread
import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.config import Settings
from app.models.base import utcnow

ALGORITHM = "HS256"


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


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    expires_at: datetime | None = None  # read from a decoded token; issuing sets exp itself


class InvalidToken(Exception):
    pass


def issue_access_token(settings: Settings, claims: AccessClaims) -> str:
    now = utcnow()
    payload: dict[str, Any] = {
        "sub": str(claims.user_id),
        "sid": str(claims.session_id),
        "org": str(claims.organization_id),
        "kind": claims.kind,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=settings.access_token_ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(payload, settings.signing_key, algorithm=ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    try:
        payload = jwt.decode(
            token,
            settings.signing_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "aud", "iss", "sub", "sid", "org", "kind"]},
            leeway=5,
        )
        return AccessClaims(
            user_id=uuid.UUID(payload["sub"]),
            session_id=uuid.UUID(payload["sid"]),
            organization_id=uuid.UUID(payload["org"]),
            kind=str(payload["kind"]),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), tz=UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise InvalidToken(str(exc)) from exc


def new_refresh_token() -> tuple[str, bytes]:
    """A random opaque token and the hash we store (never the token itself)."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
