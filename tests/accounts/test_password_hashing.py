"""Argon2id's cost comes from the settings: production keeps to OWASP's floor, tests run cheap, and a
password stored at another cost is rehashed at today's on the next good login."""

from __future__ import annotations

import uuid

import httpx
import pytest
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import ConfigurationError, Settings
from app.models.account import User
from tests.fixtures.factories import PASSWORD, login, register_account


def _production(**cost: int) -> Settings:
    return Settings(
        _env_file=None,
        app_env="production",
        secret_key="production-secret-" + "p" * 40,
        database_url="postgresql+psycopg://u:p@db/app",
        **cost,  # type: ignore[arg-type]
    )


def test_production_defaults_to_rfc9106_and_refuses_less_than_owasps_floor() -> None:
    settings = _production()
    assert (settings.password_hash_memory_kib, settings.password_hash_time_cost) == (65536, 3)
    assert settings.password_hash_parallelism == 4
    with pytest.raises(ConfigurationError, match="PASSWORD_HASH_MEMORY_KIB"):
        _production(password_hash_memory_kib=1024)
    with pytest.raises(ConfigurationError, match="PASSWORD_HASH_TIME_COST"):
        _production(password_hash_time_cost=1)
    assert _production(password_hash_memory_kib=19456, password_hash_time_cost=2).app_env == "production"


async def test_a_password_stored_at_another_cost_is_rehashed_on_login(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> None:
    account = await register_account(client)
    user_id = uuid.UUID(account.user_id)
    stored = (await db.execute(select(User.password_hash).where(User.id == user_id))).scalar_one()
    assert stored is not None and "$m=1024,t=1,p=1$" in stored  # the test settings' cost
    older = Argon2Hasher(memory_cost=2048, time_cost=2, parallelism=1).hash(PASSWORD)
    user = await db.get(User, user_id)
    assert user is not None
    user.password_hash = older
    await db.commit()

    wrong = await client.post("/auth/token", data={"username": account.email, "password": "not it at all"})
    assert wrong.status_code == 401
    await db.refresh(user)
    assert user.password_hash == older  # a failed login changes nothing

    await login(client, account.email)
    await db.refresh(user)
    assert user.password_hash != older and "$m=1024,t=1,p=1$" in (user.password_hash or "")
    await login(client, account.email)  # and the new hash verifies
