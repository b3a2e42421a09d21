"""Adding experts to the pool and finding them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import scope
from app.auth.principal import Viewer
from app.catalog.service import require_codes
from app.errors import InvalidInput
from app.experts import repository
from app.experts.schemas import ExpertIn, ExpertList, ExpertOrganization, ExpertOut, ExpertUser
from app.kit.integrity import flush_or_conflict
from app.kit.pagination import PageParams
from app.models.account import User
from app.models.catalog import Industry, Region
from app.models.expert import Expert
from app.models.organization import Organization

ALREADY = "This user is already in the expert pool."
ALREADY_ZH = "该用户已在专家库中。"


async def add(session: AsyncSession, data: ExpertIn, *, viewer: Viewer, user_id: uuid.UUID) -> Expert:
    if await session.get(Region, data.region_code) is None:
        raise InvalidInput(
            ["body", "region_code"],
            f"unknown region code {data.region_code!r}; see /api/v1/catalog/regions",
            zh=f"未知的地区代码 {data.region_code!r}，请查阅 /api/v1/catalog/regions",
        )
    if not viewer.oversees(data.region_code):
        raise InvalidInput(["body", "region_code"], "outside your region", zh="不在您的辖区内")
    await require_codes(session, Industry, data.industry_codes, loc=["body", "industry_codes"])
    user = await session.get(User, data.user_id)
    organization = await session.get(Organization, user.organization_id) if user is not None else None
    if (
        user is None
        or organization is None
        or not user.is_active
        or organization.kind not in ("gov", "provider")
        or organization.vetting_status != "vetted"
    ):
        raise InvalidInput(
            ["body", "user_id"],
            "an expert is an active user of a vetted government office or provider",
            zh="专家须为已审核的政府部门或服务商的在职用户",
        )
    expert = Expert(
        user_id=user.id,
        fields=list(dict.fromkeys(data.fields)),
        industry_codes=list(dict.fromkeys(data.industry_codes)),
        region_code=data.region_code,
        added_by_id=user_id,
    )
    session.add(expert)
    await flush_or_conflict(session, {"uq_experts_user_id": (["body", "user_id"], ALREADY, ALREADY_ZH)})
    return expert


def out(row: Any) -> ExpertOut:
    expert, user, organization = row
    return ExpertOut(
        id=expert.id,
        user=ExpertUser(id=user.id, name=user.name),
        organization=ExpertOrganization(id=organization.id, name=organization.name, kind=organization.kind),
        fields=list(expert.fields),
        industry_codes=list(expert.industry_codes),
        region_code=expert.region_code,
        active=expert.active,
        created_at=expert.created_at,
    )


async def get_out(session: AsyncSession, expert_id: uuid.UUID) -> ExpertOut:
    row = await repository.get(session, expert_id)
    assert row is not None
    return out(row)


async def page(
    session: AsyncSession,
    params: PageParams,
    *,
    viewer: Viewer,
    region_code: str | None,
    industry_code: str | None,
    field: str | None,
) -> ExpertList:
    """The experts serving `region_code` (default: the operator's own region)."""
    assert viewer.scope is not None
    region = region_code or viewer.scope.region_code
    rows, cursor = await repository.page(
        session,
        params,
        region_code=region,
        region_prefix=scope.prefix(region),
        industry_code=industry_code,
        field=field,
    )
    return ExpertList(items=[out(r) for r in rows], next_cursor=cursor)
