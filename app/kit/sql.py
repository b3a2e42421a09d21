"""Small SQL expression helpers shared by repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ARRAY, bindparam, func, or_
from sqlalchemy.sql.elements import BindParameter, ColumnElement


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
