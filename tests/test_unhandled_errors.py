"""An unexpected failure is a 500 problem that still carries every header the contract promises."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.main import create_app


async def _boom() -> None:
    raise RuntimeError("a bug")


async def test_a_500_is_a_chinese_problem_with_nosniff_cache_control_cors_and_request_id(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    app = create_app(
        settings.model_copy(update={"cors_origins": ["https://h5.example.cn"]}), sessionmaker=sessionmaker
    )
    app.add_api_route("/api/v1/test-boom", _boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
        response = await client.get(
            "/test-boom", headers={"Origin": "https://h5.example.cn", "Authorization": "Bearer x"}
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "服务器内部错误"
    assert "a bug" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-language"] == "zh"
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["access-control-allow-origin"] == "https://h5.example.cn"
    assert response.headers["x-request-id"]
