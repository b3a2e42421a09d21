"""Shapes of matching responses (documented in OpenAPI; the bodies are built as plain dicts)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.catalog.schemas import BASIS_DESCRIPTION, SOURCE_DESCRIPTION
from app.kernel import Basis
from app.kit.inputs import StrictInput
from app.matching.policies import PolicySource
from app.matching.weights import TEAM_ESTIMATE_SOURCE

UNCITED = "未注明来源，按估算对待"


class Reason(BaseModel):
    factor: str = Field(description="What was weighed: category, text, industry, region, price, energy …")
    weight: float = Field(
        description="Its weight (a kind's weights add up to 1). Weights are always the team's estimates, "
        "whatever the basis of the rule."
    )
    value: float = Field(ge=0, le=1, description="How well this match does on it, 0..1.")
    detail: str = Field(description="Why, in Chinese.")
    basis: Basis = Field(
        default="estimate",
        description="Where the rule behind `value` comes from (e.g. `plan` for 能效二级以上 when the old "
        "equipment is below the baseline; `estimate` for the team's scoring rules). " + BASIS_DESCRIPTION,
    )
    source: str = Field(default=TEAM_ESTIMATE_SOURCE, description=SOURCE_DESCRIPTION)


class MatchTarget(BaseModel):
    id: str
    name: str


class PolicyEstimate(BaseModel):
    """A policy match's benefit: always an estimate of the amount; `basis` says whether the rate it uses
    is fixed by the source (`plan`, `regulation`) or assumed (`estimate`)."""

    is_estimate: bool = Field(description="Always true: the amount is estimated from the demand's figures.")
    label: str
    benefit_cny: int | None
    days_saved: int | None
    rule: str = Field(description="How the amount was worked out, in Chinese.")
    assumption: str
    basis: Basis = Field(default="estimate", description=BASIS_DESCRIPTION)
    source: str = Field(default=UNCITED, description=SOURCE_DESCRIPTION)


class MatchOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: Literal["product", "provider", "financing", "policy"]
    target: MatchTarget
    score: float = Field(ge=0, le=1, description="Σ weight × value.")
    reasons: list[Reason]
    feedback: Literal["shortlist", "dismiss"] | None = None
    basis: Basis | None = Field(
        default=None, description="Policy matches: where the programme comes from. " + BASIS_DESCRIPTION
    )
    estimate: PolicyEstimate | None = Field(default=None, description="Policy matches: the benefit.")
    source: PolicySource | None = Field(default=None, description="Policy matches: the source document.")


class NearMiss(BaseModel):
    kind: Literal["financing"]
    target: MatchTarget
    bank: MatchTarget
    failed: dict[str, str] = Field(description="{condition, detail}: the one condition that failed.")


class PriorityFlag(BaseModel):
    code: Literal["old_machine_tool", "below_energy_baseline", "old_safety_critical"]
    label: str
    detail: str
    basis: Basis = Field(
        default="estimate",
        description="Where the rule and its threshold come from: `old_machine_tool` and "
        "`below_energy_baseline` are the plan's; the plan names no age for `old_safety_critical`, so its "
        "ten years is an `estimate`. " + BASIS_DESCRIPTION,
    )
    source: str = Field(default=UNCITED, description=SOURCE_DESCRIPTION)


class Priority(BaseModel):
    level: Literal["high", "normal"]
    flags: list[PriorityFlag]


class DemandRef(BaseModel):
    id: str
    priority: Priority


class MatchList(BaseModel):
    demand: DemandRef
    kind: Literal["product", "provider", "financing", "policy"]
    items: list[MatchOut]
    near_misses: list[NearMiss] = Field(
        description="Financing only: products that failed exactly one condition."
    )
    next_cursor: None = None


class MatchingDemandOrganization(BaseModel):
    id: str
    name: str


class MatchingDemandSummary(BaseModel):
    """What a supplier sees of a published demand that fits its product."""

    organization: MatchingDemandOrganization
    region_code: str
    task_type: str
    budget_min_cny: int
    budget_max_cny: int
    published_at: datetime | None
    priority: Priority


class DemandMatchOut(BaseModel):
    kind: Literal["demand"]
    target: MatchTarget
    score: float
    reasons: list[Reason]
    demand: MatchingDemandSummary


class MatchedProduct(BaseModel):
    id: str
    name: str


class DemandMatchList(BaseModel):
    product: MatchedProduct
    items: list[DemandMatchOut]
    next_cursor: None = None


class FeedbackIn(StrictInput):
    kind: Literal["product", "provider", "financing", "policy"]
    target_id: str = Field(min_length=1, max_length=80, description="The match's target.id.")
    action: Literal["shortlist", "dismiss", "clear"]


class FeedbackOut(BaseModel):
    id: str
    demand_id: str
    kind: Literal["product", "provider", "financing", "policy"]
    target_id: str
    action: Literal["shortlist", "dismiss", "clear"]
    score: float | None = Field(description="The match's score when the owner acted (null: not ranked now).")
    rank: int | None
    created_at: datetime
