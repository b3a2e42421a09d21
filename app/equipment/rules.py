"""The plan's priority rules on an inventory item: the three a demand is checked by (app/matching/priority.py:
old machine tools, below the energy baseline, old safety-critical equipment), and one more only an
inventory can tell — the item is listed in an elimination catalogue (淘汰目录), which the plan says to
enforce (二、（四）淘汰安全生产落后技术装备目录中的设备设施; 三、（九）严格落实……设备淘汰目录)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.kernel import Basis
from app.matching import priority

PLAN = "四川省以大规模技术改造带动工业领域设备更新行动方案（川经信规划〔2024〕73号）"

# Each catalogue an item may be declared as listed in, with its issuing document. We do not ship the
# catalogues' entries: the enterprise (or its 服务专员) names the entry, and the flag cites the catalogue.
CATALOGUES: dict[str, tuple[str, Basis]] = {
    "industrial_structure_2024": (
        "《产业结构调整指导目录（2024年本）》淘汰类（国家发展改革委令2023年第7号）",
        "regulation",
    ),
    "energy_inefficient_electromechanical": (
        "《高耗能落后机电设备（产品）淘汰目录》（工业和信息化部，第一至四批）",
        "regulation",
    ),
    "hazardous_chemicals_process": (
        "《淘汰落后危险化学品安全生产工艺技术设备目录（第一批）》（应急管理部，应急厅〔2020〕38号）",
        "regulation",
    ),
    "safety_backward_equipment": (
        f"安全生产落后技术装备目录：{PLAN} 二、（四）“推动各行业淘汰安全生产落后技术装备目录中的设备设施”",
        "plan",
    ),
}


@dataclass(frozen=True)
class _Facts:
    category_codes: list[str]
    old_equipment_age_years: int | None
    old_equipment_below_baseline: bool


def flags(item: Any, *, this_year: int) -> list[dict[str, Any]]:
    """Every rule the item meets: {rule, label, detail, basis, source}."""
    facts = _Facts([item.category_code], this_year - item.in_service_year, bool(item.below_energy_baseline))
    found = [
        {
            "rule": f["code"],
            "label": f["label"],
            "detail": f["detail"],
            "basis": f["basis"],
            "source": f["source"],
        }
        for f in priority.flags(facts)
    ]
    if item.elimination_catalogue in CATALOGUES:
        source, basis = CATALOGUES[item.elimination_catalogue]
        entry = f"（{item.elimination_entry}）" if item.elimination_entry else ""
        found.append(
            {
                "rule": "elimination_catalogue",
                "label": "列入淘汰目录",
                "detail": f"该设备列入淘汰目录{entry}，须依法依规淘汰（《行动方案》三、（九））",
                "basis": basis,
                "source": source,
            }
        )
    return found
