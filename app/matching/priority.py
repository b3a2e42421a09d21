"""The plan's priority rules: old machine tools, equipment below the energy baseline, old safety-critical
equipment. Pure functions of a demand's own fields (category codes are dotted paths, so "under" is a
prefix test), cheap enough for every view.

Each flag says where its rule comes from (`basis`, `source`): two are the plan's own words; the plan
names no age for old chemical equipment, so that threshold is the team's estimate and says so."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Protocol

from app.kernel import Basis
from app.matching import weights


class _DemandFacts(Protocol):
    @property
    def category_codes(self) -> list[str]: ...
    @property
    def old_equipment_age_years(self) -> int | None: ...
    @property
    def old_equipment_below_baseline(self) -> bool: ...


@dataclass(frozen=True)
class _Facts:
    old_equipment_age_years: int | None
    old_equipment_below_baseline: bool
    category_codes: list[str]


# The strongest basis first: a reason resting on several rules is only as strong as its weakest.
BASIS_ORDER: tuple[Basis, ...] = ("plan", "regulation", "estimate")


def weakest(bases: list[Basis]) -> Basis:
    return max(bases, key=BASIS_ORDER.index) if bases else "estimate"


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
                "basis": weights.MACHINE_TOOL_RULE_BASIS,
                "source": weights.MACHINE_TOOL_RULE_SOURCE,
            }
        )
    if demand.old_equipment_below_baseline:
        found.append(
            {
                "code": "below_energy_baseline",
                "label": "能效基准水平以下",
                "detail": "在用设备能效低于能效基准水平，《行动方案》要求此类产能全部退出",
                "basis": weights.BELOW_BASELINE_RULE_BASIS,
                "source": weights.BELOW_BASELINE_RULE_SOURCE,
            }
        )
    if age is not None and age >= weights.SAFETY_CRITICAL_OLD_AGE_YEARS and safety_critical:
        found.append(
            {
                "code": "old_safety_critical",
                "label": "老旧安全关键装置",
                "detail": f"反应器、储罐等安全关键装置已使用{age}年，属《行动方案》要求尽快淘汰的老旧装置"
                f"（“老旧”按{weights.SAFETY_CRITICAL_OLD_AGE_YEARS}年估算）",
                "basis": weights.SAFETY_CRITICAL_RULE_BASIS,
                "source": weights.SAFETY_CRITICAL_RULE_SOURCE,
            }
        )
    return found


def view(demand: _DemandFacts) -> dict[str, Any]:
    found = flags(demand)
    return {"level": "high" if found else "normal", "flags": found}


def reason(demand: _DemandFacts) -> tuple[bool, str, Basis, str]:
    """The priority factor of a match: (triggered, detail, basis, source). Triggered flags lend it their
    own bases; with none triggered it rests on all three rules, so on the weakest of them."""
    return _reason(
        demand.old_equipment_age_years, demand.old_equipment_below_baseline, tuple(demand.category_codes)
    )


@functools.lru_cache(maxsize=4096)
def _reason(age: int | None, below: bool, codes: tuple[str, ...]) -> tuple[bool, str, Basis, str]:
    """`reason` for the facts it reads: asked once for each of a demand's hundred candidates."""
    found = flags(_Facts(age, below, list(codes)))
    if found:
        return (
            True,
            "优先支持：" + "；".join(f["label"] for f in found),
            weakest([f["basis"] for f in found]),
            "；".join(f["source"] for f in found),
        )
    return False, "未触发《行动方案》优先规则", weakest(list(weights.PRIORITY_RULE_BASES)), RULES_SOURCE


RULES_SOURCE = (
    "优先规则三条：服役超过10年的机床（川经信规划〔2024〕73号 二、（四））；能效基准水平以下"
    "（同上 一、总体要求）；老旧化工安全关键装置按使用10年计（团队估算，方案未规定年限）"
)
