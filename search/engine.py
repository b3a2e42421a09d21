"""The one interface both engines implement, and the query/result types they share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from search.specs import IndexSpec

Document = dict[str, Any]  # always has "id" (str) and "version" (int)


@dataclass(frozen=True)
class Filter:
    """`field` equals (or, for a list field, contains) any of `values`; or a number comparison."""

    field: str
    op: Literal["any", "lte", "gte"]
    values: tuple[Any, ...]


@dataclass(frozen=True)
class SearchQuery:
    q: str
    filters: Sequence[Filter] = ()
    sort: str | None = None  # None: relevance with a query, the spec's default sort without
    limit: int = 20
    cursor: str | None = None
    # False: every word must match (what people typing a query expect). True: any word will do, and more
    # matching words rank higher (matching a demand's words against the supply list).
    any_word: bool = False
    # False: no facet counts and no total (total_estimate is then the number of hits returned) — for
    # callers that only want the best hits, like matching, where counting was most of the cost.
    facets: bool = True


MatchingStrategy = Literal["all", "last"]


@dataclass(frozen=True)
class TermMatching:
    """How the hits matched the query's words. `all`: every word. `last`: words may have been left out from
    the end of the query until documents matched (Meilisearch's matchingStrategy "last"); `dropped_terms`
    are those words in query order, or None when the engine does not say which."""

    strategy: MatchingStrategy = "all"
    dropped_terms: tuple[str, ...] | None = ()


@dataclass
class SearchResult:
    hits: list[Document]
    next_cursor: str | None
    facets: dict[str, dict[str, int]]
    total_estimate: int
    engine: Literal["meilisearch", "postgres"]
    term_matching: TermMatching = field(default_factory=TermMatching)
    extra: dict[str, Any] = field(default_factory=dict)


class SearchUnavailable(Exception):
    """The engine could not be reached; the caller may fall back to another."""


class InvalidCursor(ValueError):
    """A cursor this engine cannot continue from (`zh`: the message in Chinese)."""

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh


class SearchEngine(Protocol):
    @property
    def name(self) -> Literal["meilisearch", "postgres"]: ...

    async def search(self, spec: IndexSpec, query: SearchQuery) -> SearchResult: ...
