"""GET /admin/dashboard: the statistics as charts, checked in the HTML and rendered by headless Chromium."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from app.stats import dashboard
from tests.fixtures.factories import Account

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", PROJECT_ROOT / "test-output"))


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return int(hex_color[1:3], 16), int(hex_color[3:5], 16), int(hex_color[5:7], 16)


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; .ci/run installs Debian's chromium package")
        pytest.skip("chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    return found


async def page(client: httpx.AsyncClient, admin: Account, **params: Any) -> httpx.Response:
    response = await client.get("/admin/dashboard", headers=admin.headers, params=params)
    assert response.status_code == 200, response.text
    return response


class TestDashboard:
    async def test_the_page_draws_the_overview(
        self, client: httpx.AsyncClient, admin: Account, cohort: dict[str, dict[str, Any]]
    ) -> None:
        response = await page(client, admin)
        assert response.headers["content-type"].startswith("text/html")
        assert "script-src" not in response.headers["content-security-policy"]
        assert "default-src 'none'" in response.headers["content-security-policy"]
        html = response.text
        region_chart = html[
            html.index('id="chart-region"') : html.index("</svg>", html.index('id="chart-region"'))
        ]
        rows = re.findall(r'data-code="(\d{6})" data-demands="(\d+)"', region_chart)
        assert len(rows) == 21 and dict(rows)["510100"] == "1" and dict(rows)["511100"] == "3"
        assert "成都市" in region_chart and "乐山市" in region_chart
        assert "4 项" in html and "2,100.0 万元" in html  # demands posted and their budget ceilings
        assert "900.0 万元" in html  # contracted
        for code in ("equipment_investment", "key_process_nc_rate", "digital_rd_tool_penetration"):
            assert f'class="target" data-code="{code}"' in html
        assert "6,000.00 亿元" in html and "平台不采集" in html
        assert html.count('class="month"') >= 1

    async def test_filters_and_bad_input(self, client: httpx.AsyncClient, admin: Account) -> None:
        chengdu = (await page(client, admin, region_code="510100")).text
        assert "成都市 · 全部时间" in chengdu and chengdu.count('class="bar-row"') == 1 + 5
        assert "这段时间还没有发布的需求" in chengdu
        bad = await client.get("/admin/dashboard", headers=admin.headers, params={"region_code": "999999"})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")

    async def test_headless_chromium_renders_the_charts(
        self, client: httpx.AsyncClient, admin: Account, cohort: dict[str, dict[str, Any]], tmp_path: Path
    ) -> None:
        chromium = _chromium()
        html = (await page(client, admin)).text
        screenshot, dom = await asyncio.to_thread(_render, chromium, html, tmp_path)
        # Chromium's own DOM: the SVG charts parsed as elements (21 cities, 5 tasks, 2 sectors).
        assert dom.count('class="bar-row"') == 21 + 5 + 2
        with Image.open(screenshot) as image:
            assert image.size == (1200, 2600)
            colours = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
        counts: dict[Any, int] = {colour: n for n, colour in colours}
        # The bars are drawn: large areas of the posted and contracted colours, and the target's green.
        assert counts.get(_rgb(dashboard.POSTED), 0) > 5_000
        assert counts.get(_rgb(dashboard.CONTRACTED), 0) > 1_000
        assert counts.get(_rgb(dashboard.TARGET), 0) > 20
        # Text is drawn: dark pixels are plentiful.
        assert sum(n for (r, g, b), n in counts.items() if r + g + b < 200) > 10_000


def _render(chromium: str, html: str, tmp_path: Path) -> tuple[Path, str]:
    """Screenshot the page into the test output folder (not the repository) and dump Chromium's DOM."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    source, screenshot = OUTPUT / "dashboard.html", OUTPUT / "dashboard.png"
    source.write_text(html, encoding="utf-8")
    screenshot.unlink(missing_ok=True)
    common = [
        chromium,
        "--headless",
        "--no-sandbox",  # root in CI containers
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    shot = subprocess.run(  # noqa: S603 - our own arguments
        [*common, "--window-size=1200,2600", f"--screenshot={screenshot}", source.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.returncode == 0 and screenshot.exists(), shot.stderr.decode(errors="replace")[-2000:]
    dom = subprocess.run(  # noqa: S603
        [*common, "--dump-dom", source.as_uri()], capture_output=True, timeout=120, check=True
    )
    return screenshot, dom.stdout.decode()
