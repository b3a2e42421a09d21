from __future__ import annotations

from pydantic import BaseModel

from app.organizations.schemas import OrganizationOut


class ProviderList(BaseModel):
    items: list[OrganizationOut]
    next_cursor: str | None
