"""The AppError family and the one place that turns any error into an RFC 9457 problem."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import psycopg
import psycopg.errors
import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import DEFAULT_LANGUAGE, Language, negotiate, validation_message

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
    """A failure the client can act on. Subclasses set status, slug and title (in both languages).

    `detail` is English; `zh` is the same sentence in Chinese, what the app's users read by default.
    """

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    title_zh: ClassVar[str] = "请求有误"
    # Some failures must still record something (a failed login, a replayed refresh token):
    # the request's transaction is then committed before the problem goes out.
    keeps_changes: ClassVar[bool] = False

    def __init__(
        self,
        detail: str,
        *,
        zh: str | None = None,
        headers: dict[str, str] | None = None,
        errors: Sequence[FieldError | Mapping[str, Any]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = zh
        self.headers = headers
        self.errors = list(errors) if errors is not None else None
        self.extra = extra

    def to_response(self, language: Language = DEFAULT_LANGUAGE) -> ProblemResponse:
        zh = language == "zh"
        errors = None
        if self.errors is not None:
            errors = [e.as_dict(language) if isinstance(e, FieldError) else dict(e) for e in self.errors]
        return problem(
            self.status,
            self.title_zh if zh else self.title,
            (self.detail_zh or self.detail) if zh else self.detail,
            slug=self.slug,
            headers=self.headers,
            errors=errors,
            **self.extra,
        )


@dataclass(frozen=True)
class FieldError:
    """One entry of a problem's `errors`: where, and what is wrong, in both languages."""

    loc: Sequence[str | int]
    msg: str
    zh: str | None = None
    type: str = "value_error"

    def as_dict(self, language: Language) -> dict[str, Any]:
        msg = (self.zh or self.msg) if language == "zh" else self.msg
        return {"loc": list(self.loc), "msg": msg, "type": self.type}


class InvalidInput(AppError):
    """422 pointing at one field, for checks that only the service can make (catalog codes, USCC)."""

    status = 422
    slug = "validation-error"
    title = "Request is not valid"
    title_zh = "请求内容无效"

    def __init__(self, loc: Sequence[str | int], msg: str, *, zh: str | None = None) -> None:
        where = ".".join(str(p) for p in loc)
        super().__init__(
            f"{where}: {msg}",
            zh=f"{where}：{zh}" if zh else None,
            errors=[FieldError(loc, msg, zh)],
        )


class InvalidFields(AppError):
    """422 naming several fields at once: `errors` holds a `FieldError` for each."""

    status = 422
    slug = "validation-error"
    title = "Request is not valid"
    title_zh = "请求内容无效"


class Unauthorized(AppError):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"
    title_zh = "需要登录"

    def __init__(
        self, detail: str = "A valid bearer token is required.", *, zh: str | None = None, **extra: Any
    ) -> None:
        if zh is None and detail == "A valid bearer token is required.":
            zh = "需要有效的访问令牌（Bearer）。"
        super().__init__(detail, zh=zh, headers={"WWW-Authenticate": "Bearer"}, **extra)


