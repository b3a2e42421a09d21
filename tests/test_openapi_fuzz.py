"""Schemathesis against the app's own OpenAPI document, once per role: anonymous, enterprise, supplier,
bank and admin. Every generated request, valid or deliberately invalid, must get an answer the document
promises: never a 5xx, a documented status code and content type, a body that matches the documented
schema for that status (RFC 9457 problems included), the documented response headers, and a 4xx for
every request that violates the schema (`negative_data_rejection`). The server must log no error either
(a swallowed exception fails the module even when the response looked fine).

How it runs, and why:
- A real server: `python -m app serve` in a subprocess, on a loopback port, against a database of its
  own on the suite's throwaway PostgreSQL cluster (`migrated_database`), migrated by the project's Alembic
  scripts and loaded with the catalog. Fuzzed requests commit, so they cannot share the rolled-back
  per-test transaction the rest of the suite uses; a real socket checks what a client really receives
  (headers, content types, the body limit); and a second process lets the server and the fuzzer use
  both cores of a CI machine instead of sharing one interpreter lock.
- Something real to hit. Before fuzzing, the module builds a small marketplace through the public API:
  vetted organizations of every kind and a pending one, a published demand with a financing need (so the
  bank has a lead and a webhook delivery), a draft demand, a listed and a draft product, a quote, a
  financing product, a lead subscription, a saved search and the notifications all this sends. About
  half of the generated well-formed ids are swapped for ids of these objects (the admin never gets the
  other roles' own organizations, which it could suspend); the other half stay random, so 404s are
  fuzzed too. In valid cases, catalog fields (`region_code`, `category_codes`, ...) get real codes, so
  creates and filters can succeed rather than always meeting a 422.
- Every role, with its own bearer token. Logging out ends the session a token belongs to, so `logout`
  gets a fresh login of the same account (from its own client address, so the fuzzer's failed logins
  never throttle it).
- Deterministic and bounded: generation is derandomized (`deterministic`), Hypothesis' example database
  is off, and each operation gets schemathesis' examples and coverage phases plus at most `MAX_EXAMPLES`
  fuzzed cases per role, valid and invalid. The stateful phase is off: the document declares no links,
  and the seeded ids do that job more cheaply.
- One shortcut: once an operation has refused a role (401/403) `REFUSALS_BEFORE_SKIPPING` times in a row
  from the start, its remaining cases for that role are not sent. Authentication and role checks are
  dependencies FastAPI resolves before it validates any parameter or body, so those requests could only
  meet the same door; an operation that ever answers the role otherwise (an object-level 403 next to a
  200 or 404) is fuzzed in full. This saves about a third of the run (about 2¾ minutes on two cores).

Nothing is excluded: every operation runs for every role with every check above.
"""

from __future__ import annotations

import collections
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.main import API_PREFIX, create_app
from seed.catalog import catalog_rows
from tests.conftest import MigratedDatabase
from tests.fixtures.cli import CHEAP_HASH_SETTINGS
from tests.fixtures.factories import (
    PASSWORD,
    demand_payload,
    financing_payload,
    product_payload,
    registration,
    unique_email,
)
from tests.fixtures.live import SECRET_KEY, live_server, logged_errors

ROLES = ("anonymous", "enterprise", "supplier", "bank", "admin")
MAX_EXAMPLES = 10
REFUSALS_BEFORE_SKIPPING = 5
# (operation, role) -> how many cases in a row it refused with 401/403; -1 once it answered otherwise.
DOOR: collections.Counter[tuple[str, str]] = collections.Counter()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


def _settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        app_env="test",
        database_url=database_url,
        secret_key=SECRET_KEY,
        log_json=False,
        leads_feed_settle_seconds=0,
        access_token_ttl_seconds=3600,
        webhook_allow_hosts=["127.0.0.1"],
        search_requests_per_client_per_minute=100_000,
        **CHEAP_HASH_SETTINGS,  # type: ignore[arg-type]
    )


# Request fields (bodies and queries) that name catalog entries -> the catalog table.
CODE_FIELDS = {
    "region_code": "regions",
    "region_codes": "regions",
    "service_region_codes": "regions",
    "industry_code": "industries",
    "industry_codes": "industries",
    "category_code": "equipment_categories",
    "category_codes": "equipment_categories",
    "task_type": "task_types",
    "task_types": "task_types",
    "financing_type": "financing_types",
}

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            "database": "none",
        },
        "phases": {"stateful": {"enabled": False}},
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
    }
)
# The document the app serves; no database is touched to build it.
schema = schemathesis.openapi.from_dict(
    create_app(_settings("postgresql+psycopg://unused@localhost/unused")).openapi(), config=CONFIG
)


