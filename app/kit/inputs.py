"""Request bodies are read strictly: JSON `false` is not the integer 0, nor `0` the boolean `false`,
and text never holds a NUL character.

Pydantic's lax mode would silently turn `"amount_cny": true` into 1 yuan or `"share_with_banks": 0` into
`false`, accepting bodies the OpenAPI schema calls invalid. FastAPI validates the parsed JSON in Python
mode, where strict mode would also refuse the ISO strings JSON carries dates and UUIDs in, and the JSON
numbers decimals come as; those fields use the types below, which take what JSON sends but never a
boolean (nor, for dates, a number).
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, get_args

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# RFC 3339: a date, a time and an offset (Z or ±hh:mm), as the API writes times.
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
# For free-text query and form fields: PostgreSQL cannot store or compare text with NUL in it.
WITHOUT_NUL = r"^[^\x00]*$"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


class StrictInput(BaseModel):
    """Base of every request body: unknown fields refused, no lax coercion, no NUL characters (a 422
    naming the field, where PostgreSQL would otherwise fail the request with a 500)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _whole_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # JSON does not tell 9000000 from 9000000.0, and clients holding money as a double send the
        # latter: an integer field takes a float with no fraction (1.5 is still refused).
        if isinstance(value, float) and value.is_integer() and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            if annotation is int or int in get_args(annotation):
                return int(value)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise PydanticCustomError(
                "string_nul",
                "Text must not contain NUL (U+0000) characters",
                {"zh": "文本不能包含 NUL（U+0000）字符"},
            )
        return value


def _not_a_number(value: Any) -> Any:
    # Lax dates would read a number, or a string of digits, as a Unix timestamp.
    if isinstance(value, int | float) or (isinstance(value, str) and not _ISO_DATE.match(value)):
        raise PydanticCustomError(
            "date_type", "Input should be a date string (YYYY-MM-DD)", {"zh": "应为日期字符串（YYYY-MM-DD）"}
        )
    return value


def _rfc3339(value: Any) -> Any:
    # Lax datetimes would read "0" as the Unix epoch and a time without an offset as UTC or local.
    if not (isinstance(value, str) and _RFC3339.match(value)):
        raise PydanticCustomError(
            "datetime_type",
            "Input should be an RFC 3339 time with its offset (2026-12-01T08:00:00+08:00 or …Z)",
            {"zh": "应为带时区偏移的 RFC 3339 时间（如 2026-12-01T08:00:00+08:00 或 …Z）"},
        )
    return value


def _not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "Input should be a number", {"zh": "应为数字"})
    return value


InputDate = Annotated[date, Strict(False), BeforeValidator(_not_a_number)]
InputDatetime = Annotated[AwareDatetime, Strict(False), BeforeValidator(_rfc3339)]
InputDecimal = Annotated[Decimal, Strict(False), BeforeValidator(_not_a_boolean)]
InputUUID = Annotated[uuid.UUID, Strict(False)]
