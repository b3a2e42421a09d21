"""A fast local webhook receiver for bench/leads.py, in its own process (uvicorn): answers 204 to every
POST and counts requests and distinct webhook-ids, served at GET /stats."""

from __future__ import annotations

from typing import Any

seen: set[str] = set()
counts = {"requests": 0}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        while (await receive()).get("more_body"):
            pass
        headers = dict(scope["headers"])
        counts["requests"] += 1
        seen.add(headers.get(b"webhook-id", b"").decode())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    body = f'{{"requests": {counts["requests"]}, "distinct_ids": {len(seen)}}}'.encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": body})
