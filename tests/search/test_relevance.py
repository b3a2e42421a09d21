"""Recall@10 and MRR of the PostgreSQL engine on the labelled relevance set (tests/search/relevance_set.py).

The figures are printed and written to test-output/relevance.json; the README quotes them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import PROJECT_ROOT
from app.indexing import documents
from app.indexing import service as indexing
from app.models import Product
from search.engine import SearchQuery
from search.specs import PRODUCTS
from seed.catalog import DATA_DIR
from tests.search.relevance_set import CORPUS_CATEGORIES, MODELS, QUERIES

MIN_RECALL_AT_10 = 0.9
MIN_MRR = 0.8


def _vocabulary() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(DATA_DIR) / "demo_vocabulary.json").read_text())["products"]
    return data


async def test_recall_and_mrr_on_the_relevance_set(db: AsyncSession) -> None:
    vocab = _vocabulary()
    catalog = await indexing.catalog_snapshot(db)
    engine = await indexing.postgres_engine(db)
    by_model: dict[str, str] = {}
    category_of: dict[str, str] = {}
    docs = []
    fixed = dict((c, m) for c, m in MODELS)
    for n, code in enumerate(CORPUS_CATEGORIES):
        names = vocab[code]["names"]
        for k in range(2):
            model = (
                fixed[code]
                if k == 0 and code in fixed
                else f"{vocab[code]['model_prefixes'][0]}-{100 + n * 2 + k}"
            )
            product = Product(
                id=uuid.uuid4(),
                organization_id=uuid.uuid4(),
                name=names[k % len(names)],
                model=model,
                category_code=code,
                industry_codes=[],
                description="",
                price_min_cny=1,
                price_max_cny=2,
                made_in_sichuan_verified=True,
                service_region_codes=[],
                certifications=[],
                version=1,
                listed_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
            docs.append(documents.product_document(product, "某装备公司", catalog))
            by_model[model] = str(product.id)
            category_of[str(product.id)] = code
    await engine.upsert(PRODUCTS, docs)

    per_kind: dict[str, list[tuple[float, float]]] = {}
    misses = []
    for query, kind, relevant in QUERIES:
        hits = [h["id"] for h in (await engine.search(PRODUCTS, SearchQuery(q=query, limit=10))).hits]
        wanted = (
            {by_model[relevant.removeprefix("model:")]}
            if isinstance(relevant, str)
            else {pid for pid, code in category_of.items() if code in relevant}
        )
        found = [i for i, pid in enumerate(hits) if pid in wanted]
        recall = len(set(hits) & wanted) / len(wanted)
        rr = 1 / (found[0] + 1) if found else 0.0
        per_kind.setdefault(kind, []).append((recall, rr))
        if recall < 1 or rr < 1:
            misses.append({"query": query, "recall@10": round(recall, 2), "rr": round(rr, 2)})
    everything = [pair for pairs in per_kind.values() for pair in pairs]
    recall_at_10 = sum(r for r, _ in everything) / len(everything)
    mrr = sum(rr for _, rr in everything) / len(everything)
    report = {
        "queries": len(everything),
        "recall@10": round(recall_at_10, 3),
        "mrr": round(mrr, 3),
        "by_kind": {
            k: {
                "queries": len(v),
                "recall@10": round(sum(r for r, _ in v) / len(v), 3),
                "mrr": round(sum(rr for _, rr in v) / len(v), 3),
            }
            for k, v in per_kind.items()
        },
        "misses": misses,
    }
    out = PROJECT_ROOT / "test-output"
    out.mkdir(exist_ok=True)
    (out / "relevance.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    assert len(everything) >= 50
    assert recall_at_10 >= MIN_RECALL_AT_10, report
    assert mrr >= MIN_MRR, report
