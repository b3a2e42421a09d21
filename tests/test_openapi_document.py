"""The OpenAPI document keeps the promises generated clients rely on (../shared/API.md, "Client manners"),
and `GET /catalog/labels` labels every enum it names."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.config import Settings
from app.main import create_app
from tests.fixtures.factories import Account, listed_product, published_demand

PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _walk(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


class TestComponents:
    async def test_every_problem_response_refers_to_the_one_problem_component(
        self, document: dict[str, Any]
    ) -> None:
        checked = 0
        for method, path, operation in _operations(document):
            for status, response in operation["responses"].items():
                if status[0] not in "45":
                    continue
                media = response["content"]["application/problem+json"]
                assert PROBLEM_REF in json.dumps(media), f"{method} {path} {status}"
                checked += 1
        assert checked > 200
        problem = document["components"]["schemas"]["Problem"]
        assert set(problem["required"]) == {"type", "title", "status", "detail"}

    async def test_no_inline_enums_every_enum_is_a_labelled_component(
        self, client: httpx.AsyncClient, document: dict[str, Any]
    ) -> None:
        schemas = document["components"]["schemas"]
        enum_components = {name for name, schema in schemas.items() if "enum" in schema}
        inline = [
            node["enum"]
            for name, schema in schemas.items()
            if name not in enum_components
            for node in _walk(schema)
            if "enum" in node
        ]
        inline += [
            node["enum"] for node in _walk(document["paths"]) if "enum" in node and node["enum"] != ["true"]
        ]
        assert inline == []
        labels = (await client.get("/catalog/labels")).json()
        for name in enum_components:
            assert set(labels[name]) == set(schemas[name]["enum"]), name
            for value, label in labels[name].items():
                assert re.search(r"[\u4e00-\u9fff]", label["zh"]) or value in ("meilisearch", "postgres"), (
                    f"{name}.{value} has no Chinese label"
                )
                assert label["en"]
        for status in ("DemandStatus", "ProductStatus", "QuoteStatus", "LeadStatus", "VettingStatus"):
            assert status in enum_components
        assert labels["DemandStatus"]["published"] == {"zh": "已发布", "en": "Published"}

    async def test_response_component_names_are_unique_and_have_no_input_output_twins(
        self, document: dict[str, Any]
    ) -> None:
        names = list(document["components"]["schemas"])
        assert not [n for n in names if n.endswith(("-Input", "-Output")) or "__" in n]
        titles = [s.get("title", n) for n, s in document["components"]["schemas"].items()]
        assert len(titles) == len(set(titles))

    async def test_every_success_response_is_a_named_model(self, document: dict[str, Any]) -> None:
        loose = []
        for method, path, operation in _operations(document):
            for status, response in operation["responses"].items():
                media = response.get("content", {}).get("application/json")
                if status.startswith("2") and media is not None and "$ref" not in media["schema"]:
                    loose.append(f"{method} {path} {status}")
        assert loose == []
        # The shapes that used to be free-form objects are typed now.
        schemas = document["components"]["schemas"]
        hit = schemas["ProductSearchResults"]["properties"]["items"]["items"]
        assert hit == {"$ref": "#/components/schemas/ProductSearchHit"}
        assert schemas["LeadOut"]["properties"]["demand"] == {"$ref": "#/components/schemas/LeadDemand"}
        assert "$ref" in json.dumps(schemas["NotificationOut"]["properties"]["data"])


class TestOperations:
    async def test_every_operation_has_a_summary_a_description_and_a_tag(
        self, document: dict[str, Any]
    ) -> None:
        for method, path, operation in _operations(document):
            assert operation.get("summary"), f"{method} {path}"
            assert len(operation.get("description", "")) > 20, f"{method} {path} has no description"
            assert operation.get("tags"), f"{method} {path}"

    async def test_security_says_what_each_operation_needs(self, document: dict[str, Any]) -> None:
        security = {f"{m.upper()} {p}": o["security"] for m, p, o in _operations(document)}
        bearer: list[dict[str, list[str]]] = [{"OAuth2PasswordBearer": []}]
        assert security["GET /api/v1/catalog/regions"] == []
        assert security["POST /api/v1/auth/register"] == []
        assert security["GET /api/v1/search/products"] == []
        assert security["GET /api/v1/demands/{demand_id}"] == [{}, *bearer]  # drafts for their owner
        assert security["POST /api/v1/demands"] == bearer
        assert security["GET /api/v1/notifications/stream"] == bearer
        assert security["GET /api/v1/admin/vetting-queue"] == bearer

    async def test_headers_are_documented_where_they_are_sent(self, document: dict[str, Any]) -> None:
        paths = document["paths"]
        created = paths["/api/v1/demands"]["post"]["responses"]["201"]["headers"]
        assert {"Location", "Idempotent-Replayed"} <= set(created)
        assert "Location" in paths["/api/v1/auth/register"]["post"]["responses"]["201"]["headers"]
        single = paths["/api/v1/demands/{demand_id}"]["get"]["responses"]
        assert "ETag" in single["200"]["headers"] and "304" in single
        listing = paths["/api/v1/demands"]["get"]["responses"]
        assert "ETag" in listing["200"]["headers"] and "304" in listing
        assert "Retry-After" in paths["/api/v1/notifications/stream"]["get"]["responses"]["429"]["headers"]


class TestLabels:
    async def test_labels_come_whole_for_every_enum(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/catalog/labels", headers={"Accept-Language": "en"})
        assert response.status_code == 200
        labels = response.json()
        assert labels["TaskType"]["smart_digital"] == {
            "zh": "智改数转",
            "en": "Smart and digital transformation",
        }
        assert labels["FinancingType"]["tech_upgrade_loan"]["zh"] == "技改贷"
        assert labels["NotificationKind"]["quote_received"]["zh"] == "收到报价"

    async def test_task_and_financing_labels_match_the_catalog(self, client: httpx.AsyncClient) -> None:
        labels = (await client.get("/catalog/labels")).json()
        tasks = (await client.get("/catalog/task-types")).json()["items"]
        assert {t["code"]: t["name"] for t in tasks} == {k: v["zh"] for k, v in labels["TaskType"].items()}
        types = (await client.get("/catalog/financing-types")).json()["items"]
        assert {t["code"]: t["name"] for t in types} == {
            k: v["zh"] for k, v in labels["FinancingType"].items()
        }


class TestTypedBodies:
    async def test_search_hits_match_their_models_field_for_field(
        self, client: httpx.AsyncClient, enterprise: Account, supplier: Account, admin: Account
    ) -> None:
        from app.search_api.schemas import DemandSearchResults, ProductSearchResults

        await published_demand(client, enterprise)
        await listed_product(client, supplier, admin)
        demands = (await client.get("/search/demands", params={"q": "单晶炉"})).json()
        products = (await client.get("/search/products", params={"q": "单晶炉"})).json()
        assert demands["items"] and products["items"]
        DemandSearchResults.model_validate(demands)
        ProductSearchResults.model_validate(products)
        hit_model = ProductSearchResults.model_fields["items"].annotation.__args__[0]  # type: ignore[union-attr]
        assert set(products["items"][0]) == set(hit_model.model_fields)

    async def test_readyz_without_a_database_is_a_503_problem_with_the_readiness_fields(
        self, settings: Settings
    ) -> None:
        engine = create_async_engine(
            "postgresql+psycopg://nobody@127.0.0.1:1/none",
            pool_pre_ping=False,
            connect_args={"connect_timeout": 2},
        )
        app: FastAPI = create_app(settings, sessionmaker=async_sessionmaker(engine, class_=AsyncSession))
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as down:
                response = await down.get("/readyz")
        finally:
            await engine.dispose()
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 503 and body["database"] == "unavailable" and body["search"] == "degraded"
        assert re.search(r"[\u4e00-\u9fff]", body["title"])
