"""The PostgreSQL engine: real full-text search over the same documents, in the same transaction as writes.

Documents live in `search_documents` (JSONB) with a weighted tsvector built from rjieba tokens
(search/text.py) — no contrib extension. Filters are JSONB containment (GIN), ranking is ts_rank_cd with
the spec's weights, facets and the total are counted over the best FACET_WINDOW matches. A typed query whose
words never all match one document is narrowed as Meilisearch's matchingStrategy "last" does: words are
left out from the end (at least one stays) until something matches, and the result says which.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSQUERY, TSVECTOR, insert
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from search import cursor as cursors
from search.engine import Document, Filter, InvalidCursor, SearchQuery, SearchResult, TermMatching
from search.specs import OPEN, IndexSpec
from search.text import QueryTerm, Segmenter

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

documents = Table(
    "search_documents",
    metadata,
    Column("index_name", String(40), primary_key=True),
    Column("doc_id", PG_UUID(as_uuid=True), primary_key=True),
    Column("document", JSONB, nullable=False),
    Column("tsv", TSVECTOR, nullable=False),
    # The spec's facet fields only: small, so ranking windows can carry them without the whole document.
    Column("facet_values", JSONB, nullable=False, server_default="{}"),
    Column("sort_ts", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_search_documents_tsv", "tsv", postgresql_using="gin"),
    Index(
        "ix_search_documents_document",
        "document",
        postgresql_using="gin",
        postgresql_ops={"document": "jsonb_path_ops"},
    ),
    Index("ix_search_documents_recent", "index_name", "sort_ts", "doc_id"),
)

WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A
FACET_WINDOW = 1000


def _field_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_field_text(v) for v in value)
    return str(value)


def _weights(spec: IndexSpec) -> list[str]:
    return list(dict.fromkeys(searchable.weight for searchable in spec.searchable))


def weighted_tokens(spec: IndexSpec, document: Document, segmenter: Segmenter) -> dict[str, list[str]]:
    """The document's index tokens by weight (A-D), each list unique and never empty."""
    by_weight: dict[str, list[str]] = {weight: [] for weight in _weights(spec)}
    for searchable in spec.searchable:
        by_weight[searchable.weight].extend(
            segmenter.index_tokens(
                _field_text(document.get(searchable.name)), bigrams=searchable.weight != "D"
            )
        )
    return {weight: list(dict.fromkeys(tokens)) or ["_"] for weight, tokens in by_weight.items()}


def tsvector_of_params(spec: IndexSpec) -> ColumnElement[Any]:
    """setweight(array_to_tsvector(:tokens_A), 'A') || … — one statement shape a spec, so it compiles once
    and runs for every document of a batch."""
    parts: list[ColumnElement[Any]] = [
        # The weight is one of A-D from the spec, never user input, so it can be a literal "char".
        func.setweight(
            func.array_to_tsvector(bindparam(f"tokens_{weight}", type_=ARRAY(Text))),
            text(f"'{weight}'::\"char\""),
        )
        for weight in _weights(spec)
    ]
    expression = parts[0]
    for part in parts[1:]:
        expression = expression.op("||")(part)
    return expression


def _lexeme(lexeme: str, *, typed: bool) -> str:
    # A one-character ASCII word would match half the index as a prefix; a CJK one is a real word. A short
    # abbreviation that is a synonym (pv, ess) is a whole word: as a prefix, 光伏 would find PVC.
    whole = lexeme.isascii() and (len(lexeme) == 1 or (not typed and len(lexeme) <= 3))
    return f"'{lexeme}'" if whole else f"'{lexeme}':*"


def _tsquery_text(terms: Sequence[QueryTerm], *, any_word: bool = False) -> str:
    """(alt1:* | alt2:* | (phrase1:* & phrase2:*) | (bigram1 & bigram2)) & (…) — lexemes are validated
    alnum/CJK, so quoting is safe."""
    clauses = []
    for term in terms:
        options = [_lexeme(alt, typed=alt == term.word) for alt in term.alternatives]
        options += [
            "(" + " & ".join(_lexeme(w, typed=w in term.word.split(" ")) for w in words) + ")"
            for words in term.phrases
        ]
        if term.bigrams:
            options.append("(" + " & ".join(f"'{b}'" for b in term.bigrams) + ")")
        clauses.append("(" + " | ".join(options) + ")")
    return (" | " if any_word else " & ").join(clauses)


