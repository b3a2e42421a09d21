from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.kernel import IndustryCode, OrganizationKind, RegionCode
from app.kit.inputs import InputUUID, StrictInput

FieldName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class ExpertIn(StrictInput):
    user_id: InputUUID = Field(description="A user of a vetted government office or provider.")
    fields: list[FieldName] = Field(min_length=1, max_length=20, description="数控机床, 节能, 安全生产 …")
    industry_codes: list[IndustryCode] = Field(default_factory=list, max_length=20)
    region_code: RegionCode = Field(description="Where the expert serves (the province: 510000).")


class ExpertUser(BaseModel):
    id: uuid.UUID
    name: str


class ExpertOrganization(BaseModel):
    id: uuid.UUID
    name: str
    kind: OrganizationKind


class ExpertOut(BaseModel):
    id: uuid.UUID
    user: ExpertUser
    organization: ExpertOrganization
    fields: list[str]
    industry_codes: list[str]
    region_code: str
    active: bool
    created_at: datetime


class ExpertList(BaseModel):
    items: list[ExpertOut]
    next_cursor: str | None
