"""HTTP manners a phone, a WebView and a proxy expect, applied to every response in one place.

- `ETag` on every successful GET of JSON (single resources and list pages) and `304 Not Modified`
  for a matching `If-None-Match`, so a phone revalidates a screen for a few hundred bytes. A resource
  with a version ETag (`"demand-v3"`) keeps it as a prefix (`"demand-v3-<body hash>"`): `If-Match` on a
  later PATCH still checks the version, and the body hash tells apart what different viewers see.
- `Content-Language` (the language problems speak, from `Accept-Language`) and `Vary: Accept-Language`.
- `X-Content-Type-Options: nosniff` everywhere.
- `Cache-Control: private, no-cache` for authenticated requests (never stored by a shared cache, whatever
  the route says, unless it says `no-store`) and `no-cache` for anonymous ones (revalidate with the
  ETag), unless the route chose its own.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem
from app.i18n import negotiate

# Headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5); the body's own are dropped.
_KEEP_ON_304 = {
    "cache-control",
    "content-language",
    "content-location",
    "date",
    "etag",
    "expires",
    "vary",
    "x-content-type-options",
    "x-request-id",
}
# Nothing sensible gets a If-None-Match list longer than this; the rest is ignored.
_MAX_TAGS = 50


def body_etag(body: bytes, version_tag: str | None = None) -> str:
    """The strong ETag of a JSON body: its hash, after the resource's version tag when it has one."""
    digest = hashlib.blake2b(body, digest_size=8).hexdigest()
    if version_tag and version_tag.startswith('"') and version_tag.endswith('"'):
        return f'{version_tag[:-1]}-{digest}"'
    return f'"{digest}"'


def none_match(if_none_match: str, etag: str) -> bool:
    """Whether If-None-Match names this representation (weak comparison, RFC 9110 §13.1.2)."""
    value = if_none_match.strip()
    if value == "*":
        return True
    tags = [tag.strip().removeprefix("W/") for tag in value.split(",")[:_MAX_TAGS]]
    return etag.removeprefix("W/") in tags


class ClientHeadersMiddleware:
    """The headers every response carries, whoever answered it (a route, a problem, CORS, a 304)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        language = negotiate(request_headers.get("accept-language"))
        authenticated = "authorization" in request_headers

        async def send_decorated(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers.setdefault("Content-Language", language)
                headers.add_vary_header("Accept-Language")
                cache_control = headers.get("cache-control", "")
                if authenticated and "no-store" not in cache_control:
                    # Never stored by a shared cache, even where the route would allow it for everyone.
                    headers["Cache-Control"] = "private, no-cache"
                elif not cache_control:
                    headers["Cache-Control"] = "no-cache"
            await send(message)

        await self.app(scope, receive, send_decorated)


class ConditionalGetMiddleware:
    """ETag on successful JSON GETs, from the uncompressed body, and 304 for a matching If-None-Match."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if message["status"] == 200 and headers.get("content-type", "").startswith(
                    "application/json"
                ):
                    start = message  # held until the whole body is here
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            headers = MutableHeaders(scope=start)
            etag = body_etag(body, headers.get("etag"))
            headers["ETag"] = etag
            # Any JSON body may leave gzipped (app/main.py), a 304 included: caches keep them apart.
            headers.add_vary_header("Accept-Encoding")
            if if_none_match is not None and none_match(if_none_match, etag):
                kept = [(k, v) for k, v in start["headers"] if k.decode("latin-1").lower() in _KEEP_ON_304]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_wrapped)


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered as an RFC 9457 problem, like every other 4xx."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        zh = negotiate(request_headers.get("accept-language")) == "zh"
        refused = bytes(response.body).decode("utf-8", "replace")
        return problem(
            response.status_code,
            "跨域请求被拒绝" if zh else "Cross-origin request refused",
            (
                f"此来源、方法或请求头不在 CORS_ORIGINS 的允许范围内（{refused}）。"
                if zh
                else f"The origin, method or headers are not allowed by CORS_ORIGINS ({refused})."
            ),
            slug="cors-refused",
            headers={k: v for k, v in response.headers.items() if k.lower().startswith("access-control")},
        )
