"""Matching: a demand's products, providers, financing and policy support, each with its reasons; a
product's demands; the owner's feedback; notifications when a demand is published."""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Literal

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import scope
from app.auth.principal import Viewer
from app.catalog.service import CatalogSnapshot
from app.errors import Conflict, InvalidInput, NotFound
from app.indexing import documents
from app.indexing import service as indexing
from app.kernel import today_in_sichuan
from app.kit.responses import dumps
from app.matching import policies, priority, repository, scoring, weights
from app.matching.scoring import Match, SupplierFacts
from app.models.base import utcnow
from app.models.demand import Demand
from app.models.financing import FinancingProduct
from app.models.matching import MatchFeedback
from app.models.product import Product
from app.notifications import service as notifications
from app.search_api import service as search_service
from search import cache
from search.engine import Filter, SearchEngine, SearchQuery

log = logging.getLogger(__name__)
Kind = Literal["product", "provider", "financing", "policy"]
KIND_NAMES_ZH: dict[str, str] = {
    "product": "产品",
    "provider": "服务商",
    "financing": "金融产品",
    "policy": "政策",
}


# -- access --------------------------------------------------------------------------------------
async def owned_demand(session: AsyncSession, demand_id: uuid.UUID, viewer: Viewer) -> Demand:
    """Matches are the owner's (and admins'): anyone else gets 404, as if the demand did not exist."""
    demand = await repository.demand(session, demand_id)
    if demand is None or not (viewer.is_admin or viewer.organization_id == demand.organization_id):
        raise NotFound("No such demand.", zh="没有这个需求。")
    return demand


async def owned_product(session: AsyncSession, product_id: uuid.UUID, viewer: Viewer) -> tuple[Product, str]:
    row = await repository.product_with_supplier(session, product_id)
    if row is None or not (viewer.is_admin or viewer.organization_id == row[0].organization_id):
        raise NotFound("No such product.", zh="没有这个产品。")
    return row


# -- facts ---------------------------------------------------------------------------------------
async def supplier_facts(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, SupplierFacts]:
    if not ids:
        return {}
    rows = await repository.supplier_records(session, ids)
    return {ident: SupplierFacts(region, accepted, delivered) for ident, region, accepted, delivered in rows}


def product_words(segmenter: Any, doc: dict[str, Any]) -> list[str]:
    """The words a demand's words are looked for in: name, model, category and its aliases. (The search
    engine already ranked the candidates with the description; segmenting a hundred descriptions per
    request cost more than the rest of the scoring.)"""
    text = " ".join(
        [
            str(doc.get("name", "")),
            " ".join(doc.get("model_terms") or []),
            str(doc.get("category_name", "")),
            " ".join(doc.get("category_aliases") or []),
        ]
    )
    return list(_tokens(segmenter, text))


@functools.lru_cache(maxsize=50_000)
def _tokens(segmenter: Any, text: str) -> tuple[str, ...]:
    """Segmenting is pure: the same product text gives the same words (a third of a match's time)."""
    return tuple(segmenter.index_tokens(text, bigrams=False))


async def feedback_state(session: AsyncSession, demand_id: uuid.UUID, kind: str) -> dict[str, str]:
    """target id → its latest action (shortlist | dismiss | clear)."""
    return await repository.latest_feedback(session, demand_id, kind)


# -- the four kinds ------------------------------------------------------------------------------
async def product_matches(
    session: AsyncSession, meili: SearchEngine | None, demand: Demand, catalog: CatalogSnapshot
) -> list[Match]:
    if not demand.category_codes:
        raise Conflict(
            "This demand names no equipment category, so no product can be matched to it; "
            "add category_codes (PATCH /demands/{id}) and ask again.",
            zh="该需求未指定设备类别，无法为其匹配产品；"
            "请补充 category_codes（PATCH /demands/{id}）后再查询。",
            code="demand_without_category",
        )
    segmenter = await indexing.segmenter(session)
    query = SearchQuery(
        q=scoring.demand_query(demand, catalog),
        filters=[
            Filter("category_path", "any", tuple(demand.category_codes)),
            Filter("region_codes", "any", tuple(catalog.region_path(demand.region_code))),
        ],
        any_word=True,
        facets=False,
        limit=weights.CANDIDATES,
    )
    hits = (await search_service.search(session, meili, "products", query)).hits
    suppliers = await supplier_facts(session, {uuid.UUID(h["supplier_id"]) for h in hits})
    words = scoring.demand_words(segmenter, demand, catalog)
    today = today_in_sichuan()
    found = []
    for hit in hits:
        match = scoring.score_product(
            demand,
            hit,
            catalog=catalog,
            words=words,
            product_words=product_words(segmenter, hit),
            supplier=suppliers.get(uuid.UUID(hit["supplier_id"]), SupplierFacts()),
            today=today,
        )
        match.details = {
            "product": {
                "model": hit.get("model"),
                "category_code": hit.get("category_code"),
                "price_min_cny": hit.get("price_min_cny"),
                "price_max_cny": hit.get("price_max_cny"),
                "energy_grade": hit.get("energy_grade"),
                "made_in_sichuan": hit.get("made_in_sichuan"),
                "lead_time_days": hit.get("lead_time_days"),
                "supplier": {"id": hit.get("supplier_id"), "name": hit.get("supplier_name")},
            }
        }
        found.append(match)
    return found


