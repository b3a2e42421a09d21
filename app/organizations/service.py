"""Organizations: creation with USCC and catalog checks, profile edits, and vetting decisions."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Viewer
from app.catalog.service import require_code, require_codes
from app.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from app.kit.etag import check_if_match
from app.kit.integrity import flush_or_conflict
from app.kit.pagination import PageParams
from app.models.base import utcnow
from app.models.catalog import Industry, Region
from app.models.organization import Organization, VettingDecision
from app.notifications import service as notifications
from app.organizations import repository
from app.organizations.schemas import (
    PROFILE_FIELDS,
    EnterpriseProfileIn,
    EnterpriseProfileOut,
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
    PendingChange,
    ProviderProfile,
    UserRef,
    VettingDecisionIn,
    VettingDecisionOut,
    VettingOut,
)

ETAG_KIND = "organization"
USCC_TAKEN = "An organization with this 统一社会信用代码 is already registered."
USCC_TAKEN_ZH = "该统一社会信用代码的组织已经注册。"

# decision -> (statuses it may be taken from, status it leads to)
VETTING_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "approve": (frozenset({"pending", "rejected", "suspended"}), "vetted"),
    "reject": (frozenset({"pending"}), "rejected"),
    "suspend": (frozenset({"vetted"}), "suspended"),
}
DECISION_NAMES_ZH = {"approve": "通过", "reject": "驳回", "suspend": "暂停"}


async def check_new_organization(
    session: AsyncSession, data: OrganizationCreate, *, loc: list[str | int]
) -> Organization:
    """A new pending organization, checked (catalog codes, USCC not held) but not yet added."""
    await require_code(session, Region, data.region_code, loc=[*loc, "region_code"])
    if data.industry_code is not None:
        await require_code(session, Industry, data.industry_code, loc=[*loc, "industry_code"])
    fields = data.model_dump(exclude={"profile"})
    fields.update((name, []) for name in PROFILE_FIELDS)
    if data.profile is not None:
        await _check_profile_codes(session, data.profile, loc=[*loc, "profile"])
        fields.update(data.profile.model_dump(mode="json"))
    if await repository.uscc_holder(session, data.uscc) is not None:
        raise Conflict(
            USCC_TAKEN,
            zh=USCC_TAKEN_ZH,
            errors=[FieldError([*loc, "uscc"], USCC_TAKEN, USCC_TAKEN_ZH, type="conflict")],
        )
    return Organization(**fields, vetting_status="pending", version=1)


async def create_organization(
    session: AsyncSession, data: OrganizationCreate, *, loc: list[str | int]
) -> Organization:
    """Create a pending organization after checking its catalog codes and USCC uniqueness."""
    organization = await check_new_organization(session, data, loc=loc)
    session.add(organization)
    await flush_or_conflict(session, {"uq_organizations_uscc": ([*loc, "uscc"], USCC_TAKEN, USCC_TAKEN_ZH)})
    return organization


async def release_stale_uscc(session: AsyncSession, uscc: str, *, hold_days: int) -> None:
    """A pending organization never vetted holds its USCC for `hold_days`; after that a new
    registration with the code rejects it (recorded as a decision by the system, members told)."""
    holder = await repository.uscc_holder(session, uscc, for_update=True)
    if (
        holder is None
        or holder.vetting_status != "pending"
        or holder.vetted_at is not None
        or holder.created_at > utcnow() - timedelta(days=hold_days)
    ):
        return
    note = f"待审核超过{hold_days}天，统一社会信用代码已被新的注册使用。如为本机构的真实代码，请联系管理员。"
    session.add(
        VettingDecision(
            organization_id=holder.id,
            decision="reject",
            note=note,
            from_status="pending",
            to_status="rejected",
            decided_by_id=None,
            decided_at=utcnow(),
        )
    )
    holder.vetting_status, holder.vetting_note, holder.version = "rejected", note, holder.version + 1
    await session.flush()
    await notifications.notify(
        session,
        holder.id,
        "vetting_decision",
        "机构审核结果：未通过审核",
        note,
        {"decision": "reject", "vetting_status": "rejected"},
    )


async def get_visible(session: AsyncSession, organization_id: uuid.UUID, viewer: Viewer) -> Organization:
    """The organization if the viewer may see it; unvetted ones look absent to outsiders (404)."""
    organization = await repository.get(session, organization_id)
    if organization is None or (organization.kind == "admin" and not viewer.is_admin):
        raise NotFound("No such organization.", zh="没有这个机构。")
    if organization.vetting_status != "vetted" and not _insider(viewer, organization):
        raise NotFound("No such organization.", zh="没有这个机构。")
    return organization


def _insider(viewer: Viewer, organization: Organization) -> bool:
    """Members, admins, and the operators of the organization's region see all of it."""
    return viewer.is_admin or viewer.is_member_of(organization) or viewer.oversees(organization.region_code)


