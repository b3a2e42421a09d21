"""Small SQL expression helpers shared by repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.sql.elements import ColumnElement


def array_has(column: Any, value: str) -> ColumnElement[bool]:
    """`value` is an element of the text[] `column` (`@>`, which a GIN index can serve)."""
    expression: ColumnElement[bool] = column.contains([value])
    return expression


def array_open_or_has(column: Any, value: str) -> ColumnElement[bool]:
    """An empty array means "no restriction": it admits every value."""
    return or_(func.cardinality(column) == 0, array_has(column, value))
