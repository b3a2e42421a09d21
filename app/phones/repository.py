"""Queries for texted codes and the numbers they prove."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.account import User
from app.models.sms import SmsCode


async def user_by_phone(session: AsyncSession, phone: str) -> User | None:
    return await session.scalar(select(User).where(User.phone == phone))


async def void_codes(session: AsyncSession, phone: str, purpose: str, user_id: uuid.UUID) -> None:
    """A new code voids the user's older ones for the number (never another user's check of it)."""
    await session.execute(
        update(SmsCode)
        .where(
            SmsCode.phone == phone,
            SmsCode.purpose == purpose,
            SmsCode.user_id == user_id,
            SmsCode.used_at.is_(None),
        )
        .values(used_at=func.now())
    )


async def live_code(
    session: AsyncSession, phone: str, purpose: str, user_id: uuid.UUID | None
) -> SmsCode | None:
    """The newest unused code for the number (and, when given, the user), locked: tries on one code
    are counted one at a time."""
    stmt = (
        select(SmsCode)
        .where(SmsCode.phone == phone, SmsCode.purpose == purpose, SmsCode.used_at.is_(None))
        .order_by(SmsCode.created_at.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if user_id is not None:
        stmt = stmt.where(SmsCode.user_id == user_id)
    return await session.scalar(stmt)
