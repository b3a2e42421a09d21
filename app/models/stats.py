"""The statistics' maintained aggregates (migration 0010): PostgreSQL triggers keep them, the overview
reads them.

- `demand_facts`: one narrow row a posted demand, what the overview counts it by (its flags computed
  once, when the demand, a quote, a lead or a shortlist changes, not on every read).
- `stats_cells`: the measures summed by posted month, region and one dimension (the total, a status, an
  industry, a task type, the month contracted): its size grows with the calendar, not with demands.
- `stats_cell_deltas`: what each change adds (+) and takes away (-), appended by the triggers so that
  concurrent writers never wait on one counter row; the worker folds them into the cells
  (`stats_compact()`), and every read adds the deltas not folded yet, so figures are exact at once.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import BigInteger, Identity, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

MEASURES = (
    "demands",
    "posted_cny",
    "matched",
    "matched_cny",
    "contracted",
    "contracted_cny",
    "financed",
    "financed_cny",
    "below_baseline",
    "below_baseline_contracted",
)


class DemandFacts(Base):
    __tablename__ = "demand_facts"
    __table_args__ = (Index("ix_demand_facts_posted_on", "posted_on", "region_code"),)

    # No foreign key: a deleted demand's row goes by trigger, with the deltas that take it out.
    demand_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    posted_on: Mapped[date]  # Beijing date
    posted_month: Mapped[str] = mapped_column(String(7))
    region_code: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20))
    industry_code: Mapped[str] = mapped_column(String(8))
    task_type: Mapped[str] = mapped_column(String(20))
    contracted_month: Mapped[str | None] = mapped_column(String(7))
    posted_cny: Mapped[int] = mapped_column(BigInteger)
    matched: Mapped[bool]
    contracted: Mapped[bool]
    contracted_cny: Mapped[int] = mapped_column(BigInteger)
    financed: Mapped[bool]
    financed_cny: Mapped[int] = mapped_column(BigInteger)
    below_baseline: Mapped[bool]
    below_baseline_contracted: Mapped[bool]


class _Measures:
    demands: Mapped[int] = mapped_column(BigInteger, server_default="0")
    posted_cny: Mapped[int] = mapped_column(BigInteger, server_default="0")
    matched: Mapped[int] = mapped_column(BigInteger, server_default="0")
    matched_cny: Mapped[int] = mapped_column(BigInteger, server_default="0")
    contracted: Mapped[int] = mapped_column(BigInteger, server_default="0")
    contracted_cny: Mapped[int] = mapped_column(BigInteger, server_default="0")
    financed: Mapped[int] = mapped_column(BigInteger, server_default="0")
    financed_cny: Mapped[int] = mapped_column(BigInteger, server_default="0")
    below_baseline: Mapped[int] = mapped_column(BigInteger, server_default="0")
    below_baseline_contracted: Mapped[int] = mapped_column(BigInteger, server_default="0")


class StatsCell(_Measures, Base):
    __tablename__ = "stats_cells"

    posted_month: Mapped[str] = mapped_column(String(7), primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(20), primary_key=True)


class StatsCellDelta(_Measures, Base):
    __tablename__ = "stats_cell_deltas"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    posted_month: Mapped[str] = mapped_column(String(7))
    region_code: Mapped[str] = mapped_column(String(6))
    dimension: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(20))
