"""Policy support (subsidies, tax credits, interest subsidies, relending, 备案承诺制) as matching sees it:
the `policies` table (managed by operators, seeded from `seed/data/policies.json`) read into these
models, each row's conditions and benefit rule validated.

Each programme says whether it rests on the plan or on a regulation (`basis`), and so does each figure
its benefit estimate uses: a rate the source document fixes is `plan` or `regulation`, one we assumed
is `estimate` (seed/SOURCES.md)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.schemas import BASIS_DESCRIPTION, SOURCE_DESCRIPTION
from app.kernel import Basis
from app.models.policy import Policy as PolicyRow


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PolicySource(_Strict):
    document: str
    section: str
    issued_by: str
    issued_on: date | None
    url: str | None


class PolicyConditions(_Strict):
    task_types: tuple[str, ...] = ()
    category_prefixes: tuple[str, ...] = ()
    min_investment_cny: int | None = None
    max_investment_cny: int | None = None
    needs_financing: bool = False
    relending_product: bool = False
    no_new_land_or_capacity: bool = False
    investment_assumption: str | None = Field(
        default=None,
        description="Why the investment thresholds are what they are, when the source sets none "
        "(an estimate).",
    )


class PolicyBenefit(_Strict):
    rule: Literal["share_of_investment", "interest_subsidy", "rate_saving", "procedure"]
    rate: float | None = None
    cap_cny: int | None = None
    points_pct: float | None = None
    max_months: int | None = None
    days_saved: int | None = None
    assumption: str
    basis: Basis = Field(
        description="Where the estimate's figures (rate, cap, points, months, days) come from. "
        + BASIS_DESCRIPTION
    )
    source: str = Field(
        description="The article fixing those figures, or what the assumption is based on. "
        + SOURCE_DESCRIPTION
    )


class Policy(_Strict):
    code: str = Field(description="The seeded programme's key, or the id of an operator's policy.")
    name: str
    region_code: str = Field(default="510000", description="Where it applies: the province or a 市州.")
    industry_codes: tuple[str, ...] = Field(default=(), description="Empty: every industry.")
    summary: str
    basis: Basis = Field(description="Where the programme itself comes from. " + BASIS_DESCRIPTION)
    source: PolicySource
    valid_from: date
    valid_to: date | None
    conditions: PolicyConditions
    benefit: PolicyBenefit

    def in_force(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def from_row(row: PolicyRow) -> Policy:
    return Policy(
        code=row.code or str(row.id),
        name=row.title,
        region_code=row.region_code,
        industry_codes=tuple(row.industry_codes),
        summary=row.summary,
        basis=row.basis,
        source=PolicySource(
            document=row.source_document,
            section=row.source_article,
            issued_by=row.issued_by,
            issued_on=row.issued_on,
            url=row.source_url,
        ),
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        conditions=PolicyConditions.model_validate(row.conditions),
        benefit=PolicyBenefit.model_validate(row.benefit),
    )


async def all_policies(session: AsyncSession) -> list[Policy]:
    rows = (await session.scalars(select(PolicyRow).order_by(PolicyRow.created_at, PolicyRow.id))).all()
    return [from_row(r) for r in rows]


async def known(session: AsyncSession, target_id: str) -> bool:
    """A match's target: a seeded programme's code, or an operator's policy's id."""
    by_code = select(PolicyRow.id).where(PolicyRow.code == target_id)
    if await session.scalar(by_code) is not None:
        return True
    try:
        ident = uuid.UUID(target_id)
    except ValueError:
        return False
    return await session.get(PolicyRow, ident) is not None
