"""Read the catalog's data files (each value traceable to the plan or a standard) into table rows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def _items(name: str) -> list[dict[str, Any]]:
    document = json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))
    items: list[dict[str, Any]] = document["items"]
    return items


def _depth_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Parents before children, so every parent_code already exists when its child is written.
    return sorted(
        rows, key=lambda r: (0 if r["parent_code"] is None else r["code"].count(".") + 1, r["code"])
    )


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _policy_row(item: dict[str, Any]) -> dict[str, Any]:
    """A programme of `policies.json` as a `policies` row: the fields operators see and edit, and the
    conditions and benefit rule matching reads."""
    benefit, conditions, source = item["benefit"], item["conditions"], item["source"]
    rate = benefit.get("rate")
    return {
        "code": item["code"],
        "title": item["name"],
        "summary": item["summary"],
        "region_code": item["region_code"],
        "industry_codes": [],
        "task_types": list(conditions.get("task_types", [])),
        "support_form": item["support_form"],
        "rate_pct": round(rate * 100, 4) if rate is not None else benefit.get("points_pct"),
        "cap_cny": benefit.get("cap_cny"),
        "valid_from": _day(item["valid_from"]),
        "valid_to": _day(item["valid_to"]),
        "source_document": source["document"],
        "source_article": source["section"],
        "issued_by": source["issued_by"],
        "issued_on": _day(source.get("issued_on")),
        "source_url": source.get("url"),
        "basis": item["basis"],
        "conditions": conditions,
        "benefit": benefit,
    }


def catalog_rows() -> dict[str, list[dict[str, Any]]]:
    regions = [
        {"code": r["code"], "name": r["name"], "level": r["level"], "parent_code": r["parent_code"]}
        for r in _items("regions")
    ]
    task_types = [
        {"code": t["code"], "name": t["name"], "description": t.get("description", ""), "position": i}
        for i, t in enumerate(_items("task_types"))
    ]
    financing_types = [
        {"code": f["code"], "name": f["name"], "description": f.get("description", ""), "position": i}
        for i, f in enumerate(_items("financing_types"))
    ]
    industries = sorted(
        (
            {
                "code": i["code"],
                "name": i["name"],
                "parent_code": i.get("parent_code"),
                "sector": i.get("sector"),
                "plan_terms": i.get("plan_terms", []),
            }
            for i in _items("industries")
        ),
        key=lambda r: (len(r["code"]), r["code"]),
    )
    categories = _depth_first(
        [
            {
                "code": c["code"],
                "name": c["name"],
                "parent_code": c.get("parent_code"),
                "task_types": c.get("task_types", []),
                "aliases": c.get("aliases", []),
                "industry_codes": c.get("industry_codes", []),
            }
            for c in _items("equipment_categories")
        ]
    )
    return {
        "policies": [_policy_row(p) for p in _items("policies")],
        "regions": regions,
        "task_types": task_types,
        "financing_types": financing_types,
        "industries": industries,
        "equipment_categories": categories,
    }