class Forbidden(AppError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"
    title_zh = "无权操作"


class NotFound(AppError):
    status = 404
    slug = "not-found"
    title = "Not found"
    title_zh = "未找到"


class Conflict(AppError):
    status = 409
    slug = "conflict"
    title = "Conflict with the current state"
    title_zh = "与当前状态冲突"


class PreconditionFailed(AppError):
    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"
    title_zh = "前提条件不满足"


class PayloadTooLarge(AppError):
    status = 413
    slug = "payload-too-large"
    title = "Request body too large"
    title_zh = "请求体过大"


class UnsupportedMediaType(AppError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"
    title_zh = "不支持的内容类型"


class TooManyRequests(AppError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"
    title_zh = "请求过于频繁"

    def __init__(self, detail: str, *, zh: str | None = None, retry_after: int) -> None:
        super().__init__(detail, zh=zh, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def _internal_error(language: Language) -> ProblemResponse:
    if language == "zh":
        return problem(
            500, "服务器内部错误", "服务器处理此请求失败，已记录日志。请稍后重试。", slug="internal-error"
        )
    return problem(
        500,
        "Internal server error",
        "The server failed to handle this request; it has been logged. Try again later.",
        slug="internal-error",
    )


# How long a client should wait before retrying while the database is unreachable (a restart or a
# failover usually takes seconds; the pool checks connections before use, so the service recovers alone).
DATABASE_RETRY_AFTER_SECONDS = 2


def database_unavailable(exc: BaseException) -> bool:
    """Whether this failure is the database being unreachable (restarting, failing over, pool exhausted)
    rather than a bug: those are answered 503 with Retry-After, not 500."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, sqlalchemy.exc.TimeoutError):  # no pooled connection came free in time
            return True
        if isinstance(current, psycopg.OperationalError) and not isinstance(
            current, psycopg.errors.QueryCanceled
        ):
            return True
        if isinstance(current, ConnectionError):
            return True
        current = current.__cause__ or current.__context__
    return False


def _database_unavailable_response(language: Language) -> ProblemResponse:
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)}
    if language == "zh":
        return problem(
            503,
            "服务暂时不可用",
            f"数据库暂时无法连接（可能正在重启），请 {DATABASE_RETRY_AFTER_SECONDS} 秒后重试。",
            slug="service-unavailable",
            headers=headers,
        )
    return problem(
        503,
        "Service unavailable",
        f"The database cannot be reached right now (it may be restarting); "
        f"retry in {DATABASE_RETRY_AFTER_SECONDS} seconds.",
        slug="service-unavailable",
        headers=headers,
    )


class UnhandledErrorMiddleware:
    """Turn an unexpected exception into the 500 problem *inside* the other middleware, so the 500 gets
    what every response gets (nosniff, Cache-Control, Content-Language, CORS, X-Request-ID); FastAPI's
    own catch-all answers from outside all of them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_watched)
        except Exception as exc:
            if started:
                raise  # a streamed response broke midway: nothing sensible can be sent any more
            language = negotiate(Headers(scope=scope).get("accept-language"))
            if database_unavailable(exc):
                log.warning("request.database_unavailable", extra={"path": scope.get("path")}, exc_info=True)
                await _database_unavailable_response(language)(scope, receive, send)
                return
            log.exception("request.unhandled_error", extra={"path": scope.get("path")})
            await _internal_error(language)(scope, receive, send)


def request_language(request: Request) -> Language:
    """The language this request's answer speaks (Accept-Language; Chinese by default)."""
    return negotiate(request.headers.get("accept-language"))


def _validation_errors(exc: RequestValidationError, language: Language) -> list[dict[str, Any]]:
    return [
        {
            "loc": list(err.get("loc", ())),
            "msg": validation_message(err, language),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


_HTTP_TITLES: dict[int, tuple[str, str, str]] = {
    401: (Unauthorized.title, Unauthorized.title_zh, Unauthorized.slug),
    404: (NotFound.title, NotFound.title_zh, NotFound.slug),
    405: ("Method not allowed", "不支持此方法", "method-not-allowed"),
    413: (PayloadTooLarge.title, PayloadTooLarge.title_zh, PayloadTooLarge.slug),
}


def install_handlers(app: FastAPI) -> None:
    """Register the one handler family: every 4xx/5xx leaves as application/problem+json."""

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> ProblemResponse:
        return exc.to_response(request_language(request))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        language = request_language(request)
        errors = _validation_errors(exc, language)
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
        if language == "zh":
            title, detail = InvalidInput.title_zh, f"以下字段无效：{fields}"
        else:
            title, detail = InvalidInput.title, f"Invalid fields: {fields}"
        return problem(422, title, detail, slug="validation-error", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        zh = request_language(request) == "zh"
        if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
            # FastAPI answers a body that is not UTF-8 with a bare 400; like any other unreadable JSON
            # (FastAPI's own json_invalid) it is a 422 about the body.
            msg = "请求体不是有效的 UTF-8 JSON。" if zh else "The body is not valid UTF-8 JSON."
            errors = [{"loc": ["body"], "msg": msg, "type": "json_invalid"}]
            title = InvalidInput.title_zh if zh else InvalidInput.title
            return problem(422, title, msg, slug="validation-error", errors=errors)
        en_title, zh_title, slug = _HTTP_TITLES.get(
            exc.status_code, ("Request failed", "请求失败", f"http-{exc.status_code}")
        )
        detail = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 404 and detail == "Not Found":
            detail = "没有这个资源或路径。" if zh else "No such resource or route."
        elif exc.status_code == 405 and detail == "Method Not Allowed":
            detail = "此路径不支持该请求方法。" if zh else "This route does not take that method."
        elif zh and exc.status_code == 413:
            detail = "请求体超过了大小限制。"
        elif zh and exc.status_code == 401:
            detail = "需要有效的访问令牌（Bearer）。"
        return problem(
            exc.status_code,
            zh_title if zh else en_title,
            detail,
            slug=slug,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        # Only what escapes UnhandledErrorMiddleware (an error in the outer middleware) gets here.
        log.exception("request.unhandled_error", extra={"path": request.url.path})
        return _internal_error(request_language(request))
