"""Small SQL expression helpers shared by repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, Text, bindparam, cast, func, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from app.models.catalog import Region


def array_has(column: Any, value: str) -> ColumnElement[bool]:
    """`value` is an element of the text[] `column` (`@>`, which a GIN index can serve)."""
    expression: ColumnElement[bool] = column.contains([value])
    return expression


def array_open_or_has(column: Any, value: str) -> ColumnElement[bool]:
    """An empty array means "no restriction": it admits every value."""
    return or_(func.cardinality(column) == 0, array_has(column, value))


def bind_for(name: str, column: ColumnElement[Any], *, array: bool = False) -> BindParameter[Any]:
    """A bind parameter typed like `column` (or an array of its type), for statements built once."""
    return bindparam(name, type_=ARRAY(column.type) if array else column.type)


def region_within(code: Any) -> Any:
    """The codes of region `code` and every region under it (a 市州 and its 区县; the province and all),
    as a subquery: `region_code IN region_within(:code)` is a `region_code` filter on where something is."""
    region = Region
    below = aliased(region)
    return select(region.code).where(
        or_(
            region.code == code,
            region.parent_code == code,
            region.parent_code.in_(select(below.code).where(below.parent_code == code)),
        )
    )


def region_overlap(code: Any) -> Any:
    """As an array: the codes above `code` and under it. A service area holding any of them reaches into
    region `code` (a supplier serving 成都市 serves 武侯区, one serving 武侯区 serves part of 成都市)."""
    region = Region
    parent = select(region.parent_code).where(region.code == code).scalar_subquery()
    above = aliased(region)
    grandparent = select(above.parent_code).where(above.code == parent).scalar_subquery()
    codes = region_within(code)
    return (
        select(func.array_agg(cast(region.code, Text)))
        .where(or_(region.code.in_(codes), region.code == parent, region.code == grandparent))
        .scalar_subquery()
    )


def region_path(code: Any) -> Any:
    """As an array: region `code` and the regions above it. A service area holding any of them covers
    something located in `code` (a bank subscribed to 成都市 hears of a demand in 武侯区)."""
    region = Region
    above = aliased(region)
    parent = select(region.parent_code).where(region.code == code).scalar_subquery()
    grandparent = select(above.parent_code).where(above.code == parent).scalar_subquery()
    return (
        select(func.array_agg(cast(region.code, Text)))
        .where(or_(region.code == code, region.code == parent, region.code == grandparent))
        .scalar_subquery()
    )
