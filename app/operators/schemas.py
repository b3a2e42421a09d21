from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from app.kernel import Money, OrganizationKind, RegionCode, RegionLevel
from app.kit.inputs import StrictInput

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class GovOrganizationIn(StrictInput):
    """A government office whose members are 服务专员 (e.g. 德阳市经济和信息化局)."""

    name: Name
    kind: OrganizationKind = Field(description='Always `"gov"`: the only kind admins create here.')
    region_code: RegionCode = Field(description="Its region: the province (510000), a 市州 or a 区县.")
    owner_email: EmailStr | None = Field(
        default=None,
        max_length=254,
        description="Sent an invitation as the office's first owner, who then invites its staff.",
    )


class OperatorAssignmentIn(StrictInput):
    operator_level: RegionLevel | None = Field(
        description="province | city | county; null (with `region_code` null) takes the role away."
    )
    region_code: RegionCode | None = Field(
        description="The region the operator serves, of that level and inside the office's region."
    )


class PilotYearIn(StrictInput):
    pilot_year: int | None = Field(
        ge=2024,
        le=2035,
        description="The year the 区县 was selected as a 技术改造试点县（市、区）; null withdraws it.",
    )


class ServiceSettingIn(StrictInput):
    """Only the fields sent change; null clears one (the region then takes its parent's)."""

    expert_review_threshold_cny: Money | None = Field(
        default=None,
        description="A 一对一技改方案 whose items' budgets (maximum) add up to this or more needs an "
        "expert's approval before it is delivered.",
    )
    coverage_target_pct: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="The share of 规上 enterprises to have diagnosed (全覆盖: 100).",
    )


class EffectiveSetting(BaseModel):
    value: float | None
    from_region_code: str | None = Field(description="The region whose setting applies (this one or above).")


class ServiceSettingOut(BaseModel):
    region_code: str
    expert_review_threshold_cny: int | None = Field(description="Set for this region itself.")
    coverage_target_pct: float | None = Field(description="Set for this region itself.")
    effective_threshold: EffectiveSetting
    effective_target: EffectiveSetting