# --- an enterprise's profile ----------------------------------------------------------------------
# 规模以上工业企业: 主营业务收入2000万元及以上 (国家统计局); a revenue band below that contradicts it.
BELOW_DESIGNATED_SIZE = frozenset({"under_3m", "3m_20m"})


async def update_enterprise_profile(
    session: AsyncSession, organization_id: uuid.UUID, data: EnterpriseProfileIn, *, viewer: Viewer
) -> Organization:
    """The enterprise's managers, or an operator of its region, edit the profile; it then waits for an
    operator's confirmation again."""
    organization = await _enterprise_for(session, organization_id, viewer)
    if not (viewer.oversees(organization.region_code) or viewer.is_member_of(organization)):
        raise Forbidden(
            "Only the enterprise's managers and the operators of its region edit its profile.",
            zh="只有本企业的管理者和所在地区的服务专员才能修改企业画像。",
        )
    if not viewer.oversees(organization.region_code):
        viewer.require("manager", action="Editing the enterprise profile", action_zh="修改企业画像")
    changes = data.model_dump(exclude_unset=True)
    for field in ("specialized_level", "main_products"):
        if field in changes and changes[field] is None:
            raise InvalidInput(["body", field], "may not be null", zh="不能为 null")
    above = changes.get("above_designated_size", organization.above_designated_size)
    band = changes.get("output_band", organization.output_band)
    if above and band in BELOW_DESIGNATED_SIZE:
        loc = "output_band" if "output_band" in changes else "above_designated_size"
        raise InvalidInput(
            ["body", loc],
            "an enterprise above designated size (规上) has a revenue of 20 million yuan or more",
            zh="规上工业企业的主营业务收入在2000万元及以上，与所填营业收入区间不符",
        )
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.profile_updated_at = utcnow()
    organization.profile_confirmed_at = None
    organization.profile_confirmed_by_id = None
    organization.version += 1
    await session.flush()
    return organization


async def confirm_enterprise_profile(
    session: AsyncSession, organization_id: uuid.UUID, *, viewer: Viewer, user_id: uuid.UUID
) -> Organization:
    """An operator of the enterprise's region confirms its profile as it stands."""
    organization = await _enterprise_for(session, organization_id, viewer)
    if not viewer.oversees(organization.region_code):
        raise NotFound("No such organization in your region.", zh="您的辖区内没有这个机构。")
    if organization.profile_updated_at is None:
        raise Conflict(
            "The enterprise has no profile yet: it (or you) fill it in first "
            "(PATCH /organizations/{id}/profile).",
            zh="该企业尚未填写企业画像：请先填写（PATCH /organizations/{id}/profile）。",
        )
    if organization.profile_confirmed_at is None:
        organization.profile_confirmed_at = utcnow()
        organization.profile_confirmed_by_id = user_id
        organization.version += 1
        await session.flush()
    return organization


async def _enterprise_for(session: AsyncSession, organization_id: uuid.UUID, viewer: Viewer) -> Organization:
    organization = await get_visible(session, organization_id, viewer)
    if not _insider(viewer, organization):
        raise NotFound("No such organization.", zh="没有这个机构。")
    organization = await repository.get(session, organization_id, for_update=True) or organization
    if organization.kind != "enterprise":
        raise Conflict(
            "Only enterprises have this profile (规上, 专精特新, size).",
            zh="只有企业才有企业画像（规上、专精特新、规模）。",
        )
    return organization