@dataclass
class World:
    base_url: str
    session: requests.Session
    # Catalog table -> its codes, for request fields that name catalog entries.
    codes: dict[str, list[str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    own_organization: dict[str, str] = field(default_factory=dict)
    # Path parameter name -> ids of real objects; "organization_id" is filled per role.
    ids: dict[str, list[str]] = field(default_factory=dict)
    shared_organizations: list[str] = field(default_factory=list)
    logins: int = 0

    def pool(self, role: str, parameter: str) -> list[str]:
        if parameter == "organization_id":
            own = [self.own_organization[role]] if role in ("enterprise", "supplier", "bank") else []
            return own + self.shared_organizations
        return self.ids.get(parameter, [])

    def fresh_token(self, role: str) -> str:
        """A new login session (for logout, which ends the one it is called with)."""
        self.logins += 1
        response = httpx.post(
            f"{self.base_url}{API_PREFIX}/auth/token",
            data={"username": self.emails[role], "password": PASSWORD},
            # Its own client address, so the failed logins the fuzzer makes never throttle this one.
            headers={"X-Forwarded-For": f"198.51.100.{self.logins % 250 + 1}"},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.text}"
    )
    body: dict[str, Any] = response.json()
    return body


def _build_world(client: httpx.Client, world: World, admin_email: str) -> None:
    def login(email: str) -> str:
        return str(
            _ok(client.post("/auth/token", data={"username": email, "password": PASSWORD}))["access_token"]
        )

    def auth(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {world.tokens[role]}"}

    world.emails["admin"] = admin_email
    world.tokens["admin"] = login(admin_email)
    organizations: dict[str, str] = {}
    for kind in ("enterprise", "supplier", "bank", "provider", "pending"):
        payload = registration("enterprise" if kind == "pending" else kind, region_code="511100")
        registered = _ok(client.post("/auth/register", json=payload), 201)
        organizations[kind] = registered["organization"]["id"]
        world.emails[kind] = payload["email"]
        world.tokens[kind] = login(payload["email"])
        if kind != "pending":
            _ok(
                client.post(
                    f"/admin/organizations/{organizations[kind]}/vetting",
                    json={"decision": "approve", "note": "资料齐全"},
                    headers=auth("admin"),
                )
            )
    for role in ("enterprise", "supplier", "bank"):
        world.own_organization[role] = organizations[role]
    world.shared_organizations = [organizations["provider"], organizations["pending"]]

    subscription = _ok(
        client.post(
            "/lead-subscriptions",
            json={
                "name": "德阳技改贷线索",
                "region_codes": ["511100"],
                "industry_codes": [],
                "task_types": ["line_upgrade"],
                "webhook_url": "http://127.0.0.1:9/hooks/leads",
            },
            headers=auth("bank"),
        ),
        201,
    )
    financing = _ok(client.post("/financing-products", json=financing_payload(), headers=auth("bank")), 201)
    saved = _ok(
        client.post(
            "/saved-searches",
            json={"name": "单晶炉", "list": "demands", "filters": {"region_code": "511100"}},
            headers=auth("supplier"),
        ),
        201,
    )
    product = _ok(client.post("/products", json=product_payload(), headers=auth("supplier")), 201)
    _ok(client.post(f"/products/{product['id']}/submit", headers=auth("supplier")))
    _ok(
        client.post(
            f"/admin/products/{product['id']}/review",
            json={"decision": "approve", "note": "", "made_in_sichuan_confirmed": True},
            headers=auth("admin"),
        )
    )
    draft_product = _ok(
        client.post("/products", json=product_payload(name="余热回收机组"), headers=auth("supplier")), 201
    )
    demand = _ok(client.post("/demands", json=demand_payload(), headers=auth("enterprise")), 201)
    _ok(client.post(f"/demands/{demand['id']}/publish", headers=auth("enterprise")))
    draft = _ok(
        client.post("/demands", json=demand_payload(title="空压站节能改造"), headers=auth("enterprise")), 201
    )
    quote = _ok(
        client.post(
            f"/demands/{demand['id']}/quotes",
            json={
                "product_id": product["id"],
                "price_cny": 9_000_000,
                "delivery_days": 90,
                "message": "含安装",
            },
            headers=auth("supplier"),
        ),
        201,
    )
    leads = _ok(client.get("/leads", headers=auth("bank")))["items"]
    deliveries = _ok(client.get(f"/lead-subscriptions/{subscription['id']}/deliveries", headers=auth("bank")))
    notifications = [
        n["id"]
        for role in ("enterprise", "supplier", "bank")
        for n in _ok(client.get("/notifications", headers=auth(role)))["items"]
    ]
    world.ids = {
        "demand_id": [demand["id"], draft["id"]],
        "product_id": [product["id"], draft_product["id"], financing["id"]],
        "quote_id": [quote["id"]],
        "subscription_id": [subscription["id"]],
        "delivery_id": [d["id"] for d in deliveries["items"]],
        "lead_id": [lead["id"] for lead in leads],
        "saved_search_id": [saved["id"]],
        "notification_id": notifications,
    }


@pytest.fixture(scope="module")
def world(migrated_database: MigratedDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    admin_email = unique_email("admin")
    with migrated_database(admin_email) as url:
        workdir = tmp_path_factory.mktemp("fuzz-server")
        with live_server(url, workdir) as server:
            codes = {table: [row["code"] for row in rows] for table, rows in catalog_rows().items()}
            world = World(base_url=server.base_url, session=requests.Session(), codes=codes)
            with httpx.Client(base_url=server.api, timeout=30) as client:
                _build_world(client, world, admin_email)
            yield world
            world.session.close()
        # An error the server logged (a swallowed exception too, not only a 500) fails the module.
        errors = logged_errors(server)
        assert not errors, "\n".join(errors[:20])


def _pick(options: list[str], drawn: object) -> str:
    """A deterministic choice keyed by the generated value (str hashes differ between processes)."""
    return options[zlib.crc32(repr(drawn).encode()) % len(options)]


def _real_codes(value: Any, codes: dict[str, list[str]], key: str = "") -> Any:
    """Catalog codes the database knows, in place of random strings, so valid bodies can succeed."""
    if isinstance(value, dict):
        return {k: _real_codes(v, codes, k) for k, v in value.items()}
    field = CODE_FIELDS.get(key)
    if field is None:
        return [_real_codes(v, codes) for v in value] if isinstance(value, list) else value
    if isinstance(value, str):
        return _pick(codes[field], value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(dict.fromkeys(_pick(codes[field], v) for v in value))
    return value


def _swap_ids(case: schemathesis.Case[Any], world: World, role: str) -> None:
    """About half of the well-formed ids become ids of real objects; the rest stay random (404s)."""
    for name, value in (case.path_parameters or {}).items():
        pool = world.pool(role, name)
        try:
            drawn = uuid.UUID(str(value)).int
        except ValueError:
            if not str(value).startswith("msg_"):  # webhook-ids are not UUIDs
                continue
            drawn = zlib.crc32(str(value).encode())
        index = drawn % (2 * len(pool)) if pool else 0
        if index < len(pool):
            case.path_parameters[name] = pool[index]


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
def test_every_response_is_documented(case: schemathesis.Case[Any], role: str, world: World) -> None:
    _swap_ids(case, world, role)
    if case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE:
        # Only valid cases: a code swapped into an invalid one could make it valid (then "accepted").
        case.body = _real_codes(case.body, world.codes)
        case.query = _real_codes(case.query, world.codes)
    door = (case.operation.label, role)
    if DOOR[door] >= REFUSALS_BEFORE_SKIPPING:
        return  # the operation refuses this role whatever the input; see the module docstring
    headers: dict[str, str] = {}
    if role != "anonymous":
        is_logout = case.operation.definition.raw.get("operationId") == "logout"
        token = world.fresh_token(role) if is_logout else world.tokens[role]
        headers["Authorization"] = f"Bearer {token}"
    response = case.call_and_validate(
        base_url=world.base_url, session=world.session, headers=headers, checks=CHECKS, timeout=30
    )
    # Counts refusals until the operation answers this role anything else, then never again.
    DOOR[door] = DOOR[door] + 1 if response.status_code in (401, 403) and DOOR[door] >= 0 else -1
