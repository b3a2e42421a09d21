"""Opaque search cursors: which engine and sort made them, and where to continue."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from search.engine import InvalidCursor


def encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        payload = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor("malformed cursor", zh="游标格式有误") from exc
    if not isinstance(payload, dict) or "e" not in payload:
        raise InvalidCursor("malformed cursor", zh="游标格式有误")
    return payload