async def enterprise_profile_out(session: AsyncSession, organization: Organization) -> EnterpriseProfileOut:
    confirmed_by = None
    if organization.profile_confirmed_by_id is not None:
        names = await repository.get_user_names(session, {organization.profile_confirmed_by_id})
        confirmed_by = UserRef(
            id=organization.profile_confirmed_by_id, name=names.get(organization.profile_confirmed_by_id, "")
        )
    return EnterpriseProfileOut(
        above_designated_size=organization.above_designated_size,
        specialized_level=organization.specialized_level or "none",
        high_tech=organization.high_tech,
        employees_band=organization.employees_band,
        output_band=organization.output_band,
        main_products=list(organization.main_products or []),  # a registration's echo is not yet stored
        updated_at=organization.profile_updated_at,
        confirmed_at=organization.profile_confirmed_at,
        confirmed_by=confirmed_by,
    )


async def update_organization(
    session: AsyncSession,
    organization_id: uuid.UUID,
    data: OrganizationUpdate,
    *,
    viewer: Viewer,
    if_match: str | None,
) -> Organization:
    """Members edit their own profile; a rejected organization that edits goes back to the queue."""
    organization = await _editable(session, organization_id, viewer=viewer, if_match=if_match)
    changes = await _checked_changes(session, organization, data)
    identity: dict[str, Any] = {
        field: changes.pop(field)
        for field in ("name", "uscc")
        if field in changes and changes[field] != getattr(organization, field)
    }
    changes = {field: value for field, value in changes.items() if field not in ("name", "uscc")}
    if "uscc" in identity:
        await _check_uscc_free(session, identity["uscc"], organization.id)
    _apply_edit(organization, changes, identity)
    await flush_or_conflict(session, {"uq_organizations_uscc": (["body", "uscc"], USCC_TAKEN, USCC_TAKEN_ZH)})
    return organization


async def _editable(
    session: AsyncSession, organization_id: uuid.UUID, *, viewer: Viewer, if_match: str | None
) -> Organization:
    """The organization locked for the edit, if the viewer is a member and holds its current version."""
    organization = await get_visible(session, organization_id, viewer)
    if not viewer.is_member_of(organization):
        raise Forbidden(
            "Only members of an organization may change it.", zh="只有本机构的成员才能修改机构信息。"
        )
    organization = await repository.get(session, organization_id, for_update=True) or organization
    check_if_match(if_match, ETAG_KIND, organization.version)
    return organization


async def _checked_changes(
    session: AsyncSession, organization: Organization, data: OrganizationUpdate
) -> dict[str, Any]:
    """The fields sent, checked (no nulls where a value is required, catalog codes, provider types), with
    a provider's profile flattened into its columns."""
    changes = data.model_dump(exclude_unset=True)
    for field in ("name", "uscc", "region_code", "description", "provider_types"):
        if field in changes and changes[field] is None:
            raise InvalidInput(["body", field], "may not be null", zh="不能为 null")
    if changes.get("region_code") is not None:
        await require_code(session, Region, changes["region_code"], loc=["body", "region_code"])
    if changes.get("industry_code") is not None:
        await require_code(session, Industry, changes["industry_code"], loc=["body", "industry_code"])
    if "provider_types" in changes:
        _check_provider_types(organization.kind, changes["provider_types"])
    if "profile" in changes:
        if organization.kind != "provider":
            raise InvalidInput(
                ["body", "profile"],
                "only provider organizations have a directory profile",
                zh="只有服务商机构才有名录资料",
            )
        if data.profile is None:
            raise InvalidInput(
                ["body", "profile"],
                "may not be null; send an empty profile to clear it",
                zh="不能为 null；如需清空，请发送空的 profile",
            )
        await _check_profile_codes(session, data.profile, loc=["body", "profile"])
        changes.update(data.profile.model_dump(mode="json"))
        del changes["profile"]
    return changes


def _apply_edit(organization: Organization, changes: dict[str, Any], identity: dict[str, Any]) -> None:
    """Apply the edit; a changed name or USCC (`identity`) of a vetted organization waits for an admin."""
    if identity and organization.vetting_status in ("vetted", "suspended"):
        # Who the organization is was vetted: a new name or code waits for an admin.
        organization.pending_change = {**(organization.pending_change or {}), **identity}
        organization.pending_change_at = utcnow()
    else:
        changes = {**changes, **identity}
    for field, value in changes.items():
        setattr(organization, field, value)
    if changes or identity:
        organization.version += 1
        organization.updated_at = utcnow()
        if organization.vetting_status == "rejected":
            organization.vetting_status = "pending"


