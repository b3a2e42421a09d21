"""The plan's priority rules: old machine tools, equipment below the energy baseline, old safety-critical
equipment. Pure functions of a demand's own fields (category codes are dotted paths, so "under" is a
prefix test), cheap enough for every view."""

from __future__ import annotations

from typing import Any, Protocol

from app.matching import weights


class _DemandFacts(Protocol):
    category_codes: list[str]
    old_equipment_age_years: int | None
    old_equipment_below_baseline: bool


def under(code: str, prefixes: tuple[str, ...] | list[str]) -> bool:
    return any(code == p or code.startswith(p + ".") for p in prefixes)


def flags(demand: _DemandFacts) -> list[dict[str, Any]]:
    age = demand.old_equipment_age_years
    found: list[dict[str, Any]] = []
    machine_tool = any(under(c, weights.MACHINE_TOOL_CATEGORIES) for c in demand.category_codes)
    safety_critical = any(under(c, weights.SAFETY_CRITICAL_CATEGORIES) for c in demand.category_codes)
    if age is not None and age > weights.MACHINE_TOOL_MAX_AGE_YEARS and machine_tool:
        found.append(
            {
                "code": "old_machine_tool",
                "label": "服役超过10年的机床",
                "detail": f"在用机床已服役{age}年，属《行动方案》要求淘汰的服役超过10年的机床",
            }
        )
    if demand.old_equipment_below_baseline:
        found.append(
            {
                "code": "below_energy_baseline",
                "label": "能效基准水平以下",
                "detail": "在用设备能效低于能效基准水平，《行动方案》要求此类产能全部退出",
            }
        )
    if age is not None and age >= weights.SAFETY_CRITICAL_OLD_AGE_YEARS and safety_critical:
        found.append(
            {
                "code": "old_safety_critical",
                "label": "老旧安全关键装置",
                "detail": f"反应器、储罐等安全关键装置已使用{age}年，属《行动方案》要求尽快淘汰的老旧装置",
            }
        )
    return found


def view(demand: _DemandFacts) -> dict[str, Any]:
    found = flags(demand)
    return {"level": "high" if found else "normal", "flags": found}