def _contains(doc: Any, value: dict[str, Any], inline: bool) -> ColumnElement[bool]:
    """`doc @> value`; `inline` writes the JSONB constant into the SQL text at execution (the cached
    statement keeps a placeholder), so PostgreSQL plans for the value instead of reusing a generic plan."""
    if not inline:
        contains: ColumnElement[bool] = doc.contains(value)
        return contains
    constant = cast(literal(json.dumps(value, ensure_ascii=False), literal_execute=True), JSONB)
    inlined: ColumnElement[bool] = doc.op("@>")(constant)
    return inlined


def _keyset(payload: dict[str, Any]) -> tuple[int | float, int | float, str]:
    """(key, tie, doc_id) from a cursor, checked: a forged cursor is InvalidCursor, never a SQL error."""
    keys = payload.get("k")
    if not (
        isinstance(keys, list)
        and len(keys) == 3
        and all(isinstance(x, int | float) for x in keys[:2])
        and isinstance(keys[2], str)
    ):
        raise InvalidCursor("malformed cursor", zh="游标格式有误")
    try:
        uuid.UUID(keys[2])
    except ValueError as exc:
        raise InvalidCursor("malformed cursor", zh="游标格式有误") from exc
    return keys[0], keys[1], keys[2]  # ints stay ints: a bigint key keeps its index


def _dropped_in(payload: dict[str, Any], terms: int) -> int:
    """How many words the first page left out, from its cursor (checked like the keyset)."""
    dropped = payload.get("d", 0)
    if not isinstance(dropped, int) or isinstance(dropped, bool) or not 0 <= dropped < max(terms, 1):
        raise InvalidCursor("malformed cursor", zh="游标格式有误")
    return dropped


def _ordering(source: Any, direction: str) -> list[Any]:
    """ORDER BY key, tie, doc_id in one direction: the keyset every page and the window share."""
    columns = [source.c.key, source.c.tie, source.c.doc_id]
    return [c.desc() for c in columns] if direction == "desc" else [c.asc() for c in columns]


