"""Fast JSON for hot read paths: plain dicts encoded by orjson, skipping response-model re-validation.

Routes that use it still declare `response_model` for the OpenAPI schema; the contract tests validate
their bodies against that model, so the dict and the schema cannot drift apart silently.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=_OPTIONS)


def json_compatible(value: Any) -> Any:
    """UUIDs, datetimes and dates as the strings the API sends (for storing a response, e.g. in JSONB)."""
    return orjson.loads(dumps(value))


class FastJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
