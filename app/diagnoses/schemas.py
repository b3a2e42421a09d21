from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from app.i18n import invalid
from app.kernel import (
    CategoryCode,
    DiagnosisStatus,
    Money,
    PlanItemStatus,
    ReviewStatus,
    ReviewVerdict,
    TaskType,
)
from app.kit.inputs import InputDatetime, InputUUID, StrictInput

Finding = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class DiagnosisIn(StrictInput):
    organization_id: InputUUID = Field(description="An enterprise of the operator's region.")
    planned_at: InputDatetime = Field(description="When the visit is planned.")
    summary: str = Field(default="", max_length=5000)


class DiagnosisUpdate(StrictInput):
    """Only the fields sent change; `status: closed` ends the diagnosis (from any stage)."""

    planned_at: InputDatetime | None = None
    summary: str | None = Field(default=None, max_length=5000)
    status: DiagnosisStatus | None = Field(default=None, description="Only `closed` may be set here.")


class FindingIn(StrictInput):
    task_type: TaskType
    text: Finding


class VisitIn(StrictInput):
    visited_at: InputDatetime
    findings: list[FindingIn] = Field(min_length=1, max_length=50)


class PlanItemIn(StrictInput):
    category_code: CategoryCode
    quantity: int = Field(default=1, ge=1, le=100_000)
    budget_min_cny: Money
    budget_max_cny: Money
    task_type: TaskType
    expected_benefit: str = Field(
        default="", max_length=2000, description="The expected energy or efficiency gain, in words."
    )
    energy_saving_pct: float | None = Field(default=None, ge=0, le=100, description="Expected energy saved.")
    efficiency_gain_pct: float | None = Field(
        default=None, ge=0, le=1000, description="Expected output gain."
    )

    @model_validator(mode="after")
    def _budget(self) -> PlanItemIn:
        if self.budget_max_cny < self.budget_min_cny:
            raise invalid(
                "budget_max_cny must be at least budget_min_cny", "预算上限（budget_max_cny）不能低于预算下限"
            )
        return self


class DeclineIn(StrictInput):
    reason: str = Field(min_length=1, max_length=2000)


class UserRef(BaseModel):
    id: uuid.UUID
    name: str


class Stamp(BaseModel):
    at: datetime
    by: UserRef | None


class VisitOut(BaseModel):
    id: uuid.UUID
    visited_at: datetime
    findings: list[FindingIn]
    recorded_by: UserRef | None
    created_at: datetime


class PlanItemOut(BaseModel):
    id: uuid.UUID
    diagnosis_id: uuid.UUID
    category_code: str
    category_name: str
    quantity: int
    budget_min_cny: int
    budget_max_cny: int
    task_type: TaskType
    expected_benefit: str
    energy_saving_pct: float | None
    efficiency_gain_pct: float | None
    status: PlanItemStatus
    decided: Stamp | None
    decline_reason: str | None
    demand_id: uuid.UUID | None = Field(description="The draft demand accepting the item made.")
    created_at: datetime


class EnterpriseRef(BaseModel):
    id: uuid.UUID
    name: str


class DiagnosisOut(BaseModel):
    id: uuid.UUID
    organization: EnterpriseRef
    region_code: str
    status: DiagnosisStatus
    planned_at: datetime
    summary: str
    opened: Stamp
    visited_at: datetime | None
    plan_drafted_at: datetime | None
    delivered: Stamp | None
    closed: Stamp | None
    plan_budget_max_cny: int = Field(description="Σ budget_max_cny of the plan's items.")
    review_required: bool = Field(
        description="Whether the plan's budget reaches the region's expert-review threshold: delivering "
        "it then needs an expert's approval given after its last item was added."
    )
    expert_reviews: list[ExpertReviewOut] = Field(description="Operators of the region only.")
    visits: list[VisitOut]
    plan_items: list[PlanItemOut]
    created_at: datetime
    updated_at: datetime


class DiagnosisSummary(BaseModel):
    id: uuid.UUID
    organization: EnterpriseRef
    region_code: str
    status: DiagnosisStatus
    planned_at: datetime
    plan_items: int
    created_at: datetime


class DiagnosisList(BaseModel):
    items: list[DiagnosisSummary]
    next_cursor: str | None


class ExpertReviewIn(StrictInput):
    expert_id: InputUUID = Field(description="From GET /experts.")


class OpinionIn(StrictInput):
    verdict: ReviewVerdict
    comments: str = Field(min_length=1, max_length=5000)


class ReviewExpert(BaseModel):
    id: uuid.UUID
    user: UserRef
    organization: EnterpriseRef


class ExpertReviewOut(BaseModel):
    id: uuid.UUID
    diagnosis_id: uuid.UUID
    expert: ReviewExpert
    status: ReviewStatus
    requested: Stamp
    verdict: ReviewVerdict | None
    comments: str | None
    answered_at: datetime | None


class ExpertReviewList(BaseModel):
    items: list[ExpertReviewOut]
    next_cursor: str | None


DiagnosisOut.model_rebuild()