async def provider_matches(session: AsyncSession, demand: Demand, catalog: CatalogSnapshot) -> list[Match]:
    providers = await repository.vetted_providers(session, sorted(scoring.needed_provider_types(demand)))
    segmenter = await indexing.segmenter(session)
    words = scoring.demand_words(segmenter, demand, catalog)
    found = []
    for provider in providers:
        path = catalog.region_path(demand.region_code)
        serves = (
            not provider.service_region_codes
            or any(code in provider.service_region_codes for code in path)
            or catalog.city_of(provider.region_code) == catalog.city_of(demand.region_code)
        )
        if serves:
            found.append(
                scoring.score_provider(demand, provider, catalog=catalog, words=words, segmenter=segmenter)
            )
    return found


async def financing_matches(
    session: AsyncSession, demand: Demand, catalog: CatalogSnapshot
) -> tuple[list[Match], list[dict[str, Any]]]:
    """Eligible products, scored; and the near misses, each with the one condition that failed."""
    rows = await repository.active_financing(session)
    ask = scoring.financing_ask(demand)
    eligible: list[tuple[FinancingProduct, str]] = []
    near: list[dict[str, Any]] = []
    for product, bank_name in rows:
        failed = [c for c in scoring.financing_conditions(demand, product, ask, catalog) if not c[1]]
        if not failed:
            eligible.append((product, bank_name))
        elif len(failed) == 1:
            near.append(
                {
                    "kind": "financing",
                    "target": {"id": str(product.id), "name": product.name},
                    "bank": {"id": str(product.organization_id), "name": bank_name},
                    "failed": {"condition": failed[0][0], "detail": failed[0][2]},
                }
            )
    rates = [float(p.rate_min_pct) for p, _ in eligible if p.rate_min_pct is not None]
    low, high = (min(rates), max(rates)) if rates else (None, None)
    matches = [
        scoring.score_financing(
            demand, p, bank_name=name, lowest_rate=low, highest_rate=high, catalog=catalog
        )
        for p, name in eligible
    ]
    near.sort(key=lambda n: (n["failed"]["condition"], n["target"]["name"]))
    return matches, near


async def policy_matches(session: AsyncSession, demand: Demand, catalog: CatalogSnapshot) -> list[Match]:
    financing, _ = await financing_matches(session, demand, catalog)
    relending = sum(1 for m in financing if m.details.get("relending_eligible"))
    today = today_in_sichuan()
    found = []
    for policy in await policies.all_policies(session):
        if not scope.covers(policy.region_code, demand.region_code):
            continue  # a 市州's policy is for enterprises there
        if policy.industry_codes and not any(
            demand.industry_code.startswith(c) for c in policy.industry_codes
        ):
            continue
        match = scoring.score_policy(
            demand, policy, today=today, relending_products=relending, catalog=catalog
        )
        if match is not None:
            found.append(match)
    return found


def _best_first(found: Sequence[Match]) -> list[Match]:
    def benefit(m: Match) -> int:
        return int((m.details.get("estimate") or {}).get("benefit_cny") or 0)

    return sorted(found, key=lambda m: (-m.score, -benefit(m), m.target_id))


# What each kind's ranking is computed from, besides the demand itself (search/cache.py generations).
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "product": ("products", "supplier_records"),
    "provider": ("providers",),
    "financing": ("financing_products",),
    "policy": ("financing_products",),
}
Ranked = tuple[list[Match], list[dict[str, Any]]]
# In every key: a release that changes the stored format never reads an older release's entries.
RANKED_FORMAT = "matches/2"


def _encode_ranked(value: Ranked) -> bytes:
    """The ranking as JSON, each reason's source (a long citation, the same for most reasons) stored once
    and referred to by number: a hundred product matches came to 365 KB, nine tenths of it sources."""
    found, near = value
    sources: dict[str, int] = {}
    matches = []
    for match in found:
        entry = asdict(match)
        entry["reasons"] = [
            {**r, "source": sources.setdefault(r["source"], len(sources))} for r in entry["reasons"]
        ]
        matches.append(entry)
    return dumps({"sources": list(sources), "found": matches, "near": near})


