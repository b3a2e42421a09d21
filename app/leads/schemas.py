"""Request and response shapes for subscriptions, leads and saved searches."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from app.financing.schemas import _unique
from app.i18n import invalid
from app.kernel import CategoryCode, IndustryCode, PositiveMoney, RegionCode, TaskType
from app.kit.inputs import StrictInput
from app.matching.schemas import Priority

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)]


class SubscriptionCreate(StrictInput):
    name: Name
    region_codes: list[RegionCode] = Field(
        default_factory=list, max_length=21, description="Empty: all 市州."
    )
    industry_codes: list[IndustryCode] = Field(
        default_factory=list,
        max_length=50,
        description="Empty: every industry; a code covers those under it.",
    )
    task_types: list[TaskType] = Field(default_factory=list, max_length=5, description="Empty: every task.")
    amount_min_cny: PositiveMoney | None = None
    amount_max_cny: PositiveMoney | None = None
    webhook_url: WebhookUrl | None = Field(
        default=None, description="https (or http to a host in WEBHOOK_ALLOW_HOSTS), public address."
    )

    _unique_lists = field_validator("region_codes", "industry_codes", "task_types")(_unique)

    @model_validator(mode="after")
    def _range(self) -> SubscriptionCreate:
        if (
            self.amount_min_cny is not None
            and self.amount_max_cny is not None
            and self.amount_min_cny > self.amount_max_cny
        ):
            raise invalid(
                "amount_max_cny must be at least amount_min_cny", "amount_max_cny 不能小于 amount_min_cny"
            )
        return self


class SubscriptionUpdate(StrictInput):
    name: Name | None = None
    webhook_url: WebhookUrl | None = Field(
        default=None, description="Setting it (again) re-enables a disabled endpoint."
    )


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    name: str
    region_codes: list[str]
    industry_codes: list[str]
    task_types: list[str]
    amount_min_cny: int | None
    amount_max_cny: int | None
    webhook_url: str | None
    webhook_status: Literal["none", "active", "disabled"]
    webhook_disabled_at: datetime | None
    webhook_disabled_reason: str | None
    created_at: datetime
    webhook_secret: str | None = Field(default=None, description="Shown once: at creation and rotation.")


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]
    next_cursor: str | None


class SecretOut(BaseModel):
    webhook_secret: str


class AttemptOut(BaseModel):
    attempt: int
    started_at: datetime
    duration_ms: int | None
    status_code: int | None
    error: str | None


class DeliveryOut(BaseModel):
    id: str = Field(description="The webhook-id, the same on every attempt.")
    event_type: str
    lead_id: uuid.UUID | None
    status: Literal["pending", "succeeded", "dead", "cancelled"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    attempt_log: list[AttemptOut]


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class LeadStatusUpdate(StrictInput):
    status: Literal["viewed", "contacted", "approved", "declined"]


class LeadFinancingNeed(BaseModel):
    amount_cny: int | None
    term_months: int | None


class LeadEnterprise(BaseModel):
    id: uuid.UUID
    name: str
    region_code: str | None
    industry_code: str | None


class LeadDemand(BaseModel):
    """The shared demand as a bank sees it (what the webhook sends too)."""

    id: uuid.UUID
    title: str
    description: str
    task_type: TaskType
    industry_code: str
    region_code: str
    category_codes: list[str]
    budget_min_cny: int
    budget_max_cny: int
    expected_start: date | None
    financing: LeadFinancingNeed
    priority: Priority
    enterprise: LeadEnterprise


class FittingFinancingProduct(BaseModel):
    id: uuid.UUID
    name: str
    financing_type: str


class LeadContact(BaseModel):
    name: str | None
    phone: str | None
    email: str | None


class LeadOut(BaseModel):
    id: uuid.UUID
    status: Literal["new", "viewed", "contacted", "approved", "declined"]
    subscription_id: uuid.UUID
    demand: LeadDemand
    fitting_financing_products: list[FittingFinancingProduct] = Field(
        description="The bank's own active financing products this demand is eligible for."
    )
    contact: LeadContact | None = Field(
        description="The enterprise's contact, once it accepted the bank's interest; null before."
    )
    contact_released: bool
    viewed_at: datetime | None
    contacted_at: datetime | None
    approved_at: datetime | None
    declined_at: datetime | None
    interest_accepted_at: datetime | None
    created_at: datetime
    updated_at: datetime


class LeadList(BaseModel):
    items: list[LeadOut]
    next_cursor: str | None


class LeadBank(BaseModel):
    id: uuid.UUID
    name: str


class DemandLeadOut(BaseModel):
    id: uuid.UUID
    bank: LeadBank
    status: Literal["new", "viewed", "contacted", "approved", "declined"]
    interest_accepted_at: datetime | None
    created_at: datetime


class DemandLeadList(BaseModel):
    items: list[DemandLeadOut]
    next_cursor: None = None


class SavedSearchFilters(StrictInput):
    task_type: TaskType | None = None
    industry_code: IndustryCode | None = None
    region_code: RegionCode | None = None
    category_code: CategoryCode | None = None
    budget_min_cny: PositiveMoney | None = Field(
        default=None, description="Demands whose budget reaches this."
    )


class SavedSearchCreate(StrictInput):
    name: Name
    list: Literal["demands"] = "demands"
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    filters: SavedSearchFilters = Field(default_factory=SavedSearchFilters)


class SavedSearchOut(BaseModel):
    id: uuid.UUID
    name: str
    list: Literal["demands"]
    q: str
    filters: SavedSearchFilters
    created_at: datetime


class SavedSearchList(BaseModel):
    items: list[SavedSearchOut]
    next_cursor: str | None
