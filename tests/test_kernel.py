"""The shared vocabulary (app/kernel.py): every StrEnum is labelled, named in the OpenAPI document, read
from the strings JSON carries, and never from a number or a boolean."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.labels import ENUMS
from app.kernel import STR_ENUMS, DemandStatus, Vocabulary
from app.models import Organization
from tests.fixtures.factories import registration


@pytest.mark.parametrize("enum", STR_ENUMS, ids=lambda enum: enum.__name__)
def test_every_kernel_enum_has_a_label_for_each_value(enum: type[Vocabulary]) -> None:
    assert enum.__name__ in ENUMS, f"add {enum.__name__} to app/catalog/labels.py ENUMS"
    assert set(ENUMS[enum.__name__]) == {member.value for member in enum}


def test_a_member_is_its_string() -> None:
    published: str = DemandStatus.PUBLISHED
    assert published == "published"
    assert f"{DemandStatus.DRAFT}" == "draft"


async def test_the_document_names_each_kernel_enum_with_its_labels(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    for enum in STR_ENUMS:
        component = schemas[enum.__name__]
        assert component["enum"] == list(ENUMS[enum.__name__])
        assert "labels" in component["description"]
    kind = schemas["OrganizationCreate"]["properties"]["kind"]
    assert kind == {"$ref": "#/components/schemas/RegisterableKind"}


@pytest.mark.parametrize("kind", [0, 1, True, None, ["enterprise"], "Enterprise", "enterprise "])
async def test_a_kind_that_is_not_one_of_the_strings_is_refused_and_nothing_written(
    client: httpx.AsyncClient, db: AsyncSession, kind: object
) -> None:
    before = await db.scalar(select(func.count()).select_from(Organization))
    payload = registration("enterprise")
    payload["organization"]["kind"] = kind
    response = await client.post("/auth/register", json=payload)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "organization", "kind"]
    assert await db.scalar(select(func.count()).select_from(Organization)) == before


async def test_a_kind_sent_as_its_string_is_read(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/register", json=registration("bank"))
    assert response.status_code == 201, response.text
    assert response.json()["organization"]["kind"] == "bank"
