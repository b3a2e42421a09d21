from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.kernel import OrganizationRef, PositiveMoney, QuoteStatus
from app.kit.inputs import InputUUID, StrictInput


class QuoteCreate(StrictInput):
    product_id: InputUUID | None = Field(
        default=None, description="One of the quoting supplier's listed products."
    )
    price_cny: PositiveMoney
    delivery_days: int = Field(ge=1, le=3650)
    message: str = Field(default="", max_length=2000)


class QuotedProduct(BaseModel):
    id: uuid.UUID
    name: str
    model: str


class QuoteOut(BaseModel):
    id: uuid.UUID
    demand_id: uuid.UUID
    supplier: OrganizationRef = Field(description="The quoting supplier or provider organization.")
    product: QuotedProduct | None
    price_cny: int
    delivery_days: int
    message: str
    status: QuoteStatus
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime


class QuoteList(BaseModel):
    items: list[QuoteOut]
    next_cursor: str | None
