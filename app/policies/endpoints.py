"""Policies: public to read; province and 市州 operators write them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from app.deps import OperatorPrincipal, SessionDep
from app.kernel import RegionCode, SupportForm
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.policies import service
from app.policies.schemas import PolicyIn, PolicyList, PolicyOut, PolicyUpdate

router = APIRouter(prefix="/policies", tags=["service network"])


@router.get(
    "",
    operation_id="list_policies",
    responses=problems(422),
    summary="Policy support: 奖补, 贴息, 税收 and more, each with its source document and article",
)
async def list_policies(
    session: SessionDep,
    page: PageParamsDep,
    region_code: RegionCode | None = None,
    support_form: SupportForm | None = None,
    in_force: bool | None = None,
) -> PolicyList:
    """Public: every policy matching can suggest (the plan's, seeded with each value's source, and those
    operators added), oldest first, paged with `cursor`. `region_code` keeps those applying there (the
    province's and its 市州's), `in_force` those valid today or not. Each has the `conditions` matching
    checks and the `benefit` rule its estimate follows."""
    return await service.page(
        session, page, region_code=region_code, support_form=support_form, in_force=in_force
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="create_policy",
    responses=problems(401, 403, 413, 422),
    summary="Add a policy (province operators for the province, 市州 operators for theirs)",
)
async def create_policy(body: PolicyIn, principal: OperatorPrincipal, session: SessionDep) -> PolicyOut:
    """Province operators add the province's policies, 市州 operators their 市州's (422 for a region
    outside theirs or a 区县; 403 for county operators). `valid_to` before `valid_from` is 422. Matching
    suggests it to demands in its region from then on."""
    policy = await service.create(session, body, viewer=principal.viewer, user_id=principal.user.id)
    return service.out(policy)


@router.get(
    "/{policy_id}",
    operation_id="get_policy",
    responses=problems(404, 422),
    summary="One policy",
)
async def get_policy(policy_id: uuid.UUID, session: SessionDep) -> PolicyOut:
    """Public: the policy with its source document and article, validity, and the conditions and benefit
    rule matching uses. 404 for an unknown id."""
    return service.out(await service.get(session, policy_id))


@router.patch(
    "/{policy_id}",
    operation_id="update_policy",
    responses=problems(401, 403, 404, 413, 422),
    summary="Change a policy (its region's province or 市州 operators)",
)
async def update_policy(
    policy_id: uuid.UUID, body: PolicyUpdate, principal: OperatorPrincipal, session: SessionDep
) -> PolicyOut:
    """The operators who manage it (404 for others): only the fields sent change; the benefit rule follows
    the new rate and cap. A seeded policy an operator edited keeps the edit when the seed runs again."""
    policy = await service.update(session, policy_id, body, viewer=principal.viewer)
    return service.out(policy)