def _decode_ranked(raw: bytes) -> Ranked:
    body = orjson.loads(raw)
    sources = body["sources"]
    found = []
    for entry in body["found"]:
        for reason in entry["reasons"]:
            reason["source"] = sources[reason["source"]]  # one shared string per source
        found.append(Match(**entry))
    return found, body["near"]


async def ranked(session: AsyncSession, meili: SearchEngine | None, demand: Demand, kind: Kind) -> Ranked:
    """The demand's `kind` matches, best first (and financing's near misses). Read requests share them
    through the results cache, keyed by the demand's version and the day (lead times and validity
    count days), and dropped as soon as a write moves a generation in DEPENDS_ON."""
    ttl = search_service.cache_ttl(session)
    if not ttl:
        return await _ranked(session, meili, demand, kind)
    engine = "meilisearch" if meili is not None else "postgres"
    parts = [RANKED_FORMAT, kind, str(demand.id), demand.version, today_in_sichuan().isoformat(), engine]
    return await cache.cached_value(
        session,
        kind=f"matches:{kind}",
        depends_on=DEPENDS_ON[kind],
        key=hashlib.sha256(orjson.dumps(parts)).digest(),
        ttl=ttl,
        compute=lambda: _ranked(session, meili, demand, kind),
        encode=_encode_ranked,
        decode=_decode_ranked,
    )


async def _ranked(session: AsyncSession, meili: SearchEngine | None, demand: Demand, kind: Kind) -> Ranked:
    catalog = await indexing.catalog_snapshot(session)
    near: list[dict[str, Any]] = []
    if kind == "product":
        found = await product_matches(session, meili, demand, catalog)
    elif kind == "provider":
        found = await provider_matches(session, demand, catalog)
    elif kind == "financing":
        found, near = await financing_matches(session, demand, catalog)
    else:
        found = await policy_matches(session, demand, catalog)
    return _best_first(found), near


async def matches(
    session: AsyncSession,
    meili: SearchEngine | None,
    demand: Demand,
    kind: Kind,
    *,
    limit: int,
    include_dismissed: bool,
) -> dict[str, Any]:
    found, near = await ranked(session, meili, demand, kind)
    state = await feedback_state(session, demand.id, kind)
    items = []
    for match in found:
        action = state.get(match.target_id)
        if action == "dismiss" and not include_dismissed:
            continue
        items.append({**match.out(), "feedback": action if action in ("shortlist", "dismiss") else None})
        if len(items) == limit:
            break
    return {
        "demand": {"id": str(demand.id), "priority": priority.view(demand)},
        "kind": kind,
        "items": items,
        "near_misses": near[:limit],
        "next_cursor": None,
    }


# -- feedback ------------------------------------------------------------------------------------
async def record_feedback(
    session: AsyncSession,
    meili: SearchEngine | None,
    demand: Demand,
    *,
    kind: Kind,
    target_id: str,
    action: Literal["shortlist", "dismiss", "clear"],
    user_id: uuid.UUID,
) -> dict[str, Any]:
    if not await _could_match(session, kind, target_id):
        raise InvalidInput(
            ["body", "target_id"],
            f"no {kind} that could be matched has this id",
            zh=f"没有可供匹配的{KIND_NAMES_ZH[kind]}使用这个 id",
        )
    match, position = None, None
    if action != "clear":
        # The score, rank and reasons the match has now: what tuning the weights needs.
        found, _ = await ranked(session, meili, demand, kind)
        position = next((i for i, m in enumerate(found) if m.target_id == target_id), None)
        match = found[position] if position is not None else None
    event = MatchFeedback(
        demand_id=demand.id,
        kind=kind,
        target_id=target_id,
        action=action,
        score=match.score if match else None,
        rank=position + 1 if position is not None else None,
        reasons=match.reasons if match else None,
        user_id=user_id,
        created_at=utcnow(),
    )
    session.add(event)
    await session.flush()
    return {
        "id": str(event.id),
        "demand_id": str(demand.id),
        "kind": kind,
        "target_id": target_id,
        "action": action,
        "score": event.score,
        "rank": event.rank,
        "created_at": event.created_at,
    }


async def _could_match(session: AsyncSession, kind: str, target_id: str) -> bool:
    """The target is something matching can offer: a listed product of a vetted supplier, a vetted
    provider, an active financing product of a vetted bank, or a known policy."""
    if kind == "policy":
        return await policies.known(session, target_id)
    try:
        ident = uuid.UUID(target_id)
    except ValueError:
        return False
    return await repository.target_exists(session, kind, ident)


