"""Reference data from the plan and public standards: regions, industries, equipment, task and financing
types."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, check_in

REGION_LEVELS = ("province", "city", "county")


class Region(Base):
    """Sichuan, a 市州 or a 区县, by GB/T 2260 code: a tree (province → 市州 → 区县) by `parent_code`."""

    __tablename__ = "regions"
    __table_args__ = (CheckConstraint(check_in("level", REGION_LEVELS), name="level"),)

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(10), default="city", server_default="city")
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    # A 技术改造试点县（市、区）: the year operators selected it (the plan's 每年遴选建设一批试点县).
    pilot_year: Mapped[int | None]


class Industry(Base):
    """A GB/T 4754-2017 industry (section, division, group or class)."""

    __tablename__ = "industries"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("industries.code"), index=True)
    sector: Mapped[str | None] = mapped_column(String(20))
    plan_terms: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")


class EquipmentCategory(Base):
    """A node of the equipment tree; codes are dotted slugs, so a subtree is a prefix."""

    __tablename__ = "equipment_categories"
    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("equipment_categories.code"), index=True)
    task_types: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    aliases: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    industry_codes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")


class TaskType(Base):
    """One of the plan's five key tasks."""

    __tablename__ = "task_types"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


class FinancingType(Base):
    """A kind of loan or relending programme the plan promotes."""

    __tablename__ = "financing_types"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
