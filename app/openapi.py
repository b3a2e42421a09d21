"""The OpenAPI document as client generators need it, built once from FastAPI's.

FastAPI's document is right about shapes but leaves what generators stumble on: enums inline (each
generator invents its own name, or none), `security` on routes whose token is optional, no servers,
and the headers the middleware sends undocumented. This pass fixes those in one place:

- every enum becomes a `$ref` to the component named in `app/catalog/labels.py` (an enum missing
  there is an error, so every value the API uses has a label);
- every 4xx/5xx response references the one `Problem` component (app/kit/problems.py);
- `security` says what each operation really needs: a bearer token, an optional one, or none;
- `ETag` and `304` on JSON GETs, `Location` and `Idempotent-Replayed` on the creates that send them;
- JSON-Schema keywords only (pydantic's decimal constraints leak as `max_digits` and friends);
- request schemas carry their defaults in the description, not as `default`: generators such as
  openapi-typescript read a `default` on a component's property as "always present", which is true of
  what the server sends and false of what a client may omit, so a client would be made to send every
  optional field. The server applies the defaults either way.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from app.catalog.labels import ENUMS, LABEL_ONLY, component_for
from app.kit.problems import PROBLEM_COMPONENTS

SCHEME = "OAuth2PasswordBearer"

# Creates that answer 201 with a Location header (app/kit/idempotency.py, the register route).
CREATES_WITH_LOCATION = frozenset(
    {
        "register",
        "create_demand",
        "create_product",
        "create_financing_product",
        "create_quote",
        "create_lead_subscription",
    }
)

_HEADER_DOCS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": "The representation's validator: send it back as `If-None-Match` (304 when "
        "unchanged) or, on a resource, as `If-Match` on PATCH (412 when someone changed it since).",
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "The path of the created resource.",
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored response of an earlier request with the same "
        "`Idempotency-Key`.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}

_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An `ETag` from an earlier answer: 304 with no body when it still matches.",
    "schema": {"type": "string"},
}

# pydantic's own constraint names that are not JSON Schema, and what they are in JSON Schema if anything.
_NON_SCHEMA_KEYS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
_DROPPED_KEYS = {"max_digits", "decimal_places"}


def _auth_of(dependant: Dependant, required: Callable[..., Any], optional: Callable[..., Any]) -> str:
    found = "none"
    for dependency in dependant.dependencies:
        if dependency.call is required:
            return "required"
        if dependency.call is optional:
            found = "optional"
        deeper = _auth_of(dependency, required, optional)
        if deeper == "required":
            return "required"
        if deeper == "optional":
            found = "optional"
    return found


def _api_routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those as one route each)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes)


def _enum_refs(node: Any, path: str) -> Any:
    """Replace each inline string enum by a `$ref` to its labelled component."""
    if isinstance(node, list):
        return [_enum_refs(item, f"{path}[{i}]") for i, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    if "enum" in node and "$ref" not in node and not path.endswith("/Idempotent-Replayed/schema"):
        values = [str(v) for v in node["enum"]]
        name = component_for(values)
        if name is None:
            raise RuntimeError(
                f"the enum {values} at {path} has no labels: add it to app/catalog/labels.py ENUMS"
            )
        ref: dict[str, Any] = {"$ref": f"#/components/schemas/{name}"}
        for keep in ("description", "default"):
            if keep in node:
                ref[keep] = node[keep]
        return ref
    cleaned: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED_KEYS:
            continue
        if key in _NON_SCHEMA_KEYS and not isinstance(value, dict) and "properties" not in node:
            cleaned.setdefault(_NON_SCHEMA_KEYS[key], value)
            continue
        cleaned[key] = _enum_refs(value, f"{path}/{key}")
    return cleaned


def _refs_in(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= _refs_in(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs_in(value)
    return found


def _defaults_into_descriptions(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    pending = set()
    for path_item in document["paths"].values():
        for operation in path_item.values():
            pending |= _refs_in(operation.get("requestBody", {}))
    inputs: set[str] = set()
    while pending:
        name = pending.pop()
        if name in inputs or name not in schemas:
            continue
        inputs.add(name)
        pending |= _refs_in(schemas[name])
    for name in inputs:
        for prop in schemas[name].get("properties", {}).values():
            if "default" in prop:
                default = prop.pop("default")
                note = f"Default: `{json.dumps(default, ensure_ascii=False)}`."
                prop["description"] = f"{prop['description']} {note}" if prop.get("description") else note


def _enum_components() -> dict[str, Any]:
    components: dict[str, Any] = {}
    for name, labels in ENUMS.items():
        if name in LABEL_ONLY:
            continue
        components[name] = {
            "title": name,
            "type": "string",
            "enum": list(labels),
            "description": "；".join(f"`{value}` {zh}" for value, (zh, _en) in labels.items())
            + "（labels: `GET /api/v1/catalog/labels`）",
        }
    return components


def build_openapi(
    app: FastAPI, *, required: Callable[..., Any], optional: Callable[..., Any]
) -> dict[str, Any]:
    """FastAPI's document, made consumable by generators (see the module docstring)."""
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    document["servers"] = [{"url": "/", "description": "This server (paths carry /api/v1)."}]
    document["info"]["license"] = {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"}
    document["security"] = [{SCHEME: []}]
    schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[SCHEME]["description"] = (
        "`POST /api/v1/auth/token` (or `/auth/refresh`) gives an access token; send it as "
        "`Authorization: Bearer <token>`."
    )

    auth_by_operation = {
        route.operation_id or route.name: _auth_of(route.dependant, required, optional)
        for route in _api_routes(app.routes)
    }

    for path_item in document["paths"].values():
        for method, operation in path_item.items():
            operation_id = operation["operationId"]
            auth = auth_by_operation.get(operation_id, "none")
            operation["security"] = {
                "required": [{SCHEME: []}],
                "optional": [{}, {SCHEME: []}],
                "none": [],
            }[auth]
            responses = operation["responses"]
            idempotent = any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
            created = responses.get("201")
            if created is not None:
                headers = created.setdefault("headers", {})
                if operation_id in CREATES_WITH_LOCATION:
                    headers["Location"] = {**_HEADER_DOCS["Location"], "required": True}
                if idempotent:
                    headers["Idempotent-Replayed"] = _HEADER_DOCS["Idempotent-Replayed"]
            ok = responses.get("200")
            if method == "get" and ok is not None and "application/json" in ok.get("content", {}):
                ok.setdefault("headers", {})["ETag"] = {**_HEADER_DOCS["ETag"], "required": True}
                responses["304"] = {
                    "description": "Not modified: `If-None-Match` names the current `ETag`. No body.",
                    "headers": {"ETag": _HEADER_DOCS["ETag"]},
                }
                operation.setdefault("parameters", []).append(copy.deepcopy(_IF_NONE_MATCH))

    schemas = document["components"].setdefault("schemas", {})
    _add_components(schemas, PROBLEM_COMPONENTS)
    _drop_model_enums(schemas)
    document = dict(_enum_refs(document, "#"))
    _defaults_into_descriptions(document)
    _add_components(document["components"]["schemas"], _enum_components())
    return document


def _drop_model_enums(schemas: dict[str, Any]) -> None:
    """Pydantic's own component for a `StrEnum` (app/kernel.py) gives way to the labelled one of the
    same name, which must list the same values."""
    for name, labels in ENUMS.items():
        schema = schemas.get(name)
        if schema is None or "enum" not in schema:
            continue
        if frozenset(str(v) for v in schema["enum"]) != frozenset(labels):
            raise RuntimeError(f"the enum {name} and its labels in app/catalog/labels.py list other values")
        del schemas[name]


def _add_components(schemas: dict[str, Any], components: dict[str, Any]) -> None:
    for name, schema in components.items():
        if name in schemas and schemas[name] != schema:
            raise RuntimeError(f"component name {name} is taken by a model; rename one of them")
        schemas[name] = copy.deepcopy(schema)


def install(app: FastAPI, *, required: Callable[..., Any], optional: Callable[..., Any]) -> None:
    """Serve the built document at the app's openapi_url (built on first request, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app, required=required, optional=optional)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