# -- reverse: a product's demands ----------------------------------------------------------------
async def matching_demands(
    session: AsyncSession, meili: SearchEngine | None, product: Product, supplier_name: str, *, limit: int
) -> dict[str, Any]:
    catalog = await indexing.catalog_snapshot(session)
    segmenter = await indexing.segmenter(session)
    doc = documents.product_document(product, supplier_name, catalog)
    path = catalog.category_path(product.category_code)
    filters = [Filter("category_codes", "any", tuple(path))]
    if product.service_region_codes:
        served = {c for code in product.service_region_codes for c in catalog.region_within(code)}
        filters.append(Filter("region_code", "any", tuple(sorted(served))))
    names = [catalog.categories[c].name for c in reversed(path) if c in catalog.categories]
    query = SearchQuery(
        q=" ".join([*names, product.name]),
        filters=filters,
        any_word=True,
        facets=False,
        limit=weights.CANDIDATES,
    )
    hits = (await search_service.search(session, meili, "demands", query)).hits
    ids = [uuid.UUID(h["id"]) for h in hits]
    rows = await repository.published_demands_of_vetted(session, ids)
    # Demands whose owners dismissed this product do not offer it to its supplier again.
    dismissed = await repository.dismissed_by(session, ids, product.id)
    supplier = (await supplier_facts(session, {product.organization_id})).get(
        product.organization_id, SupplierFacts()
    )
    words_of_product = product_words(segmenter, doc)
    today = today_in_sichuan()
    found: list[dict[str, Any]] = []
    for demand, organization_name in rows:
        if demand.id in dismissed:
            continue
        match = scoring.score_product(
            demand,
            doc,
            catalog=catalog,
            words=scoring.demand_words(segmenter, demand, catalog),
            product_words=words_of_product,
            supplier=supplier,
            today=today,
        )
        found.append(
            {
                "kind": "demand",
                "target": {"id": str(demand.id), "name": demand.title},
                "score": match.score,
                "reasons": match.reasons,
                "demand": {
                    "organization": {"id": str(demand.organization_id), "name": organization_name},
                    "region_code": demand.region_code,
                    "task_type": demand.task_type,
                    "budget_min_cny": demand.budget_min_cny,
                    "budget_max_cny": demand.budget_max_cny,
                    "published_at": demand.published_at,
                    "priority": priority.view(demand),
                },
            }
        )
    found.sort(key=lambda m: (-m["score"], m["target"]["id"]))
    return {
        "product": {"id": str(product.id), "name": product.name},
        "items": found[:limit],
        "next_cursor": None,
    }


# -- notifications when a demand is published ----------------------------------------------------
async def notify_on_publish(session: AsyncSession, meili: SearchEngine | None, demand: Demand) -> int:
    """Suppliers whose products, and providers who, match the new demand above the threshold hear of it
    (one notification per organization, naming its best match). Returns how many were sent."""
    catalog = await indexing.catalog_snapshot(session)
    best: dict[str, tuple[float, str, str, str]] = {}  # organization id → (score, kind, target id, name)
    if demand.category_codes and demand.needs_equipment:
        for match in await product_matches(session, meili, demand, catalog):
            supplier_id = match.details["product"]["supplier"]["id"]
            if match.score >= weights.NOTIFY_THRESHOLD and match.score > best.get(supplier_id, (0.0,))[0]:
                best[supplier_id] = (match.score, "product", match.target_id, match.target_name)
    if demand.needs_design or demand.needs_engineering:
        for match in await provider_matches(session, demand, catalog):
            if match.score >= weights.NOTIFY_THRESHOLD and match.score > best.get(match.target_id, (0.0,))[0]:
                best[match.target_id] = (match.score, "provider", match.target_id, match.target_name)
    chosen = sorted(best.items(), key=lambda kv: -kv[1][0])[: weights.NOTIFY_MAX_ORGANIZATIONS]
    by_kind: dict[str, int] = defaultdict(int)
    for organization_id, (score, kind, target_id, name) in chosen:
        by_kind[kind] += 1
        # Names may be 200 characters: keep the product's short so the score stays in the title.
        short = name if len(name) <= 40 else name[:39] + "…"
        subject = f"您的产品「{short}」" if kind == "product" else "贵单位"
        await notifications.notify(
            session,
            uuid.UUID(organization_id),
            "demand_match",
            f"新发布的需求与{subject}匹配（匹配度{score:.0%}）",
            f"「{demand.title}」刚刚发布，{catalog.regions.get(demand.region_code, '')}，"
            f"预算{scoring.wan(demand.budget_min_cny)}–{scoring.wan(demand.budget_max_cny)}。",
            {"demand_id": str(demand.id), "match_kind": kind, "target_id": target_id, "score": score},
        )
    await session.flush()
    log.info("matching.notified", extra={"demand_id": str(demand.id), **by_kind})
    return len(chosen)
