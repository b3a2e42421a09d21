"""Policies: province operators manage the province's, 市州 operators their 市州's; matching reads them all
(app/matching/policies.py). Each policy's `conditions` and `benefit` (what matching checks and how it
estimates) follow its task types, rate and cap whenever those change."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import scope
from app.auth.principal import Viewer
from app.catalog.service import require_codes
from app.errors import Forbidden, InvalidInput, NotFound
from app.kernel import today_in_sichuan
from app.kit.pagination import PageParams, keyset_page
from app.matching.policies import PolicyBenefit, PolicyConditions, from_row
from app.models.catalog import Industry, Region
from app.models.policy import Policy
from app.policies.schemas import PolicyIn, PolicyList, PolicyOut, PolicyUpdate

NO_POLICY, NO_POLICY_ZH = "No such policy.", "没有这项政策。"
RULE_OF = {
    "grant": "share_of_investment",
    "tax": "share_of_investment",
    "interest_subsidy": "interest_subsidy",
    "relending": "rate_saving",
    "procedure": "procedure",
}


def _check_manager(viewer: Viewer, region_code: str, *, loc: list[str | int] | None) -> None:
    """Province operators manage the province's policies, 市州 operators their own 市州's."""
    if viewer.scope is None or viewer.scope.level == "county":
        raise Forbidden(
            "Policies are managed by province and 市州 operators.", zh="政策由省级和市（州）级服务专员管理。"
        )
    if not viewer.scope.covers(region_code):
        if loc is None:
            raise NotFound(NO_POLICY, zh=NO_POLICY_ZH)
        raise InvalidInput(loc, "outside your region", zh="不在您的辖区内")


def _check_validity(valid_from: Any, valid_to: Any, loc: str) -> None:
    if valid_to is not None and valid_from is not None and valid_to < valid_from:
        raise InvalidInput(["body", loc], "valid_to is before valid_from", zh="失效日期早于生效日期")


def _synced(policy: Policy) -> None:
    """Rewrite what matching reads from the columns an operator edits, keeping the rest."""
    conditions = dict(policy.conditions or {})
    conditions["task_types"] = list(policy.task_types)
    benefit = dict(policy.benefit or {})
    benefit.setdefault("rule", RULE_OF[policy.support_form])
    benefit.setdefault("assumption", "按政策文件所列比例和上限测算，实际以申报审核为准")
    benefit.setdefault("basis", policy.basis)
    benefit["source"] = f"{policy.source_document} {policy.source_article}".strip()
    if benefit["rule"] == "share_of_investment":
        benefit["rate"] = policy.rate_pct / 100 if policy.rate_pct is not None else None
        benefit["cap_cny"] = policy.cap_cny
    elif benefit["rule"] in ("interest_subsidy", "rate_saving"):
        benefit["points_pct"] = policy.rate_pct
    policy.conditions = PolicyConditions.model_validate(conditions).model_dump(
        mode="json", exclude_defaults=True
    )
    policy.benefit = PolicyBenefit.model_validate(benefit).model_dump(mode="json", exclude_none=True)


async def create(session: AsyncSession, data: PolicyIn, *, viewer: Viewer, user_id: uuid.UUID) -> Policy:
    region = await session.get(Region, data.region_code)
    if region is None or region.level == "county":
        raise InvalidInput(
            ["body", "region_code"],
            "a policy is the province's (510000) or a 市州's",
            zh="政策的适用地区须为全省（510000）或一个市（州）",
        )
    _check_manager(viewer, data.region_code, loc=["body", "region_code"])
    _check_validity(data.valid_from, data.valid_to, "valid_to")
    await require_codes(session, Industry, data.industry_codes, loc=["body", "industry_codes"])
    fields = data.model_dump()
    policy = Policy(**fields, created_by_id=user_id, version=1, conditions={}, benefit={})
    _synced(policy)
    session.add(policy)
    await session.flush()
    return policy


async def update(
    session: AsyncSession, policy_id: uuid.UUID, data: PolicyUpdate, *, viewer: Viewer
) -> Policy:
    policy = await session.get(Policy, policy_id, with_for_update=True)
    if policy is None:
        raise NotFound(NO_POLICY, zh=NO_POLICY_ZH)
    _check_manager(viewer, policy.region_code, loc=None)
    changes = data.model_dump(exclude_unset=True)
    for field in ("title", "summary", "industry_codes", "task_types", "valid_from", "source_document"):
        if field in changes and changes[field] is None:
            raise InvalidInput(["body", field], "may not be null", zh="不能为 null")
    if changes.get("industry_codes"):
        await require_codes(session, Industry, changes["industry_codes"], loc=["body", "industry_codes"])
    _check_validity(
        changes.get("valid_from", policy.valid_from),
        changes.get("valid_to", policy.valid_to),
        "valid_to" if "valid_to" in changes else "valid_from",
    )
    for field, value in changes.items():
        setattr(policy, field, value)
    _synced(policy)
    policy.version += 1
    await session.flush()
    return policy


async def get(session: AsyncSession, policy_id: uuid.UUID) -> Policy:
    policy = await session.get(Policy, policy_id)
    if policy is None:
        raise NotFound(NO_POLICY, zh=NO_POLICY_ZH)
    return policy


def out(policy: Policy) -> PolicyOut:
    matching = from_row(policy)
    return PolicyOut(
        id=policy.id,
        code=matching.code,
        title=policy.title,
        name=policy.title,
        summary=policy.summary,
        region_code=policy.region_code,
        industry_codes=list(policy.industry_codes),
        task_types=list(policy.task_types),
        support_form=policy.support_form,
        rate_pct=policy.rate_pct,
        cap_cny=policy.cap_cny,
        valid_from=policy.valid_from,
        valid_to=policy.valid_to,
        in_force=matching.in_force(today_in_sichuan()),
        source_document=policy.source_document,
        source_article=policy.source_article,
        basis=policy.basis,
        source=matching.source,
        conditions=matching.conditions,
        benefit=matching.benefit,
        version=policy.version,
        created_at=policy.created_at,
        updated_at=policy.updated_at,
    )


async def page(
    session: AsyncSession,
    params: PageParams,
    *,
    region_code: str | None,
    support_form: str | None,
    in_force: bool | None,
) -> PolicyList:
    stmt = select(Policy)
    if region_code is not None:
        # Those applying there: the province's, and the 市州's the region lies in.
        # Those applying there (the province's, the 市州's it lies in), and those of regions inside it.
        stmt = stmt.where(
            Policy.region_code.in_(scope.ancestors(region_code))
            | Policy.region_code.startswith(scope.prefix(region_code))
        )
    if support_form is not None:
        stmt = stmt.where(Policy.support_form == support_form)
    if in_force is not None:
        today = today_in_sichuan()
        live = (Policy.valid_from <= today) & (Policy.valid_to.is_(None) | (Policy.valid_to >= today))
        stmt = stmt.where(live if in_force else ~live)
    rows, cursor = await keyset_page(
        session, stmt, keys=[Policy.created_at, Policy.id], params=params, direction="asc"
    )
    return PolicyList(items=[out(p) for p in rows], next_cursor=cursor)
