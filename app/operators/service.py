"""Government offices (`gov` organizations), their operators (服务专员 with a level and a region), and
the 试点县 province operators select."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import scope
from app.auth.principal import Principal, Viewer
from app.config import Settings
from app.errors import Conflict, InvalidInput, NotFound
from app.kernel import RegionLevel
from app.models.account import User
from app.models.base import utcnow
from app.models.catalog import Region
from app.models.expert import ServiceSetting
from app.models.organization import Organization
from app.operators.schemas import (
    EffectiveSetting,
    GovOrganizationIn,
    OperatorAssignmentIn,
    PilotYearIn,
    ServiceSettingIn,
    ServiceSettingOut,
)
from app.teams import service as teams

LEVEL_ZH = {"province": "省级", "city": "市（州）级", "county": "县（市、区）级"}


async def _region(session: AsyncSession, code: str, loc: list[str | int]) -> Region:
    region = await session.get(Region, code)
    if region is None:
        raise InvalidInput(
            loc,
            f"unknown region code {code!r}; see /api/v1/catalog/regions",
            zh=f"未知的地区代码 {code!r}，请查阅 /api/v1/catalog/regions",
        )
    return region


async def create_office(
    session: AsyncSession, settings: Settings, data: GovOrganizationIn, *, actor: Principal
) -> Organization:
    """A vetted `gov` organization; its first owner, when named, is invited by mail."""
    if data.kind != "gov":
        raise InvalidInput(
            ["body", "kind"],
            'admins create only government offices here (kind "gov"); other organizations register',
            zh="此处只能创建政府部门（kind 为 gov）；其他机构请自行注册",
        )
    await _region(session, data.region_code, ["body", "region_code"])
    now = utcnow()
    office = Organization(
        name=data.name,
        kind="gov",
        region_code=data.region_code,
        vetting_status="vetted",
        vetted_at=now,
        vetted_by_id=actor.user.id,
        version=1,
    )
    session.add(office)
    await session.flush()
    if data.owner_email is not None:
        await teams.invite_on_behalf(session, settings, office, str(data.owner_email), "owner", actor=actor)
    return office


async def assign(
    session: AsyncSession, organization_id: uuid.UUID, user_id: uuid.UUID, data: OperatorAssignmentIn
) -> User:
    """Make a member of a government office an operator of a level and region (or no longer one)."""
    office = await session.get(Organization, organization_id, with_for_update=True)
    if office is None:
        raise NotFound("No such organization.", zh="没有这个机构。")
    user = await session.get(User, user_id, with_for_update=True)
    if user is None or user.organization_id != office.id or user.left_organization_at is not None:
        raise NotFound("No such member of this organization.", zh="该机构没有这名成员。")
    if office.kind != "gov":
        raise Conflict(
            "Only members of a government office (kind gov) can be operators.",
            zh="只有政府部门（kind 为 gov）的成员才能担任服务专员。",
        )
    if (data.operator_level is None) != (data.region_code is None):
        missing = "region_code" if data.region_code is None else "operator_level"
        raise InvalidInput(
            ["body", missing],
            "give operator_level and region_code together (both null takes the role away)",
            zh="operator_level 与 region_code 须同时给出（都为 null 表示取消服务专员身份）",
        )
    if data.operator_level is not None and data.region_code is not None:
        region = await _region(session, data.region_code, ["body", "region_code"])
        if region.level != data.operator_level:
            raise InvalidInput(
                ["body", "region_code"],
                f"{region.name} is a {region.level}, not a {data.operator_level}",
                zh=f"{region.name}不是{LEVEL_ZH[data.operator_level]}地区",
            )
        if office.region_code is None or not scope.covers(office.region_code, region.code):
            raise InvalidInput(
                ["body", "region_code"],
                f"{region.name} lies outside the office's region",
                zh=f"{region.name}不在本部门的辖区内",
            )
    user.operator_level = None if data.operator_level is None else RegionLevel(data.operator_level).value
    user.operator_region_code = data.region_code
    await session.flush()
    return user


async def set_pilot_year(session: AsyncSession, code: str, data: PilotYearIn) -> Region:
    region = await session.get(Region, code, with_for_update=True)
    if region is None:
        raise NotFound("No such region.", zh="没有这个地区。")
    if region.level != "county":
        raise InvalidInput(
            ["path", "code"],
            f"{region.name} is not a 区县: only counties are selected as 试点县",
            zh=f"{region.name}不是县（市、区），只有县（市、区）可以入选试点县",
        )
    region.pilot_year = data.pilot_year
    await session.flush()
    return region


# --- each region's service settings -----------------------------------------------------------------


async def effective_settings(
    session: AsyncSession, code: str
) -> tuple[tuple[int | None, str | None], tuple[float | None, str | None]]:
    """(threshold, where from), (coverage target, where from): the nearest region on the path that sets it."""
    path = scope.ancestors(code)
    rows = {
        s.region_code: s
        for s in (
            await session.scalars(select(ServiceSetting).where(ServiceSetting.region_code.in_(path)))
        ).all()
    }
    threshold: tuple[int | None, str | None] = (None, None)
    target: tuple[float | None, str | None] = (None, None)
    for region in path:
        setting = rows.get(region)
        if setting is None:
            continue
        if threshold[0] is None and setting.expert_review_threshold_cny is not None:
            threshold = (setting.expert_review_threshold_cny, region)
        if target[0] is None and setting.coverage_target_pct is not None:
            target = (setting.coverage_target_pct, region)
    return threshold, target


async def setting_out(session: AsyncSession, code: str) -> ServiceSettingOut:
    own = await session.get(ServiceSetting, code)
    (threshold, threshold_from), (target, target_from) = await effective_settings(session, code)
    return ServiceSettingOut(
        region_code=code,
        expert_review_threshold_cny=own.expert_review_threshold_cny if own else None,
        coverage_target_pct=own.coverage_target_pct if own else None,
        effective_threshold=EffectiveSetting(value=threshold, from_region_code=threshold_from),
        effective_target=EffectiveSetting(value=target, from_region_code=target_from),
    )


async def _region_in_scope(session: AsyncSession, code: str, viewer: Viewer) -> Region:
    region = await session.get(Region, code)
    if region is None or not viewer.oversees(code):
        raise NotFound("No such region in your scope.", zh="您的辖区内没有这个地区。")
    return region


async def get_setting(session: AsyncSession, code: str, *, viewer: Viewer) -> ServiceSettingOut:
    await _region_in_scope(session, code, viewer)
    return await setting_out(session, code)


async def put_setting(
    session: AsyncSession, code: str, data: ServiceSettingIn, *, viewer: Viewer, user_id: uuid.UUID
) -> ServiceSettingOut:
    await _region_in_scope(session, code, viewer)
    setting = await session.get(ServiceSetting, code, with_for_update=True)
    if setting is None:
        setting = ServiceSetting(region_code=code)
        session.add(setting)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(setting, field, value)
    setting.updated_by_id = user_id
    setting.updated_at = utcnow()
    await session.flush()
    return await setting_out(session, code)