async def _check_uscc_free(session: AsyncSession, uscc: str, organization_id: uuid.UUID) -> None:
    holder = await repository.uscc_holder(session, uscc)
    if holder is not None and holder.id != organization_id:
        raise Conflict(
            USCC_TAKEN,
            zh=USCC_TAKEN_ZH,
            errors=[FieldError(["body", "uscc"], USCC_TAKEN, USCC_TAKEN_ZH, type="conflict")],
        )


async def _check_profile_codes(
    session: AsyncSession, profile: ProviderProfile, *, loc: list[str | int]
) -> None:
    await require_codes(session, Region, profile.service_region_codes, loc=[*loc, "service_region_codes"])
    await require_codes(session, Industry, profile.industry_codes, loc=[*loc, "industry_codes"])
    for index, case in enumerate(profile.cases):
        if case.region_code is not None:
            await require_code(session, Region, case.region_code, loc=[*loc, "cases", index, "region_code"])
        if case.industry_code is not None:
            await require_code(
                session, Industry, case.industry_code, loc=[*loc, "cases", index, "industry_code"]
            )


def profile_of(organization: Organization) -> ProviderProfile | None:
    if organization.kind != "provider":
        return None
    return ProviderProfile.model_validate({name: getattr(organization, name) for name in PROFILE_FIELDS})


def _check_provider_types(kind: str, provider_types: list[str] | None) -> None:
    if kind == "provider" and not provider_types:
        raise InvalidInput(
            ["body", "provider_types"],
            "a provider organization keeps at least one provider type",
            zh="服务商机构至少要保留一种服务商类型",
        )
    if kind != "provider" and provider_types:
        raise InvalidInput(
            ["body", "provider_types"],
            "only provider organizations have provider types",
            zh="只有服务商机构才有服务商类型",
        )


async def decide_vetting(
    session: AsyncSession, organization_id: uuid.UUID, data: VettingDecisionIn, *, admin_user_id: uuid.UUID
) -> Organization:
    """Record an admin's decision and move the organization's vetting status. For a vetted organization
    with a pending change of name or USCC, approve applies the change and reject discards it."""
    organization = await repository.get(session, organization_id, for_update=True)
    if organization is None or organization.kind == "admin":
        raise NotFound("No such organization to vet.", zh="没有这个待审核的机构。")
    if organization.pending_change and organization.vetting_status == "vetted" and data.decision != "suspend":
        return await _decide_change(session, organization, data, admin_user_id=admin_user_id)
    allowed_from, to_status = VETTING_TRANSITIONS[data.decision]
    if organization.vetting_status not in allowed_from:
        raise Conflict(
            f"Cannot {data.decision} an organization whose vetting status is "
            f"{organization.vetting_status!r}; "
            f"allowed from: {', '.join(sorted(allowed_from))}.",
            zh=f"不能对审核状态为 {organization.vetting_status!r} 的机构"
            f"作出「{DECISION_NAMES_ZH[data.decision]}」决定；"
            f"只能从以下状态作出：{', '.join(sorted(allowed_from))}。",
        )
    if to_status == "vetted" and organization.pending_change:
        _apply_change(organization)  # vetted now as it asked to be known
    _record_decision(session, organization, data, to_status=to_status, admin_user_id=admin_user_id)
    organization.vetting_status = to_status
    await flush_or_conflict(
        session, {"uq_organizations_uscc": (["path", "organization_id"], USCC_TAKEN, USCC_TAKEN_ZH)}
    )
    outcomes = {"vetted": "已通过审核", "rejected": "未通过审核", "suspended": "已被暂停"}
    outcome = outcomes.get(to_status, to_status)
    await notifications.notify(
        session,
        organization.id,
        "vetting_decision",
        f"机构审核结果：{outcome}",
        data.note or "",
        {"decision": data.decision, "vetting_status": to_status},
    )
    return organization


def _record_decision(
    session: AsyncSession,
    organization: Organization,
    data: VettingDecisionIn,
    *,
    to_status: str,
    admin_user_id: uuid.UUID,
) -> None:
    now = utcnow()
    session.add(
        VettingDecision(
            organization_id=organization.id,
            decision=data.decision,
            note=data.note,
            from_status=organization.vetting_status,
            to_status=to_status,
            decided_by_id=admin_user_id,
            decided_at=now,
        )
    )
    organization.vetting_note = data.note or None
    organization.vetted_at = now
    organization.vetted_by_id = admin_user_id
    organization.version += 1
    organization.updated_at = now


