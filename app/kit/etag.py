"""ETags from a row's version counter, and the If-Match check for PATCH."""

from __future__ import annotations

from fastapi import Response

from app.errors import PreconditionFailed


def etag_for(kind: str, version: int) -> str:
    return f'"{kind}-v{version}"'


def set_etag(response: Response, kind: str, version: int) -> None:
    response.headers["ETag"] = etag_for(kind, version)


def check_if_match(if_match: str | None, kind: str, version: int) -> None:
    """A stale If-Match means someone else changed the resource since the client read it: 412."""
    if if_match is None:
        return
    current = etag_for(kind, version)
    offered = [tag.strip().removeprefix("W/") for tag in if_match.split(",")[:50]]
    # A GET answers the version tag with its body's hash appended ("demand-v3-<hash>", app/kit/manners.py).
    versioned = current[:-1] + "-"
    if "*" not in offered and not any(tag == current or tag.startswith(versioned) for tag in offered):
        raise PreconditionFailed(
            f"The resource changed since you read it (current ETag {current}); GET it again and retry.",
            zh=f"该资源在你读取之后已被修改（当前 ETag 为 {current}）；请重新获取后再试。",
        )