class PostgresEngine:
    name: Literal["postgres"] = "postgres"

    def __init__(self, session: AsyncSession, segmenter: Segmenter) -> None:
        self.session = session
        self.segmenter = segmenter

    # -- writes (called inside the request's transaction) -------------------------------------
    async def upsert(self, spec: IndexSpec, docs: Sequence[Document], *, batch: int = 500) -> None:
        """Insert or replace documents: one compiled statement, executed for a batch of rows at a time
        (the reindex and import paths write thousands)."""
        stmt = insert(documents).values(
            index_name=bindparam("index_name"),
            doc_id=bindparam("doc_id", type_=documents.c.doc_id.type),
            document=bindparam("document", type_=documents.c.document.type),
            tsv=tsvector_of_params(spec),
            facet_values=bindparam("facet_values", type_=documents.c.facet_values.type),
            sort_ts=bindparam("sort_ts", type_=documents.c.sort_ts.type),
            version=bindparam("version", type_=documents.c.version.type),
            updated_at=func.now(),
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[documents.c.index_name, documents.c.doc_id],
            set_={
                k: stmt.excluded[k]
                for k in ("document", "tsv", "facet_values", "sort_ts", "version", "updated_at")
            },
        )
        for start in range(0, len(docs), batch):
            rows = [
                {
                    "index_name": spec.name,
                    "doc_id": uuid.UUID(str(doc["id"])),
                    "document": doc,
                    "facet_values": {name: doc.get(name) for name in spec.facets},
                    "sort_ts": int(doc.get(spec.time_field) or 0),
                    "version": int(doc.get("version", 0)),
                    **{
                        f"tokens_{w}": tokens
                        for w, tokens in weighted_tokens(spec, doc, self.segmenter).items()
                    },
                }
                for doc in docs[start : start + batch]
            ]
            await self.session.execute(stmt, rows)

    async def delete(self, index: str, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            await self.session.execute(
                delete(documents).where(documents.c.index_name == index, documents.c.doc_id.in_(list(ids)))
            )

    async def clear(self, index: str) -> None:
        await self.session.execute(delete(documents).where(documents.c.index_name == index))

    async def get(self, index: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Document]:
        rows = await self.session.execute(
            select(documents.c.doc_id, documents.c.document).where(
                documents.c.index_name == index, documents.c.doc_id.in_(list(ids))
            )
        )
        return {row.doc_id: row.document for row in rows}

    async def documents(self, index: str, *, changed_since: datetime | None = None) -> list[Document]:
        """Every document of `index` (written since `changed_since`, if given): the source of a reindex."""
        stmt = select(documents.c.document).where(documents.c.index_name == index)
        if changed_since is not None:
            stmt = stmt.where(documents.c.updated_at >= changed_since)
        return list((await self.session.execute(stmt)).scalars().all())

    async def versions(self, index: str) -> dict[str, int]:
        rows = await self.session.execute(
            select(documents.c.doc_id, documents.c.version).where(documents.c.index_name == index)
        )
        return {str(row.doc_id): row.version for row in rows}

    # -- search ---------------------------------------------------------------------------------
    def _filter_clause(self, spec: IndexSpec, flt: Filter, *, inline: bool = False) -> ColumnElement[bool]:
        field = spec.filter(flt.field)
        doc = documents.c.document
        if flt.op in ("lte", "gte"):
            number = cast(doc[flt.field].astext, Float)
            compared: ColumnElement[bool] = (
                number <= flt.values[0] if flt.op == "lte" else number >= flt.values[0]
            )
            return compared
        options: list[ColumnElement[bool]] = []
        for value in flt.values:
            probe: Any = [value] if field.kind == "keywords" else value
            options.append(_contains(doc, {flt.field: probe}, inline))
        if field.kind == "keywords":
            options.append(_contains(doc, {flt.field: [OPEN]}, inline))
        return or_(*options)

    async def search(self, spec: IndexSpec, query: SearchQuery) -> SearchResult:
        terms = self.segmenter.query_terms(query.q) if query.q.strip() else []
        if query.q.strip() and not terms:
            # Only punctuation or emoji: nothing to look for, and that is not an error.
            return SearchResult(hits=[], next_cursor=None, facets={}, total_estimate=0, engine=self.name)
        if query.cursor:
            # Later pages keep the words the first page kept.
            kept = len(terms) - _dropped_in(cursors.decode(query.cursor), len(terms))
            return await self._search(spec, query, terms, kept)
        result = await self._search(spec, query, terms, len(terms))
        if result.hits or query.any_word or len(terms) < 2:
            return result
        kept = await self._longest_matching_start(spec, query, terms)
        return await self._search(spec, query, terms, kept) if kept else result

    async def _longest_matching_start(
        self, spec: IndexSpec, query: SearchQuery, terms: list[QueryTerm]
    ) -> int:
        """How many of the query's first words one document still matches (longest first; 0 when not even
        the first does), in one statement: CASE tries each EXISTS in turn and stops at the first hit."""
        filters = [self._filter_clause(spec, f) for f in query.filters]
        probes = []
        for kept in range(len(terms) - 1, 0, -1):
            tsquery = cast(literal(_tsquery_text(terms[:kept])), TSQUERY)
            probe = exists().where(
                (documents.c.index_name + "") == spec.name, documents.c.tsv.op("@@")(tsquery), *filters
            )
            probes.append((probe, kept))
        return int(await self.session.scalar(select(case(*probes, else_=0))) or 0)

    async def _search(
        self, spec: IndexSpec, query: SearchQuery, all_terms: list[QueryTerm], kept: int
    ) -> SearchResult:
        """The search with the query's first `kept` words (all of them, unless narrowed)."""
        terms = all_terms[:kept]
        dropped = tuple(t.word for t in all_terms[kept:])
        matching = TermMatching(strategy="last", dropped_terms=dropped) if dropped else TermMatching()
        where: list[ColumnElement[bool]] = [documents.c.index_name == spec.name]
        # Any-word queries (matching) rank a whole category: planned for the actual filter values they are
        # 3x faster. Typed queries keep bind parameters: there the generic plan psycopg's prepared
        # statements get was the faster one (bench/search.py, bench/matching.py).
        where += [self._filter_clause(spec, f, inline=query.any_word) for f in query.filters]
        sort = query.sort or ("relevance" if terms else spec.default_sort)
        rank: ColumnElement[Any]
        if terms:
            # A tsquery constant, parsed once. to_tsquery() is only STABLE, so PostgreSQL ran it for every
            # candidate row, twice; our lexemes are already normalised, so the dictionary has nothing to add.
            tsquery = cast(literal(_tsquery_text(terms, any_word=query.any_word)), TSQUERY)
            where.append(documents.c.tsv.op("@@")(tsquery))
            # Keep the planner off the primary key for index_name: with a text query the GIN bitmap is the
            # selective part, and AND-ing it with half the table's btree entries doubled the query time.
            where[0] = (documents.c.index_name + "") == spec.name
            rank = func.ts_rank(text(f"'{WEIGHTS}'::float4[]"), documents.c.tsv, tsquery)
        else:
            rank = literal(0.0)
        # Ranks are float4, whose text form does not round-trip through a cursor: compare them as float8.
        # sort_ts stays a bigint so browsing can walk its index in order.
        rank = cast(rank, Float)
        if sort == "relevance":
            key: ColumnElement[Any] = rank.label("key")
            direction = "desc"
            tie: ColumnElement[Any] = documents.c.sort_ts
        else:
            if sort not in spec.sorts:
                raise ValueError(f"unknown sort {sort!r}")
            field_name, direction = spec.sorts[sort]
            key = (
                documents.c.sort_ts
                if field_name == spec.time_field
                else cast(documents.c.document[field_name].astext, Float)
            ).label("key")
            tie = rank
        # Only what ranking and paging need travels through the sort; documents are joined in for the page
        # (and the facet window) at the end: sorting thousands of wide JSONB rows was most of the cost.
        matches = select(documents.c.doc_id, documents.c.facet_values, key, tie.label("tie")).where(
            and_(*where)
        )
        sub = matches.subquery("m")
        order = _ordering(sub, direction)
        if query.cursor:
            # Later pages: the next slice only. Facets came with page one; the total rides in the cursor.
            payload = cursors.decode(query.cursor)
            if payload.get("e") != "pg" or payload.get("s") != sort:
                raise InvalidCursor(
                    "this cursor belongs to another engine or sort; start from the first page",
                    zh="该游标属于其他搜索引擎或排序方式，请从第一页重新开始",
                )
            k, t, i = _keyset(payload)
            after = tuple_(sub.c.key, sub.c.tie, sub.c.doc_id)
            bound = tuple_(literal(k), literal(t), literal(uuid.UUID(i)))
            page = select(sub).where(after < bound if direction == "desc" else after > bound)
            page_rows = page.order_by(*order).limit(query.limit + 1).subquery("p")
            rows = list(
                (
                    await self.session.execute(
                        select(page_rows.c.doc_id, page_rows.c.key, page_rows.c.tie, documents.c.document)
                        .join(
                            documents,
                            and_(
                                documents.c.index_name == spec.name, documents.c.doc_id == page_rows.c.doc_id
                            ),
                        )
                        .order_by(*_ordering(page_rows, direction))
                    )
                ).all()
            )
            facets: dict[str, dict[str, int]] = {}
            total = payload.get("t", 0) if isinstance(payload.get("t", 0), int) else 0
        elif not query.facets:
            top = select(sub).order_by(*order).limit(query.limit + 1).subquery("top")
            rows = list(
                (
                    await self.session.execute(
                        select(top.c.doc_id, top.c.key, top.c.tie, documents.c.document)
                        .join(
                            documents,
                            and_(documents.c.index_name == spec.name, documents.c.doc_id == top.c.doc_id),
                        )
                        .order_by(*_ordering(top, direction))
                    )
                ).all()
            )
            facets, total = {}, min(len(rows), query.limit)
        else:
            rows, facets, total = await self._first_page(
                spec, sub, direction, query.limit, ranked=bool(terms)
            )
        next_cursor = None
        if len(rows) > query.limit:
            rows = rows[: query.limit]
            last = rows[-1]
            payload = {"e": "pg", "s": sort, "k": [last.key, last.tie, str(last.doc_id)], "t": total}
            if dropped:
                payload["d"] = len(dropped)
            next_cursor = cursors.encode(payload)
        return SearchResult(
            hits=[dict(r.document) for r in rows],
            next_cursor=next_cursor,
            facets=facets,
            total_estimate=total,
            engine=self.name,
            term_matching=matching,
        )

    async def _first_page(
        self, spec: IndexSpec, sub: Any, direction: str, limit: int, *, ranked: bool
    ) -> tuple[list[Any], dict[str, dict[str, int]], int]:
        """Hits, facet counts and the total in one statement: the matches are ranked once, into a window
        of the best FACET_WINDOW; the hits are its head and the facets are counted over it."""
        # With a text query every match is ranked anyway, so count(*) OVER () (computed before the LIMIT)
        # gives the exact total at no extra scan. Browsing without one walks an index in order instead, and
        # the total is counted separately, up to 10,000.
        total_column = func.count().over() if ranked else literal(0)
        window = (
            select(sub, total_column.label("total"))
            .order_by(*_ordering(sub, direction))
            .limit(FACET_WINDOW)
            .cte("w")
        )
        none_uuid, none_doc = null().cast(PG_UUID(as_uuid=True)), null().cast(JSONB)
        none_num, none_text = null().cast(Float), null().cast(Text)
        # Facets come from the window's small facet_values; only the page's own rows fetch their documents.
        top = select(window).order_by(*_ordering(window, direction)).limit(limit + 1).subquery("top")
        head = (
            select(top.c.doc_id, top.c.key, top.c.tie, documents.c.document)
            .join(documents, and_(documents.c.index_name == spec.name, documents.c.doc_id == top.c.doc_id))
            .subquery("head")
        )
        parts: list[Any] = [
            select(
                literal(0).label("part"),
                head.c.doc_id,
                head.c.document,
                cast(head.c.key, Float).label("key"),
                cast(head.c.tie, Float).label("tie"),
                none_text.label("facet"),
                none_text.label("value"),
                null().cast(BigInteger).label("n"),
            )
        ]
        for name in spec.facets:
            value = window.c.facet_values[name]
            if spec.filter(name).kind == "keywords":
                element = func.jsonb_array_elements_text(value).table_valued("v").render_derived(name="e")
                parts.append(
                    select(
                        literal(1),
                        none_uuid,
                        none_doc,
                        none_num,
                        none_num,
                        literal(name),
                        element.c.v,
                        func.count(),
                    )
                    .select_from(window)
                    .join(element, literal(True))
                    .group_by(element.c.v)
                )
            else:
                parts.append(
                    select(
                        literal(1),
                        none_uuid,
                        none_doc,
                        none_num,
                        none_num,
                        literal(name),
                        value.astext,
                        func.count(),
                    )
                    .select_from(window)
                    .where(value.isnot(None))
                    .group_by(value.astext)
                )
        parts.append(
            select(
                literal(2),
                none_uuid,
                none_doc,
                none_num,
                none_num,
                literal("total"),
                none_text,
                func.max(window.c.total),
            ).select_from(window)
        )
        rows = (await self.session.execute(union_all(*parts))).all()
        hits = [r for r in rows if r.part == 0]
        hits.sort(key=lambda r: (r.key, r.tie, str(r.doc_id)), reverse=direction == "desc")
        facets: dict[str, dict[str, int]] = {name: {} for name in spec.facets}
        total = 0
        for r in rows:
            if r.part == 1 and r.value is not None:
                facets[r.facet][str(r.value)] = int(r.n)
            elif r.part == 2:
                total = int(r.n or 0)
        for name, counts in facets.items():
            facets[name] = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:100])
        if not ranked:
            capped = select(sub.c.doc_id).limit(10_000).subquery("all")
            total = int((await self.session.execute(select(func.count()).select_from(capped))).scalar_one())
        return hits, facets, total
