"""Access tokens: short-lived signed JWTs (PyJWT, HS256) naming the user, the login session and the
organization. Verifying one needs no database; whether its login session still stands is the
principal's question (`app/auth/principal.py`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from app.config import Settings
from app.models.base import utcnow

ALGORITHM = "HS256"


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
