"""What the search endpoints answer: a page of hits, typed per index, with facets and an estimate.

A hit is the public search document (app/indexing/documents.py), the same from either engine. Where
a list of region (or industry, task) codes is open to every value, it holds `"all"`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.kernel import DemandStatus, ProviderType, TaskType


class _Hit(BaseModel):
    id: uuid.UUID
    version: int = Field(description="The indexed version of the object.")


class DemandSearchHit(_Hit):
    title: str
    description: str
    task_type: TaskType
    industry_code: str
    industry_name: str
    region_code: str
    region_name: str
    category_codes: list[str]
    category_paths: list[str] = Field(description="The categories and every parent of them.")
    category_names: list[str]
    category_aliases: list[str]
    category_path_names: list[str]
    organization_id: uuid.UUID
    organization_name: str
    quantity: int | None
    budget_min_cny: int
    budget_max_cny: int
    expected_start: date | None
    status: DemandStatus
    published_at: datetime | None
    published_ts: int = Field(description="Publication time in microseconds since the epoch (for sorting).")


class ProductSearchHit(_Hit):
    name: str
    model: str
    model_terms: list[str] = Field(description="The model number as people type it: JW-800 → jw800, jw, 800.")
    description: str
    category_code: str
    category_name: str
    category_path: list[str]
    category_aliases: list[str]
    category_path_names: list[str]
    industry_codes: list[str]
    industry_names: list[str]
    region_codes: list[str] = Field(description='Service regions; `["all"]` for the whole province.')
    made_in_sichuan: bool = Field(description="四川造, as confirmed by an admin.")
    energy_grade: int | None
    price_min_cny: int
    price_max_cny: int
    lead_time_days: int | None
    certifications: list[str]
    supplier_id: uuid.UUID
    supplier_name: str
    listed_at: datetime | None
    listed_ts: int


class ProviderSearchHit(_Hit):
    name: str
    provider_types: list[ProviderType]
    region_code: str | None
    region_codes: list[str] = Field(description='Where it serves; includes `"all"` when anywhere.')
    industry_codes: list[str]
    services: list[str]
    qualifications: list[str]
    case_titles: list[str]
    description: str
    vetted_ts: int


class FinancingProductSearchHit(_Hit):
    name: str
    financing_type: str = Field(description="A financing-type code (`GET /catalog/financing-types`).")
    financing_type_name: str
    bank_id: uuid.UUID
    bank_name: str
    description: str
    amount_min_cny: int
    amount_max_cny: int
    term_min_months: int
    term_max_months: int
    rate_min_pct: float | None
    rate_max_pct: float | None
    region_codes: list[str]
    industry_codes: list[str]
    task_types: list[str] = Field(description='Task-type codes, or `["all"]`.')
    relending_eligible: bool
    created_ts: int


TermMatchingStrategy = Literal["all", "last"]


class TermMatching(BaseModel):
    """How the hits matched the words of `q`, so a client can say "showing results for 激光切割" when some
    words were left out."""

    strategy: TermMatchingStrategy = Field(
        default="all",
        description=(
            "`all`: every word of `q` matched. `last`: words may have been left out from the end of `q` "
            "until documents matched (Meilisearch's `matchingStrategy: last`; the PostgreSQL engine does "
            "the same when no document has every word, keeping at least the first)."
        ),
    )
    dropped_terms: list[str] | None = Field(
        default_factory=list,
        description=(
            "The words of `q` (as the engine split them) left out to find these hits, in query order; "
            "empty when none were. `null` when the engine does not say which (Meilisearch, which lists "
            "hits matching every word first and those matching fewer after them)."
        ),
    )


class _SearchPage(BaseModel):
    next_cursor: str | None = Field(
        description=(
            "Opaque. PostgreSQL engine: a keyset, stable under inserts. Meilisearch engine: an offset "
            "(up to 5,000 hits), so new matches may shift later pages. A cursor from one engine or sort "
            "is refused by another (422): start again from the first page."
        )
    )
    facets: dict[str, dict[str, int]] = Field(description="field → value → count, over the matches.")
    total_estimate: int = Field(
        description="Exact up to 1,000 matches (PostgreSQL: 10,000), estimated above."
    )
    engine: Literal["meilisearch", "postgres"]
    term_matching: TermMatching = Field(
        default_factory=TermMatching, description="Whether every word of `q` matched, or which were dropped."
    )


class DemandSearchResults(_SearchPage):
    items: list[DemandSearchHit] = Field(description="Published demands, best first.")


class ProductSearchResults(_SearchPage):
    items: list[ProductSearchHit] = Field(description="Listed products, best first.")


class ProviderSearchResults(_SearchPage):
    items: list[ProviderSearchHit] = Field(description="Vetted providers, best first.")


class FinancingProductSearchResults(_SearchPage):
    items: list[FinancingProductSearchHit] = Field(description="Active financing products, best first.")
