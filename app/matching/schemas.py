"""Shapes of matching responses (documented in OpenAPI; the bodies are built as plain dicts)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.kit.inputs import StrictInput
from app.matching.policies import Policy


class Reason(BaseModel):
    factor: str = Field(description="What was weighed: category, text, industry, region, price, energy …")
    weight: float = Field(description="Its weight (a kind's weights add up to 1).")
    value: float = Field(ge=0, le=1, description="How well this match does on it, 0..1.")
    detail: str = Field(description="Why, in Chinese.")


class MatchTarget(BaseModel):
    id: str
    name: str


class MatchOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: Literal["product", "provider", "financing", "policy"]
    target: MatchTarget
    score: float = Field(ge=0, le=1, description="Σ weight × value.")
    reasons: list[Reason]
    feedback: Literal["shortlist", "dismiss"] | None = None


class NearMiss(BaseModel):
    kind: Literal["financing"]
    target: MatchTarget
    bank: MatchTarget
    failed: dict[str, str] = Field(description="{condition, detail}: the one condition that failed.")


class PriorityFlag(BaseModel):
    code: Literal["old_machine_tool", "below_energy_baseline", "old_safety_critical"]
    label: str
    detail: str


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


class PolicyList(BaseModel):
    items: list[Policy] = Field(description="Every policy programme matching can suggest.")
