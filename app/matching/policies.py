"""Policy support (subsidies, tax credits, interest subsidies, relending, 备案承诺制) as data from
`seed/data/policies.json`, validated once when first used.

Each programme says whether it rests on the plan or on a regulation (`basis`), and so does each figure
its benefit estimate uses: a rate the source document fixes is `plan` or `regulation`, one we assumed
is `estimate` (seed/SOURCES.md)."""

from __future__ import annotations

import functools
import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.catalog.schemas import BASIS_DESCRIPTION, SOURCE_DESCRIPTION
from app.db import PROJECT_ROOT
from app.kernel import Basis

POLICIES_FILE = PROJECT_ROOT / "seed" / "data" / "policies.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicySource(_Strict):
    document: str
    section: str
    issued_by: str
    issued_on: date
    url: str | None


class PolicyConditions(_Strict):
    task_types: tuple[str, ...] = ()
    category_prefixes: tuple[str, ...] = ()
    min_investment_cny: int | None = None
    max_investment_cny: int | None = None
    needs_financing: bool = False
    relending_product: bool = False
    no_new_land_or_capacity: bool = False
    investment_assumption: str | None = Field(
        default=None,
        description="Why the investment thresholds are what they are, when the source sets none "
        "(an estimate).",
    )


class PolicyBenefit(_Strict):
    rule: Literal["share_of_investment", "interest_subsidy", "rate_saving", "procedure"]
    rate: float | None = None
    cap_cny: int | None = None
    points_pct: float | None = None
    max_months: int | None = None
    days_saved: int | None = None
    assumption: str
    basis: Basis = Field(
        description="Where the estimate's figures (rate, cap, points, months, days) come from. "
        + BASIS_DESCRIPTION
    )
    source: str = Field(
        description="The article fixing those figures, or what the assumption is based on. "
        + SOURCE_DESCRIPTION
    )


class Policy(_Strict):
    code: str
    name: str
    summary: str
    basis: Basis = Field(description="Where the programme itself comes from. " + BASIS_DESCRIPTION)
    source: PolicySource
    valid_from: date
    valid_to: date | None
    conditions: PolicyConditions
    benefit: PolicyBenefit

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@functools.cache
def all_policies() -> tuple[Policy, ...]:
    items = json.loads(POLICIES_FILE.read_text(encoding="utf-8"))["items"]
    return tuple(Policy.model_validate(item) for item in items)


def by_code() -> dict[str, Policy]:
    return {p.code: p for p in all_policies()}