def _apply_change(organization: Organization) -> None:
    change = organization.pending_change or {}
    organization.name = change.get("name", organization.name)
    organization.uscc = change.get("uscc", organization.uscc)
    organization.pending_change = organization.pending_change_at = None


async def _decide_change(
    session: AsyncSession, organization: Organization, data: VettingDecisionIn, *, admin_user_id: uuid.UUID
) -> Organization:
    change = dict(organization.pending_change or {})
    if data.decision == "approve":
        if "uscc" in change:
            await _check_uscc_free(session, change["uscc"], organization.id)
        _apply_change(organization)
    else:
        organization.pending_change = organization.pending_change_at = None
    _record_decision(session, organization, data, to_status="vetted", admin_user_id=admin_user_id)
    await flush_or_conflict(
        session, {"uq_organizations_uscc": (["path", "organization_id"], USCC_TAKEN, USCC_TAKEN_ZH)}
    )
    what = "、".join(
        {"name": f"名称「{change.get('name')}」", "uscc": f"统一社会信用代码 {change.get('uscc')}"}[k]
        for k in change
        if k in ("name", "uscc")
    )
    verdict = "已通过审核并生效" if data.decision == "approve" else "未通过审核，仍使用原信息"
    await notifications.notify(
        session,
        organization.id,
        "vetting_decision",
        f"机构信息变更{verdict}",
        f"变更内容：{what}。{data.note}".strip(),
        {"decision": data.decision, "vetting_status": organization.vetting_status},
    )
    return organization


async def page_pending(session: AsyncSession, params: PageParams) -> tuple[list[Organization], str | None]:
    return await repository.page_pending(session, params)


async def page_decisions(
    session: AsyncSession, organization_id: uuid.UUID, params: PageParams, *, viewer: Viewer
) -> tuple[list[VettingDecisionOut], str | None]:
    """An organization's vetting history, for its members and admins."""
    organization = await get_visible(session, organization_id, viewer)
    if not (viewer.is_admin or viewer.is_member_of(organization)):
        raise Forbidden(
            "Only members of an organization and admins see its vetting history.",
            zh="只有本机构的成员和管理员才能查看其审核记录。",
        )
    rows, cursor = await repository.page_decisions(session, organization_id, params)
    names = await repository.get_user_names(session, {r.decided_by_id for r in rows if r.decided_by_id})
    items = [
        VettingDecisionOut(
            id=r.id,
            decision=r.decision,
            note=r.note,
            from_status=r.from_status,
            to_status=r.to_status,
            decided_at=r.decided_at,
            decided_by=None
            if r.decided_by_id is None
            else UserRef(id=r.decided_by_id, name=names.get(r.decided_by_id, "")),
        )
        for r in rows
    ]
    return items, cursor


async def to_out(session: AsyncSession, organization: Organization, viewer: Viewer) -> OrganizationOut:
    """The representation this viewer is entitled to."""
    private = _insider(viewer, organization)
    out = OrganizationOut(
        id=organization.id,
        name=organization.name,
        kind=organization.kind,
        uscc=organization.uscc,
        region_code=organization.region_code,
        industry_code=organization.industry_code,
        provider_types=list(organization.provider_types),
        description=organization.description,
        website=organization.website,
        vetting_status=organization.vetting_status,
        created_at=organization.created_at,
        updated_at=organization.updated_at,
        profile=profile_of(organization),
    )
    if private:
        if organization.kind == "enterprise":
            out.enterprise_profile = await enterprise_profile_out(session, organization)
        decided_by = None
        if organization.vetted_by_id is not None:
            names = await repository.get_user_names(session, {organization.vetted_by_id})
            decided_by = UserRef(id=organization.vetted_by_id, name=names.get(organization.vetted_by_id, ""))
        out.contact_name = organization.contact_name
        out.contact_phone = organization.contact_phone
        out.contact_email = organization.contact_email
        if organization.pending_change and organization.pending_change_at is not None:
            out.pending_change = PendingChange(
                **organization.pending_change, requested_at=organization.pending_change_at
            )
        out.vetting = VettingOut(
            status=organization.vetting_status,
            note=organization.vetting_note,
            decided_at=organization.vetted_at,
            decided_by=decided_by,
        )
    return out


async def names(session: AsyncSession, organization_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names of organizations, for embedding `{id, name}` references."""
    return await repository.get_names(session, organization_ids)
