"""OpenAPI declarations of the RFC 9457 problems a route can answer with.

Every 4xx leaves as `application/problem+json` (app/errors.py), so FastAPI's default 422 documentation
(`application/json`, `{"detail": [...]}`) would describe a body the API never sends. Routes declare the
problems they can give instead: `responses=problems(401, 404, 422)`.
"""

from __future__ import annotations

from typing import Any

from app.errors import PROBLEM_MEDIA_TYPE

_DESCRIPTIONS = {
    400: "The request could not be read.",
    401: "No bearer token, or an invalid, expired or ended one.",
    403: "The caller's role or organization may not do this.",
    404: "No such resource, or not one the caller may see.",
    409: "The resource's current state does not allow this, or the value is taken.",
    412: "`If-Match` does not match the resource's current `ETag`.",
    413: "The request body is larger than the limit.",
    415: "The body is not in a format this route reads.",
    422: "The request is not valid; `errors` names each field.",
    429: "Too many attempts; wait `Retry-After` seconds.",
}

_FIELD_ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["loc", "msg"],
    "properties": {
        "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"type": "string"},
        "type": {"type": "string"},
    },
}

_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with: `Bearer`.",
            "required": True,
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        }
    },
}


PROBLEM_REF = "#/components/schemas/Problem"

# Components every problem response refers to; app/openapi.py adds them to the document.
PROBLEM_COMPONENTS: dict[str, dict[str, Any]] = {
    "FieldError": {
        "title": "FieldError",
        **_FIELD_ERROR,
    },
    "Problem": {
        "title": "Problem",
        "description": "An RFC 9457 problem: every 4xx and 5xx answer. `title`, `detail` and each "
        "`errors[].msg` are in Chinese unless `Accept-Language` prefers English (`Content-Language` "
        "says which).",
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri", "description": "Names the kind of problem."},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string", "description": "What went wrong and what to do about it."},
            "errors": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/FieldError"},
                "description": "Validation problems (422) and conflicts (409), one per field.",
            },
            "retry_after": {
                "type": "integer",
                "minimum": 0,
                "description": "429: seconds to wait, as in the `Retry-After` header.",
            },
            "limit": {
                "type": "integer",
                "minimum": 0,
                "description": "409 at a cap (saved searches, lead subscriptions): how many the "
                "organization may hold.",
            },
        },
    },
}


def register_component(name: str, schema: dict[str, Any]) -> str:
    """Add a component problem responses refer to (a route's own problem shape); its $ref."""
    PROBLEM_COMPONENTS[name] = schema
    return f"#/components/schemas/{name}"


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entries for these problem statuses."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        response: dict[str, Any] = {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
        }
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        responses[status] = response
    return responses
