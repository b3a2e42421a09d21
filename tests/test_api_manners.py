"""The API's manners: problems for every error, pagination limits, OpenAPI hygiene, health."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from tests.fixtures.factories import admin_account


class TestProblems:
    async def test_unknown_route_is_a_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/no/such/thing")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert set(response.json()) >= {"type", "title", "status", "detail"}

    async def test_wrong_method_is_a_405_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/catalog/regions")
        assert response.status_code == 405
        assert response.json()["status"] == 405

    async def test_chinese_is_not_escaped(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/auth/register", json={"name": "张"})
        assert response.status_code == 422
        assert b"\\u" not in response.content


class TestPagination:
    @pytest.mark.parametrize(
        ("params", "loc"),
        [
            ({"limit": 101}, ["query", "limit"]),
            ({"limit": 0}, ["query", "limit"]),
            ({"cursor": "%%%not-a-cursor"}, ["query", "cursor"]),
            ({"cursor": "WzFd"}, ["query", "cursor"]),
        ],
    )
    async def test_bad_paging_is_422(
        self, client: httpx.AsyncClient, db: AsyncSession, params: dict[str, str | int], loc: list[str]
    ) -> None:
        admin = await admin_account(client, db)
        response = await client.get("/admin/vetting-queue", headers=admin.headers, params=params)
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == loc


class TestOpenAPI:
    def test_every_route_has_summary_tag_and_unique_operation_id(self, app: FastAPI) -> None:
        schema = app.openapi()
        seen = set()
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                assert operation.get("summary"), (method, path)
                assert operation.get("tags"), (method, path)
                assert operation["operationId"] not in seen, operation["operationId"]
                seen.add(operation["operationId"])
                assert path.startswith("/api/v1/")
        assert len(seen) >= 16


class TestHealth:
    async def test_healthz(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/healthz")).json() == {"status": "ok"}

    async def test_readyz(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"database": "ok", "search": "ok", "engine": "postgres"}

    async def test_request_id_is_echoed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz", headers={"X-Request-ID": "abc123"})
        assert response.headers["x-request-id"] == "abc123"
