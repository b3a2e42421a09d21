"""Read the catalog's data files (each value traceable to the plan or a standard) into table rows."""

from __future__ import annotations

import json
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
        "regions": regions,
        "task_types": task_types,
        "financing_types": financing_types,
        "industries": industries,
        "equipment_categories": categories,
    }
