"""The plan's 2027 targets, as data from `seed/data/plan_targets.json`, validated once when first used."""

from __future__ import annotations

import functools
import json
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from app.db import PROJECT_ROOT
from app.kernel import Basis

TARGETS_FILE = PROJECT_ROOT / "seed" / "data" / "plan_targets.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PlanPeriod(_Strict):
    from_: date
    to: date


class PlanTarget(_Strict):
    code: str
    name: str
    basis: Basis  # every target is the plan's own; the field keeps a future estimate from passing as one
    source: str
    target: float
    unit: Literal["CNY", "ratio"]
    comparison: Literal[">", "="]
    baseline: str | None
    measure: Literal["contracted_cny", "below_baseline_share_contracted"] | None
    measure_note: str


class PlanTargets(_Strict):
    source: str
    plan_period: PlanPeriod
    items: tuple[PlanTarget, ...]


@functools.cache
def plan_targets() -> PlanTargets:
    raw = json.loads(TARGETS_FILE.read_text(encoding="utf-8"))
    raw["plan_period"] = {"from_": raw["plan_period"]["from"], "to": raw["plan_period"]["to"]}
    return PlanTargets.model_validate(raw)
