"""Catalog look-ups other domains use to validate the codes they are given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog import repository
from app.catalog.repository import CodedModel
from app.errors import InvalidInput
from app.models.catalog import EquipmentCategory, FinancingType, Industry, Region, TaskType

# model -> (what it is called, in Chinese, where its codes are listed)
_WHAT = {
    Region: ("region", "市州", "/api/v1/catalog/regions"),
    Industry: ("industry", "行业", "/api/v1/catalog/industries"),
    EquipmentCategory: ("equipment category", "设备类别", "/api/v1/catalog/equipment-categories"),
    TaskType: ("task type", "任务类型", "/api/v1/catalog/task-types"),
    FinancingType: ("financing type", "融资类型", "/api/v1/catalog/financing-types"),
}


async def require_codes(
    session: AsyncSession, model: CodedModel, codes: Sequence[str], *, loc: Sequence[str | int]
) -> None:
    """For a list field: a 422 naming the list index of the first code not in the catalog."""
    found = await repository.existing_codes(session, model, codes)
    for index, code in enumerate(codes):
        if code not in found:
            what, what_zh, where = _WHAT[model]
            raise InvalidInput(
                [*loc, index],
                f"unknown {what} code {code!r}; see {where}",
                zh=f"未知的{what_zh}代码 {code!r}，请查阅 {where}",
            )


async def require_code(
    session: AsyncSession, model: CodedModel, code: str, *, loc: Sequence[str | int]
) -> None:
    found = await repository.existing_codes(session, model, [code])
    if code not in found:
        what, what_zh, where = _WHAT[model]
        raise InvalidInput(
            list(loc),
            f"unknown {what} code {code!r}; see {where}",
            zh=f"未知的{what_zh}代码 {code!r}，请查阅 {where}",
        )


async def load_reference_data(
    session: AsyncSession, data: dict[str, list[dict[str, object]]]
) -> dict[str, int]:
    """Upsert every catalog list (idempotent: running it twice changes nothing the second time)."""
    counts: dict[str, int] = {}
    for name, model in (
        ("regions", Region),
        ("task_types", TaskType),
        ("financing_types", FinancingType),
        ("industries", Industry),
        ("equipment_categories", EquipmentCategory),
    ):
        counts[name] = await repository.upsert(session, model, data.get(name, []))
    # After the regions and task types they refer to.
    counts["policies"] = await repository.upsert_policies(session, data.get("policies", []))
    return counts


async def category_subtree(session: AsyncSession, code: str, *, loc: Sequence[str | int]) -> list[str]:
    """The category and its descendants; 422 at `loc` if the code is unknown."""
    codes = await repository.subtree_codes(session, code)
    if not codes:
        raise InvalidInput(
            list(loc),
            f"unknown equipment category code {code!r}; see /api/v1/catalog/equipment-categories",
            zh=f"未知的设备类别代码 {code!r}，请查阅 /api/v1/catalog/equipment-categories",
        )
    return codes


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    name: str
    parent_code: str | None
    aliases: tuple[str, ...]
    task_types: tuple[str, ...]


@dataclass(frozen=True)
class CatalogSnapshot:
    """Names and the category tree, for building search documents and the search dictionary."""

    regions: dict[str, str]
    industries: dict[str, str]
    financing_types: dict[str, str]
    # Plain copies, not ORM objects: the snapshot outlives the session that read it (and its rollbacks).
    categories: dict[str, CategoryInfo]
    # The region tree: each region's parent (None for the province).
    region_parents: dict[str, str | None] = field(default_factory=dict)

    def region_path(self, code: str) -> list[str]:
        """The region and its ancestors, nearest first (武侯区, 成都市, 四川省)."""
        path: list[str] = []
        current: str | None = code
        while current is not None and current not in path:
            path.append(current)
            current = self.region_parents.get(current)
        return path

    def region_within(self, code: str) -> tuple[str, ...]:
        """The region and every region under it: what a `region_code` filter on a location covers."""
        return tuple(c for c in self.region_parents if code in self.region_path(c)) or (code,)

    def region_overlap(self, code: str) -> tuple[str, ...]:
        """Regions above or under this one: a service area among these reaches into it."""
        return tuple(dict.fromkeys([*reversed(self.region_path(code)), *self.region_within(code)]))

    def city_of(self, code: str | None) -> str | None:
        """The 市州 of a 区县, else the code itself."""
        if code is None:
            return None
        path = self.region_path(code)
        return path[-2] if len(path) >= 3 else code

    def region_label(self, code: str) -> str:
        """A 区县 with its 市州 (成都市武侯区); a 市州 by its name."""
        city = self.city_of(code)
        name = self.regions.get(code, code)
        return f"{self.regions.get(city, '')}{name}" if city and city != code else name

    def category_path(self, code: str) -> list[str]:
        """The code and all its ancestors, root first."""
        path: list[str] = []
        current: str | None = code
        while current is not None and current in self.categories:
            path.insert(0, current)
            current = self.categories[current].parent_code
        return path


async def snapshot(session: AsyncSession) -> CatalogSnapshot:
    regions = await repository.list_regions(session)
    return CatalogSnapshot(
        regions={r.code: r.name for r in regions},
        region_parents={r.code: r.parent_code for r in regions},
        industries={i.code: i.name for i in await repository.list_industries(session)},
        financing_types={f.code: f.name for f in await repository.list_financing_types(session)},
        categories={
            c.code: CategoryInfo(
                code=c.code,
                name=c.name,
                parent_code=c.parent_code,
                aliases=tuple(c.aliases),
                task_types=tuple(c.task_types),
            )
            for c in await repository.list_equipment_categories(session)
        },
    )
