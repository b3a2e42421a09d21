"""Every operator route (/admin, /stats) refuses every other role, and the OpenAPI document lists
exactly the app's routes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.fixtures.factories import Account, register_account, vetted_account

PREFIX = "/api/v1"


def _walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, str]]:
    """(method, path) of every API route, through included routers (FastAPI keeps them as wrappers that
    hold the router and the include's prefix)."""
    for route in routes:
        if isinstance(route, APIRoute):
            if route.include_in_schema:
                for method in (route.methods or set()) - {"HEAD"}:
                    yield method, prefix + route.path
        elif hasattr(route, "original_router"):
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    return {(method, path.removeprefix(PREFIX)) for method, path in _walk(app.routes, "")}


def test_openapi_paths_equal_the_routes(app: FastAPI) -> None:
    documented = {
        (method.upper(), path.removeprefix(PREFIX))
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert documented == _routes(app)
    assert len(documented) > 60


async def test_every_admin_route_refuses_every_other_role(
    app: FastAPI, client: httpx.AsyncClient, admin: Account
) -> None:
    roles: dict[str, Account | None] = {"anonymous": None}
    for kind in ("enterprise", "supplier", "provider", "bank"):
        roles[kind] = await vetted_account(client, admin, kind)
    roles["pending enterprise"] = await register_account(client, "enterprise")
    admin_routes = sorted(r for r in _routes(app) if r[1].startswith(("/admin", "/stats")))
    assert len(admin_routes) >= 3
    for method, template in admin_routes:
        path = template
        while "{" in path:
            path = path[: path.index("{")] + str(uuid.uuid4()) + path[path.index("}") + 1 :]
        for role, account in roles.items():
            headers = account.headers if account else {}
            response = await client.request(method, path, headers=headers, json={})
            expected = 401 if account is None else 403
            assert response.status_code == expected, f"{role} {method} {template} -> {response.status_code}"
            assert response.headers["content-type"].startswith("application/problem+json")
    # The admin gets past the door on the same requests (a 2xx, or a 404/422 about the dummy ids/bodies).
    for method, template in admin_routes:
        path = template
        while "{" in path:
            path = path[: path.index("{")] + str(uuid.uuid4()) + path[path.index("}") + 1 :]
        response = await client.request(method, path, headers=admin.headers, json={})
        assert response.status_code not in (401, 403), f"admin {method} {template} -> {response.status_code}"
