"""Settings, read once from the environment (and an optional `.env`)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path
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
    data_dir: str = Field(
        default=".data",
        description="Files the service keeps outside the database in development (the dev signing key).",
    )
    # smtp://user:pass@host:587 (STARTTLS when the server offers it) or smtps://…:465; unset → each message
    # is written as an .eml file under DATA_DIR/mail and its path logged (app/mail/senders.py).
    smtp_url: SecretStr | None = None
    mail_from: str = "四川省设备更新供需对接平台 <noreply@sichuan-renewal.example>"
    # http(s)://… of an SMS gateway taking a JSON POST {phone, text}; unset → each text is written as a file
    # under DATA_DIR/sms and its path logged (app/sms/senders.py).
    sms_url: SecretStr | None = None
    # Texted codes: one a number a minute (fixed), this many a number a day, this many a client an hour.
    sms_codes_per_number_per_day: int = Field(default=10, ge=1)
    sms_codes_per_client_per_hour: int = Field(default=20, ge=1)
    # Attachments: unset → a folder under DATA_DIR; s3://bucket/prefix → any S3-compatible store.
    storage_url: str | None = None
    s3_endpoint_url: str | None = None
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    max_attachment_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    attachments_per_parent: int = Field(default=50, ge=1)
    # Files one organization may upload an hour (429 beyond): images are decoded to be re-encoded.
    uploads_per_organization_per_hour: int = Field(default=200, ge=1)
    meili_url: str | None = None
    meili_master_key: SecretStr | None = None
    # Queries use this search-only key; unset → Meilisearch's Default Search API Key, looked up at start.
    meili_search_key: SecretStr | None = None
    secret_key: SecretStr | None = None

    jwt_issuer: str = "sichuan-renewal-api"
    jwt_audience: str = "sichuan-renewal-clients"
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600

    # Failed logins are counted per account *and* client address (one guesser cannot lock the real user
    # out from elsewhere), per client address (one guesser trying many accounts) and per account over all
    # clients (many addresses guessing one account). At a limit the key waits, doubling from the base
    # wait with each further failure up to the window; a successful login clears its account+client key.
    login_max_failures_per_account_and_client: int = Field(default=5, ge=1)
    login_max_failures_per_client: int = Field(default=20, ge=1)
    login_max_failures_per_account: int = Field(default=50, ge=1)
    login_failure_window_seconds: int = Field(default=15 * 60, ge=1)
    login_backoff_base_seconds: int = Field(default=30, ge=1)
    # Registrations per client address per hour (each creates a pending organization and a user).
    registrations_per_client_per_hour: int = Field(default=10, ge=1)
    # Password-reset requests from one client address an hour (429 beyond); one address gets at most 3
    # reset mails an hour however many are asked for, and the answer does not change.
    password_resets_per_client_per_hour: int = Field(default=10, ge=1)
    # A pending organization holds its 统一社会信用代码 this long; after that, a new registration with the
    # same code takes it over (the stale one is rejected, its members told why).
    pending_uscc_hold_days: int = Field(default=14, ge=1)
    # Public search requests per client address (IPv6 by /64) per minute, counted in PostgreSQL so every
    # API process and host shares the count; 429 with Retry-After beyond.
    search_requests_per_client_per_minute: int = Field(default=120, ge=1)
    # Standing objects one organization may hold: saved searches (each is checked on every publication)
    # and lead subscriptions (banks are vetted first). Until vetted, an organization gets the small cap.
    # How long a process serves its in-memory copy of a catalog list before reading it again: reference
    # data changes only when a deploy re-seeds it, so a re-seed shows within this long.
    catalog_cache_seconds: float = Field(default=300.0, ge=0)
    # How long a search result (the engine's hits, facets and total) is served from the shared cache in
    # PostgreSQL; any write to the index ends it at once (search/cache.py). 0 turns the cache off.
    search_cache_seconds: float = Field(default=300.0, ge=0)
    # Teams: how long an emailed invitation stands, and how many one organization may send an hour.
    invitation_ttl_hours: int = Field(default=72, ge=1)
    invitations_per_organization_per_hour: int = Field(default=50, ge=1)
    # Where the mobile front end opens links mailed to users (invitations, password resets, email
    # checks): the token is appended as `?token=`. Mails also carry the token to paste by hand.
    frontend_url: str = "http://localhost:3000"
    saved_searches_per_organization: int = Field(default=50, ge=1)
    saved_searches_per_unvetted_organization: int = Field(default=3, ge=0)
    lead_subscriptions_per_organization: int = Field(default=20, ge=1)
    # Addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDR
    # networks, e.g. "10.0.0.0/8,127.0.0.1"); unset → the connection's peer address is the client.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Argon2id cost. The defaults are RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes:
    # about 0.2 s a hash on one core here); production refuses anything below OWASP's floor (19 MiB,
    # 2 passes). Tests use tiny values. A stored hash keeps its own parameters, and a login with outdated
    # ones rehashes the password with these.
    password_hash_memory_kib: int = Field(default=65536, ge=8)
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_parallelism: int = Field(default=4, ge=1)

    max_body_bytes: int = 1024 * 1024
    # Spreadsheet uploads: 10,000 rows of a list is about 1 MB of .xlsx.
    max_import_bytes: int = 10 * 1024 * 1024

    # Webhooks: hosts named here may be reached over plain http and at private or loopback addresses
    # (comma-separated, e.g. "receiver.internal,127.0.0.1"); everyone else needs https to a public address.
    webhook_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Ports other than 443 and 80 a webhook URL may use (comma-separated); hosts named above may use any.
    webhook_allow_ports: Annotated[list[int], NoDecode] = Field(default_factory=list)
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

    @field_validator("webhook_allow_ports", mode="before")
    @classmethod
    def _split_ports(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return [int(p) for p in value.split(",") if p.strip()]
            except ValueError as exc:
                raise ConfigurationError(
                    f"WEBHOOK_ALLOW_PORTS: {value!r} is not a list of port numbers; write e.g. 8443,9443."
                ) from exc
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list):
            for item in value:
                try:
                    ipaddress.ip_network(str(item), strict=False)
                except ValueError as exc:
                    raise ConfigurationError(
                        f"TRUSTED_PROXIES: {item!r} is not an address or network; write e.g. 10.0.0.0/8."
                    ) from exc
        return value

    @property
    def trusted_proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(item, strict=False) for item in self.trusted_proxies]

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
        if self.app_env == "production" and (
            self.password_hash_memory_kib < 19456 or self.password_hash_time_cost < 2
        ):
            raise ConfigurationError(
                "PASSWORD_HASH_MEMORY_KIB must be at least 19456 and PASSWORD_HASH_TIME_COST at least 2 "
                "when APP_ENV=production (OWASP's Argon2id floor); unset both to use 65536 and 3."
            )
        return self

    @property
    def signing_key(self) -> str:
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        return _development_key(Path(self.data_dir))


@lru_cache(maxsize=4)
def _development_key(data_dir: Path) -> str:
    """Development only (production requires SECRET_KEY): a random key kept in the data folder, so the
    API's processes and the worker share it (tokens and encrypted webhook secrets survive restarts)."""
    path = data_dir / "dev-secret-key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        # O_EXCL: when two processes start at once, one writes and the other reads what it wrote.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
