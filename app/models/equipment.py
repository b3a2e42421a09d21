"""An enterprise's 设备台账 (equipment inventory): what it runs, since when, how many, how efficient."""

from __future__ import annotations

import uuid

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPrimaryKey, check_in

ELIMINATION_CATALOGUES = (
    "industrial_structure_2024",
    "energy_inefficient_electromechanical",
    "hazardous_chemicals_process",
    "safety_backward_equipment",
)


class EquipmentItem(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "equipment_items"
    __table_args__ = (
        CheckConstraint("count >= 1", name="count"),
        CheckConstraint("energy_grade BETWEEN 1 AND 5", name="energy_grade"),
        CheckConstraint("original_value_cny >= 0", name="original_value"),
        CheckConstraint(
            check_in("elimination_catalogue", ELIMINATION_CATALOGUES), name="elimination_catalogue"
        ),
        Index("ix_equipment_items_organization", "organization_id", "created_at", "id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    category_code: Mapped[str] = mapped_column(ForeignKey("equipment_categories.code"))
    model: Mapped[str] = mapped_column(String(100))
    maker: Mapped[str] = mapped_column(String(100))
    in_service_year: Mapped[int] = mapped_column(SmallInteger)
    count: Mapped[int] = mapped_column(default=1)
    energy_grade: Mapped[int | None] = mapped_column(SmallInteger)
    original_value_cny: Mapped[int | None] = mapped_column(BigInteger)
    # What the enterprise reports (as on a demand): its efficiency is below the 能效基准水平.
    below_energy_baseline: Mapped[bool] = mapped_column(default=False, server_default="false")
    # The equipment is listed in an elimination catalogue (淘汰目录): which one, and the entry.
    elimination_catalogue: Mapped[str | None] = mapped_column(String(40))
    elimination_entry: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
