"""Texted one-time codes (手机号 + 验证码): to prove a mobile number is the user's, and to log in with it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UUIDPrimaryKey, check_in, utcnow

SMS_CODE_PURPOSES = ("verify_phone", "login")


class SmsCode(UUIDPrimaryKey, Base):
    """One code sent to one number. Only an HMAC of (number, code) is kept; a code is single use, lives
    five minutes, and is void after five wrong tries. A newer code for the same number and purpose voids
    the older."""

    __tablename__ = "sms_codes"
    __table_args__ = (
        CheckConstraint(check_in("purpose", SMS_CODE_PURPOSES), name="purpose"),
        Index("ix_sms_codes_phone_purpose", "phone", "purpose", "created_at"),
    )

    phone: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]
