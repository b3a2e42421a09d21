"""Users (each a member of one organization, with a role), their login sessions and rotating refresh
tokens, invitations, single-use account tokens (password reset, email verification), and throttling
buckets."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, check_in, utcnow

# What each role may do is in app/auth/roles.py; the order here is from most to least.
MEMBER_ROLES = ("owner", "manager", "member")
OPERATOR_LEVELS = ("province", "city", "county")
ACCOUNT_TOKEN_PURPOSES = ("password_reset", "verify_email")


class User(UUIDPrimaryKey, Timestamps, Base):
    """A person, and their membership: a user belongs to exactly one organization, with one role."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(check_in("role", MEMBER_ROLES), name="role"),
        CheckConstraint(check_in("operator_level", OPERATOR_LEVELS), name="operator_level"),
        CheckConstraint("(operator_level IS NULL) = (operator_region_code IS NULL)", name="operator_region"),
    )

    # Stored lower-cased; uniqueness is on the normalised form.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")
    # Set when the user was removed from (or left) the organization: the account is then inactive, and
    # an invitation to any organization can bring it back, with a new password.
    left_organization_at: Mapped[datetime | None]
    email_verified_at: Mapped[datetime | None]
    # A verified mainland mobile number (+86…), for logging in with texted codes; one account each.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    phone_verified_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # A 服务专员: a member of a `gov` organization serving a region at a level (app/auth/scope.py).
    operator_level: Mapped[str | None] = mapped_column(String(10))
    operator_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))


class AuthSession(UUIDPrimaryKey, Base):
    """One login: the family of refresh tokens it rotates through. Revoking it logs the user out."""

    __tablename__ = "auth_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a refresh token of this session was last traded in: how a session list shows what is in use.
    last_used_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(200))
    client_address: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(40))


class RefreshToken(UUIDPrimaryKey, Base):
    __tablename__ = "refresh_tokens"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the token: a database leak does not leak usable tokens.
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RateLimitBucket(Base):
    """A fixed-window counter, e.g. failed logins for one account and client address; `blocked_until`
    is the backoff a key waits out once it reached its limit. Purged by the worker when stale."""

    __tablename__ = "rate_limit_buckets"
    __table_args__ = (Index("ix_rate_limit_buckets_window_ends_at", "window_ends_at"),)

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    window_ends_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]


class Invitation(UUIDPrimaryKey, Base):
    """An owner's invitation of an email address to the organization, with a role. The token is mailed;
    only its SHA-256 is kept. Single use: accepting, revoking or resending (a new token) ends it."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint(check_in("role", MEMBER_ROLES), name="role"),
        # One open invitation per address and organization: a second is a resend.
        Index(
            "uq_invitations_open",
            "organization_id",
            "email",
            unique=True,
            postgresql_where=text("accepted_at IS NULL AND revoked_at IS NULL"),
        ),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]


class AccountToken(UUIDPrimaryKey, Base):
    """A single-use token mailed to a user: a password reset (30 minutes) or an email verification."""

    __tablename__ = "account_tokens"
    __table_args__ = (CheckConstraint(check_in("purpose", ACCOUNT_TOKEN_PURPOSES), name="purpose"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    # The address it was sent to: a token for an address the user has since changed proves nothing.
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
