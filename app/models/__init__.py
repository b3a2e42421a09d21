"""All models, imported here so Alembic and the mappers see every table."""

from app.models.account import AuthSession, RateLimitBucket, RefreshToken, User
from app.models.base import Base
from app.models.catalog import EquipmentCategory, FinancingType, Industry, Region, TaskType
from app.models.organization import Organization, VettingDecision

__all__ = [
    "AuthSession",
    "Base",
    "EquipmentCategory",
    "FinancingType",
    "Industry",
    "Organization",
    "RateLimitBucket",
    "RefreshToken",
    "Region",
    "TaskType",
    "User",
    "VettingDecision",
]
