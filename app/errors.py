"""The AppError family and the one place that turns any error into an RFC 9457 problem."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://sichuan-renewal.example/problems/"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        import json

        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    errors: Sequence[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = list(errors)
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


class AppError(Exception):
    """A failure the client can act on. Subclasses set status, slug and title."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    # Some failures must still record something (a failed login, a replayed refresh token):
    # the request's transaction is then committed before the problem goes out.
    keeps_changes: ClassVar[bool] = False

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra

    def to_response(self) -> ProblemResponse:
        return problem(
            self.status, self.title, self.detail, slug=self.slug, headers=self.headers, **self.extra
        )


class InvalidInput(AppError):
    """422 pointing at one field, for checks that only the service can make (catalog codes, USCC)."""

    status = 422
    slug = "validation-error"
    title = "Request is not valid"

    def __init__(self, loc: Sequence[str | int], msg: str) -> None:
        super().__init__(
            f"{'.'.join(str(p) for p in loc)}: {msg}",
            errors=[{"loc": list(loc), "msg": msg, "type": "value_error"}],
        )


class Unauthorized(AppError):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str = "A valid bearer token is required.", **extra: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extra)


class Forbidden(AppError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(AppError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(AppError):
    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class PreconditionFailed(AppError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PayloadTooLarge(AppError):
    status = 413
    slug = "payload-too-large"
    title = "Request body too large"


class UnsupportedMediaType(AppError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class TooManyRequests(AppError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        entry: dict[str, Any] = {
            "loc": list(err.get("loc", ())),
            "msg": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        errors.append(entry)
    return errors


def install_handlers(app: FastAPI) -> None:
    """Register the one handler family: every 4xx/5xx leaves as application/problem+json."""

    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> ProblemResponse:
        return exc.to_response()

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> ProblemResponse:
        errors = _validation_errors(exc)
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
        return problem(
            422, "Request is not valid", f"Invalid fields: {fields}", slug="validation-error", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> ProblemResponse:
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI answers a body that is not UTF-8 with a bare 400; like any other unreadable JSON
            # (FastAPI's own json_invalid) it is a 422 about the body.
            msg = "The body is not valid UTF-8 JSON."
            errors = [{"loc": ["body"], "msg": msg, "type": "json_invalid"}]
            return problem(422, "Request is not valid", msg, slug="validation-error", errors=errors)
        titles = {
            404: ("Not found", NotFound.slug),
            405: ("Method not allowed", "method-not-allowed"),
            401: ("Authentication required", Unauthorized.slug),
            413: (PayloadTooLarge.title, PayloadTooLarge.slug),
        }
        title, slug = titles.get(exc.status_code, ("Request failed", f"http-{exc.status_code}"))
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404 and detail == "Not Found":
            detail = "No such resource or route."
        return problem(exc.status_code, title, detail, slug=slug, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        log.exception("request.unhandled_error", extra={"path": request.url.path})
        return problem(
            500,
            "Internal server error",
            "The server failed to handle this request; it has been logged. Try again later.",
            slug="internal-error",
        )
