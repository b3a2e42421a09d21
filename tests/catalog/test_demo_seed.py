"""`python -m app seed --demo` into a database of its own: counts, spread, statuses, idempotence, and
demo data that cannot be taken for real (no real bank's name beside invented loan rates)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from seed.catalog import DATA_DIR
from tests.fixtures.cli import CHEAP_HASH_SETTINGS, run_cli

# Brands of real banks in China and in Sichuan (national, joint-stock, policy, city and rural banks):
# no demo bank may carry one.
REAL_BANK_BRANDS = (
    "工商",
    "农业银行",
    "中国银行",
    "建设银行",
    "交通银行",
    "邮政储蓄",
    "邮储",
    "国家开发",
    "国开行",
    "进出口",
    "农业发展",
    "招商",
    "兴业",
    "浦发",
    "浦东发展",
    "中信",
    "光大",
    "民生",
    "平安",
    "华夏",
    "广发",
    "浙商",
    "渤海",
    "恒丰",
    "成都银行",
    "四川银行",
    "天府银行",
    "商业银行",
    "农商",
    "农村商业",
    "村镇银行",
    "信用社",
    "富民",
    "重庆银行",
    "北京银行",
    "上海银行",
)


def _vocabulary() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(DATA_DIR) / "demo_vocabulary.json").read_text(encoding="utf-8"))
    return data


def test_demo_bank_names_are_fictional_and_carry_no_real_brand() -> None:
    vocabulary = _vocabulary()
    names: list[str] = vocabulary["bank_names"]
    assert len(names) >= 10
    for name in names:
        assert name.endswith("（虚构）"), name
        assert not [brand for brand in REAL_BANK_BRANDS if brand in name], name
    assert "不使用任何真实银行的名称" in vocabulary["source"]  # and the vocabulary says so


def _facts(url: str) -> dict[str, object]:
    engine = create_engine(url)
    with engine.connect() as conn:

        def one(sql: str) -> int:
            return int(conn.execute(text(sql)).scalar_one())

        facts = {
            "enterprises": one("SELECT count(*) FROM organizations WHERE kind = 'enterprise'"),
            "suppliers": one("SELECT count(*) FROM organizations WHERE kind = 'supplier'"),
            "providers": one("SELECT count(*) FROM organizations WHERE kind = 'provider'"),
            "banks": one("SELECT count(*) FROM organizations WHERE kind = 'bank'"),
            "products": one("SELECT count(*) FROM products"),
            "demands": one("SELECT count(*) FROM demands"),
            # Every 市州 (a demand in a 区县 counts in its 市州).
            "demand_regions": one("SELECT count(DISTINCT left(region_code, 4)) FROM demands"),
            "county_enterprises": one(
                "SELECT count(*) FROM organizations o JOIN regions r ON r.code = o.region_code "
                "WHERE o.kind = 'enterprise' AND r.level = 'county'"
            ),
            "operators": one("SELECT count(*) FROM users WHERE operator_level IS NOT NULL"),
            "operator_levels": set(
                conn.execute(
                    text("SELECT DISTINCT operator_level FROM users WHERE operator_level IS NOT NULL")
                ).scalars()
            ),
            "above_size": one("SELECT count(*) FROM organizations WHERE above_designated_size"),
            "inventory_items": one("SELECT count(*) FROM equipment_items"),
            "diagnosis_statuses": set(conn.execute(text("SELECT DISTINCT status FROM diagnoses")).scalars()),
            "plan_items": one("SELECT count(*) FROM plan_items"),
            "experts": one("SELECT count(*) FROM experts"),
            "demand_industries": one("SELECT count(DISTINCT industry_code) FROM demands"),
            "product_categories": one("SELECT count(DISTINCT category_code) FROM products"),
            "demand_statuses": set(conn.execute(text("SELECT DISTINCT status FROM demands")).scalars()),
            "product_statuses": set(conn.execute(text("SELECT DISTINCT status FROM products")).scalars()),
            "financing_products": one("SELECT count(*) FROM financing_products"),
            "users": one("SELECT count(*) FROM users"),
        }
    engine.dispose()
    return facts


def _organizations(url: str) -> list[tuple[str, str, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, name, description FROM organizations WHERE kind <> 'admin'"))
        found = [(str(r[0]), str(r[1]), str(r[2])) for r in rows]
    engine.dispose()
    return found


async def _public_financing_products(url: str) -> list[dict[str, Any]]:
    """What the API shows anyone: the demo banks' loan products, with their banks' names."""
    settings = Settings(
        _env_file=None,
        app_env="test",
        database_url=url,
        secret_key="x" * 48,
        log_json=False,
        **CHEAP_HASH_SETTINGS,  # type: ignore[arg-type]
    )
    engine = make_engine(url, pool_size=2)
    try:
        app = create_app(settings, sessionmaker=make_sessionmaker(engine))
        transport = httpx.ASGITransport(app=app)
        items: list[dict[str, Any]] = []
        async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as client:
            cursor: str | None = None
            while True:
                params: dict[str, str | int] = {"limit": 100}
                if cursor:
                    params["cursor"] = cursor
                response = await client.get("/financing-products", params=params)
                assert response.status_code == 200, response.text
                body = response.json()
                items += body["items"]
                cursor = body["next_cursor"]
                if cursor is None:
                    return items
    finally:
        await engine.dispose()


async def _assert_reads_as_fictional(url: str) -> None:
    organizations = await asyncio.to_thread(_organizations, url)
    for kind, name, description in organizations:
        assert name.endswith("（虚构）"), name
        assert description.startswith("演示数据，虚构"), (name, description)
        if kind == "bank":
            assert not [brand for brand in REAL_BANK_BRANDS if brand in name], name
    products = await _public_financing_products(url)
    assert len(products) >= 20
    for product in products:
        assert product["name"].endswith("（演示）"), product["name"]
        assert product["description"].startswith("演示数据，虚构"), product["description"]
        assert "虚构" in product["bank"]["name"]
        assert not [brand for brand in REAL_BANK_BRANDS if brand in product["bank"]["name"]]


async def test_demo_marketplace_is_realistic_and_loads_once(scratch_database: str) -> None:
    first = await asyncio.to_thread(run_cli, scratch_database, "seed", "--demo")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "products" in first.stderr and "2000/2000" in first.stderr  # the progress bar
    facts = await asyncio.to_thread(_facts, scratch_database)
    assert facts["enterprises"] == 300 and facts["suppliers"] == 120
    assert facts["providers"] == 40 and facts["banks"] == 10
    assert facts["products"] == 2000 and facts["demands"] == 1000
    assert facts["demand_regions"] == 21
    assert facts["demand_industries"] >= 25  # type: ignore[operator]
    assert facts["product_categories"] >= 100  # type: ignore[operator]
    assert {"draft", "published", "contracted"} <= facts["demand_statuses"]  # type: ignore[operator]
    assert {"draft", "pending_review", "listed"} <= facts["product_statuses"]  # type: ignore[operator]
    assert facts["financing_products"] >= 20  # type: ignore[operator]
    # The service network: operators at each level, enterprises in 区县, profiles, inventories, diagnoses.
    assert facts["operators"] == 6 and facts["operator_levels"] == {"province", "city", "county"}
    assert facts["county_enterprises"] >= 50  # type: ignore[operator]
    assert 120 <= facts["above_size"] <= 240  # type: ignore[operator]
    assert facts["inventory_items"] >= 100  # type: ignore[operator]
    assert {"planned", "visited", "plan_drafted", "delivered"} <= facts["diagnosis_statuses"]  # type: ignore[operator]
    assert facts["plan_items"] >= 10 and facts["experts"] >= 5  # type: ignore[operator]
    await _assert_reads_as_fictional(scratch_database)
    second = await asyncio.to_thread(run_cli, scratch_database, "seed", "--demo")
    assert second.returncode == 0
    assert "already loaded" in second.stdout
    assert await asyncio.to_thread(_facts, scratch_database) == facts
