from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class SearchResponse(BaseModel):
    items: list[dict[str, Any]] = Field(description="The indexed documents, best first.")
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
