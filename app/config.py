"""Settings, read once from the environment (and an optional `.env`)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which and what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: Literal["development", "test", "production"] = "development"
    database_url: str | None = Field(
        default=None,
        description="postgresql+psycopg://user:pass@host/db; unset → a private embedded cluster (dev/test).",
    )
    embedded_pg_dir: str | None = Field(
        default=None, description="Where the embedded dev cluster keeps its data (default .devdb/)."
    )
    meili_url: str | None = None
    meili_master_key: SecretStr | None = None
    secret_key: SecretStr | None = None

    jwt_issuer: str = "sichuan-renewal-api"
    jwt_audience: str = "sichuan-renewal-clients"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600

    login_max_failures_per_account: int = 5
    login_max_failures_per_client: int = 20
    login_failure_window_seconds: int = 15 * 60

    max_body_bytes: int = 1024 * 1024
    # Spreadsheet uploads: 10,000 rows of a list is about 1 MB of .xlsx.
    max_import_bytes: int = 10 * 1024 * 1024

    # Webhooks: hosts named here may be reached over plain http and at private or loopback addresses
    # (comma-separated, e.g. "receiver.internal,127.0.0.1"); everyone else needs https to a public address.
    webhook_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    webhook_timeout_seconds: float = 10.0
    webhook_disable_after_days: int = 5
    # The lead feed shows leads this many seconds old and older, so one committed late (its created_at
    # is set before its publication commits) never lands behind a cursor a bank already holds.
    leads_feed_settle_seconds: float = 5.0

    # Browser origins (H5 pages, WebViews) allowed to call the API cross-origin, comma-separated
    # (e.g. "https://h5.example.cn"); unset → no cross-origin access.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("webhook_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip().lower() for h in value.split(",") if h.strip()]
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            origins = [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
            for origin in origins:
                if origin != "*" and not origin.startswith(("https://", "http://")):
                    raise ConfigurationError(
                        f"CORS_ORIGINS: {origin!r} is not an origin; write it as https://host[:port]."
                    )
            return origins
        return value

    # Live notification streams one account may hold open in one API process (429 beyond).
    notification_streams_per_user: int = Field(default=5, ge=1, le=1000)
    # The comment line a live stream sends when idle, so proxies and phones keep the connection open.
    notification_heartbeat_seconds: float = Field(default=15.0, gt=0, le=15.0)
    # A stream ends after this long (or when its access token expires) and the client reconnects.
    notification_stream_max_seconds: float = Field(default=3600.0, gt=0)

    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _secret_key_required_in_production(self) -> Settings:
        if self.app_env == "production" and (
            self.secret_key is None or len(self.secret_key.get_secret_value()) < 32
        ):
            raise ConfigurationError(
                "SECRET_KEY must be set to at least 32 random characters when APP_ENV=production; "
                'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        if self.app_env == "production" and self.database_url is None:
            raise ConfigurationError("DATABASE_URL must be set when APP_ENV=production.")
        return self

    @property
    def signing_key(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _ephemeral_dev_key()


@lru_cache(maxsize=1)
def _ephemeral_dev_key() -> str:
    # Development only: tokens die with the process, which is the honest behaviour without a key.
    return secrets.token_urlsafe(48)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
