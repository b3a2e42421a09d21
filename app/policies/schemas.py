from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.kernel import ApplicationStatus, Basis, IndustryCode, Money, RegionCode, SupportForm, TaskType
from app.kit.inputs import InputDate, InputUUID, StrictInput
from app.matching.policies import PolicyBenefit, PolicyConditions, PolicySource

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class PolicyIn(StrictInput):
    title: Title
    summary: str = Field(default="", max_length=5000)
    region_code: RegionCode = Field(description="The province (510000) or a 市州: where it applies.")
    industry_codes: list[IndustryCode] = Field(default_factory=list, max_length=50, description="Empty: all.")
    task_types: list[TaskType] = Field(default_factory=list, max_length=5, description="Empty: all five.")
    support_form: SupportForm
    rate_pct: float | None = Field(
        default=None, ge=0, le=100, description="奖补: share of the investment; 贴息: percentage points."
    )
    cap_cny: Money | None = None
    valid_from: InputDate
    valid_to: InputDate | None = Field(default=None, description="Null: until withdrawn.")
    source_document: Source = Field(description="The document that grants it, with its 文号.")
    source_article: str = Field(default="", max_length=500, description="The article (条款) it rests on.")
    issued_by: str = Field(default="", max_length=200)
    issued_on: InputDate | None = None
    source_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")
    basis: Basis = Field(default="regulation", description="Where the policy itself comes from.")


class PolicyUpdate(StrictInput):
    """Only the fields sent change; the region and support form stay."""

    title: Title | None = None
    summary: str | None = Field(default=None, max_length=5000)
    industry_codes: list[IndustryCode] | None = Field(default=None, max_length=50)
    task_types: list[TaskType] | None = Field(default=None, max_length=5)
    rate_pct: float | None = Field(default=None, ge=0, le=100)
    cap_cny: Money | None = None
    valid_from: InputDate | None = None
    valid_to: InputDate | None = None
    source_document: Source | None = None
    source_article: str | None = Field(default=None, max_length=500)


class PolicyOut(BaseModel):
    """A policy as operators manage it, and as matching reads it (`conditions`, `benefit`)."""

    id: uuid.UUID
    code: str = Field(description="The seeded programme's key, or the id of an operator's policy.")
    title: str
    name: str = Field(description="The same as `title` (the name matching shows).")
    summary: str
    region_code: str
    industry_codes: list[str]
    task_types: list[TaskType]
    support_form: SupportForm
    rate_pct: float | None
    cap_cny: int | None
    valid_from: date
    valid_to: date | None
    in_force: bool = Field(description="Whether today (Sichuan's date) falls in its validity.")
    source_document: str
    source_article: str
    basis: Basis
    source: PolicySource
    conditions: PolicyConditions
    benefit: PolicyBenefit
    version: int
    created_at: datetime
    updated_at: datetime


class PolicyList(BaseModel):
    items: list[PolicyOut]
    next_cursor: str | None


class ApplicationIn(StrictInput):
    policy_id: InputUUID
    demand_id: InputUUID = Field(description="A contracted demand of the caller's enterprise: the project.")


class AdvanceIn(StrictInput):
    to: ApplicationStatus = Field(description="The next stage, or rejected.")
    note: str = Field(default="", max_length=2000)
    granted_cny: Money | None = Field(default=None, description="With `to: granted`: the amount granted.")


class NamedRef(BaseModel):
    id: uuid.UUID
    name: str


class ApplicationStepOut(BaseModel):
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    note: str
    actor: NamedRef | None
    at: datetime


class ApplicationOut(BaseModel):
    id: uuid.UUID
    policy: NamedRef
    demand: NamedRef
    organization: NamedRef
    region_code: str
    status: ApplicationStatus
    granted_cny: int | None
    next: list[ApplicationStatus] = Field(description="The stages it may move to next.")
    steps: list[ApplicationStepOut]
    created_at: datetime
    updated_at: datetime


class ApplicationList(BaseModel):
    items: list[ApplicationOut]
    next_cursor: str | None
