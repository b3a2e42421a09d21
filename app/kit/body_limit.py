"""Cap request bodies (413) before they reach parsing, whether or not Content-Length is honest."""

from __future__ import annotations

import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PayloadTooLarge, problem
from app.i18n import negotiate


class BodyLimitMiddleware:
    """`overrides` maps a regular expression of paths (matched from the start) to their own cap."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, overrides: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = [(re.compile(pattern), limit) for pattern, limit in (overrides or {}).items()]

    def _limit_for(self, path: str) -> int:
        for pattern, limit in self.overrides:
            if pattern.match(path):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            accept_language = headers.get(b"accept-language")
            if negotiate(accept_language.decode("latin-1") if accept_language else None) == "zh":
                title = PayloadTooLarge.title_zh
                detail = f"请求体为 {int(declared)} 字节，此处的上限为 {limit} 字节。"
            else:
                title = PayloadTooLarge.title
                detail = f"The request body is {int(declared)} bytes; the limit here is {limit} bytes."
            response = problem(413, title, detail, slug=PayloadTooLarge.slug)
            await response(scope, receive, send)
            return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # FastAPI re-raises HTTPException from body reading (anything else becomes a 400).
                    raise HTTPException(413, f"The request body exceeds the limit of {limit} bytes.")
            return message

        await self.app(scope, limited_receive, send)
