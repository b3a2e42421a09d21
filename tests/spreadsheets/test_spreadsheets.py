"""Spreadsheet export of the three lists and all-or-nothing import of demands and products."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.demand import Demand
from app.models.organization import Organization
from app.models.product import Product, ProductReview
from tests.fixtures.factories import (
    Account,
    listed_product,
    published_demand,
    register_account,
    vetted_account,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEXT_YEAR = datetime.now(UTC).date().replace(day=1) + timedelta(days=400)

DEMAND_HEADERS = [
    "统一社会信用代码",
    "需求名称",
    "重点任务",
    "所属行业",
    "所在市州",
    "设备类别",
    "预算下限（元）",
    "预算上限（元）",
    "计划开工日期",
    "需要设备",
    "融资金额（元）",
    "融资期限（月）",
]
PRODUCT_HEADERS = [
    "统一社会信用代码",
    "产品名称",
    "型号",
    "设备类别",
    "价格下限（元）",
    "价格上限（元）",
    "四川造",
    "服务市州",
    "认证",
]


@pytest.fixture(autouse=True)
def _english(client: httpx.AsyncClient) -> None:
    """These tests pin the importer's English wording; Chinese, the default, is pinned for problems in
    general in tests/test_client_manners.py."""
    client.headers["Accept-Language"] = "en"


def workbook(headers: list[str], rows: list[list[Any]], *, tweak: Any = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    if tweak is not None:
        tweak(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def upload(
    client: httpx.AsyncClient,
    admin: Account,
    list_name: str,
    content: bytes,
    *,
    language: str | None = None,
    **params: Any,
) -> httpx.Response:
    """`language`, when given, is this request's Accept-Language (the module's client sends `en`)."""
    headers = dict(admin.headers)
    if language is not None:
        headers["Accept-Language"] = language
    return await client.post(
        f"/admin/imports/{list_name}",
        headers=headers,
        params=params,
        files={"file": ("清单.xlsx", content, XLSX)},
    )


async def uscc_of(db: AsyncSession, account: Account) -> str:
    uscc = await db.scalar(select(Organization.uscc).where(Organization.id == account.organization_id))
    assert uscc is not None
    return uscc


async def count(db: AsyncSession, model: Any, account: Account) -> int:
    return int(
        await db.scalar(
            select(func.count()).select_from(model).where(model.organization_id == account.organization_id)
        )
        or 0
    )


def demand_row(uscc: str, title: str, **over: Any) -> list[Any]:
    values = {
        "统一社会信用代码": uscc,
        "需求名称": title,
        "重点任务": "智改数转",
        "所属行业": "C3825 光伏设备及元器件制造",
        "所在市州": "乐山市",
        "设备类别": "photovoltaic.monocrystal_furnace",
        "预算下限（元）": 1_000_000,
        "预算上限（元）": "3,000,000",
        "计划开工日期": datetime.combine(NEXT_YEAR, datetime.min.time()),
        "需要设备": "是",
        "融资金额（元）": 2_000_000,
        "融资期限（月）": 36,
    }
    values.update(over)
    return [values[h] for h in DEMAND_HEADERS]


class TestExport:
    async def test_the_demand_list_with_chinese_headers_and_names(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account
    ) -> None:
        demand = await published_demand(client, enterprise)
        response = await client.get("/admin/exports/demands", headers=admin.headers)
        assert response.status_code == 200
        assert response.headers["content-type"] == XLSX
        assert "filename*=UTF-8''%E8%AE%BE%E5%A4%87" in response.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        assert sheet.title == "设备更新需求清单"
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:4] == ("需求编号", "企业名称", "统一社会信用代码", "需求名称")
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["需求编号"] == demand["id"] and row["需求名称"] == demand["title"]
        assert row["所在市州"] == "乐山市" and row["重点任务"] == "生产产线整体升级技改"
        assert row["所属行业"] == "C3825 光伏设备及元器件制造"
        assert row["预算上限（元）"] == 12_000_000 and row["融资金额（元）"] == 5_000_000
        assert row["状态"] == "已发布" and isinstance(row["发布时间"], datetime)

    async def test_products_and_providers(
        self, client: httpx.AsyncClient, admin: Account, supplier: Account
    ) -> None:
        product = await listed_product(client, supplier, admin)
        await vetted_account(client, admin, "provider")
        products = load_workbook(
            io.BytesIO((await client.get("/admin/exports/products", headers=admin.headers)).content)
        ).worksheets[0]
        header, first = list(products.iter_rows(values_only=True))[:2]
        row = dict(zip(header, first, strict=True))
        assert row["产品编号"] == product["id"] and row["状态"] == "已上架" and row["四川造已核实"] == "是"
        assert row["服务市州"] == "成都市、乐山市"
        providers = (await client.get("/admin/exports/providers", headers=admin.headers)).content
        header, first = list(load_workbook(io.BytesIO(providers)).worksheets[0].iter_rows(values_only=True))[
            :2
        ]
        assert header[:3] == ("机构编号", "机构名称", "统一社会信用代码") and first[12] == "已审核"

    async def test_an_unknown_list_is_a_422(self, client: httpx.AsyncClient, admin: Account) -> None:
        response = await client.get("/admin/exports/banks", headers=admin.headers)
        assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["path", "list_name"]


class TestImportDemands:
    async def test_dry_run_then_import_as_drafts(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, db: AsyncSession
    ) -> None:
        uscc = await uscc_of(db, enterprise)
        content = workbook(
            DEMAND_HEADERS,
            [
                demand_row(uscc, "数控化改造一期"),
                demand_row(
                    uscc.lower(),
                    "环保改造",
                    重点任务="environmental",
                    所在市州="510100",
                    **{"融资金额（元）": None},
                    **{"融资期限（月）": None},
                ),
                [None] * len(DEMAND_HEADERS),  # empty rows are skipped
                demand_row(uscc, "单晶炉更新", 设备类别="大热场单晶炉"),
            ],
        )
        dry = await upload(client, admin, "demands", content, dry_run="true")
        assert dry.status_code == 200, dry.text
        assert dry.json() | {} == {
            "list": "demands",
            "dry_run": True,
            "rows": 3,
            "accepted": 3,
            "rejected": 0,
            "errors": [],
            "errors_truncated": False,
            "imported": 0,
        }
        assert await count(db, Demand, enterprise) == 0

        done = await upload(client, admin, "demands", content)
        assert done.status_code == 201 and done.json()["imported"] == 3
        stored = {
            d.title: d
            for d in await db.scalars(
                select(Demand).where(Demand.organization_id == enterprise.organization_id)
            )
        }
        assert set(stored) == {"数控化改造一期", "环保改造", "单晶炉更新"}
        first = stored["数控化改造一期"]
        assert (first.status, first.task_type, first.industry_code, first.region_code) == (
            "draft",
            "smart_digital",
            "C3825",
            "511100",
        )
        assert first.category_codes == ["photovoltaic.monocrystal_furnace"]
        assert (first.budget_max_cny, first.expected_start, first.financing_amount_cny) == (
            3_000_000,
            NEXT_YEAR,
            2_000_000,
        )
        assert first.share_with_banks is False  # consent is the enterprise's own to give
        assert stored["环保改造"].region_code == "510100" and stored["环保改造"].financing_amount_cny is None
        assert stored["单晶炉更新"].category_codes == ["photovoltaic.monocrystal_furnace"]
        # The enterprise sees its drafts and can publish them.
        publish = await client.post(f"/demands/{first.id}/publish", headers=enterprise.headers)
        assert publish.status_code == 200, publish.text

        again = await upload(client, admin, "demands", content)
        assert again.status_code == 422
        assert {(e["row"], e["field"]) for e in again.json()["errors"]} == {
            (2, "需求名称"),
            (3, "需求名称"),
            (5, "需求名称"),
        }
        assert await count(db, Demand, enterprise) == 3

    async def test_every_bad_cell_is_reported_and_nothing_is_imported(
        self,
        client: httpx.AsyncClient,
        admin: Account,
        enterprise: Account,
        supplier: Account,
        db: AsyncSession,
    ) -> None:
        uscc = await uscc_of(db, enterprise)

        def tweak(sheet: Any) -> None:
            sheet["G4"] = "=1000*1000"  # a formula in 预算下限
            sheet.merge_cells("B8:C8")

        rows = [
            demand_row(uscc, "合格的一行"),
            demand_row(uscc, "日期是文本", 计划开工日期="2027-03-01"),
            demand_row(uscc, "有公式"),
            demand_row(uscc, "未知市州", 所在市州="重庆市", **{"预算上限（元）": 12.5}),
            demand_row(uscc, "合格的一行"),
            demand_row(await uscc_of(db, supplier), "不是企业"),
            demand_row(uscc, "合并单元格"),
            demand_row(uscc, "预算倒挂", **{"预算下限（元）": 5_000_000}, **{"预算上限（元）": 1_000_000}),
            demand_row("91510100MA0000000X", "", 需要设备="也许", **{"融资期限（月）": None}),
        ]
        content = workbook(DEMAND_HEADERS, rows, tweak=tweak)
        response = await upload(client, admin, "demands", content)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["type"].endswith("/import-rejected") and "Nothing was imported" in body["detail"]
        assert (body["rows"], body["accepted"], body["rejected"]) == (9, 1, 8)
        found = {(e["row"], e["field"], e["column"]) for e in body["errors"]}
        assert {
            (3, "计划开工日期", "I"),
            (4, "预算下限（元）", "G"),
            (5, "所在市州", "E"),
            (5, "预算上限（元）", "H"),
            (6, "需求名称", "B"),
            (7, "统一社会信用代码", "A"),
            (8, "需求名称", "B"),
            (9, "预算上限（元）", "H"),
            (10, "统一社会信用代码", "A"),
            (10, "需求名称", "B"),
            (10, "需要设备", "J"),
            (10, "融资期限（月）", "L"),
        } <= found
        messages = {(e["row"], e["field"]): e["msg"] for e in body["errors"]}
        assert "is text" in messages[(3, "计划开工日期")] and "formula" in messages[(4, "预算下限（元）")]
        assert (
            "duplicates row 2" in messages[(6, "需求名称")]
            and "merged cells B8:C8" in messages[(8, "需求名称")]
        )
        assert (
            "whole number" in messages[(5, "预算上限（元）")]
            and "unknown region" in messages[(5, "所在市州")]
        )
        assert (
            "not a enterprise" in messages[(7, "统一社会信用代码")]
            or "supplier" in messages[(7, "统一社会信用代码")]
        )
        assert await count(db, Demand, enterprise) == 0

        dry = await upload(client, admin, "demands", content, dry_run="true")
        assert dry.status_code == 200 and dry.json()["errors"] == body["errors"]

    async def test_wrong_headers(self, client: httpx.AsyncClient, admin: Account) -> None:
        headers = [h for h in DEMAND_HEADERS if h != "所在市州"] + ["备注", "需求名称"]
        response = await upload(client, admin, "demands", workbook(headers, [["x"] * len(headers)]))
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert {(e["row"], e["field"]) for e in errors} == {(1, "备注"), (1, "需求名称"), (1, "所在市州")}
        assert response.json()["rows"] == 0

    async def test_an_empty_sheet_is_rejected(self, client: httpx.AsyncClient, admin: Account) -> None:
        response = await upload(client, admin, "demands", workbook(DEMAND_HEADERS, []))
        assert response.status_code == 422 and "no data rows" in response.json()["detail"]


class TestImportProducts:
    async def test_products_come_in_listed_with_a_review(
        self, client: httpx.AsyncClient, admin: Account, supplier: Account, db: AsyncSession
    ) -> None:
        uscc = await uscc_of(db, supplier)
        rows = [
            [
                uscc,
                "高效篦冷机",
                "GL-3",
                "高效篦冷机",
                500_000,
                900_000,
                "是",
                "成都市、510600",
                "CCC；ISO 9001",
            ],
            [
                uscc,
                "大热场单晶炉",
                "TDR-9",
                "photovoltaic.monocrystal_furnace",
                1_000_000,
                2_000_000,
                "否",
                None,
                None,
            ],
        ]
        response = await upload(client, admin, "products", workbook(PRODUCT_HEADERS, rows))
        assert response.status_code == 201, response.text
        products = {
            p.model: p
            for p in await db.scalars(
                select(Product).where(Product.organization_id == supplier.organization_id)
            )
        }
        cooler = products["GL-3"]
        assert (cooler.status, cooler.made_in_sichuan_verified) == ("listed", True)
        assert cooler.service_region_codes == ["510100", "510600"] and cooler.certifications == [
            "CCC",
            "ISO 9001",
        ]
        assert products["TDR-9"].service_region_codes == []  # empty: the whole province
        reviews = await db.scalar(
            select(func.count()).select_from(ProductReview).where(ProductReview.product_id == cooler.id)
        )
        assert reviews == 1
        public = await client.get(f"/products/{cooler.id}")
        assert public.status_code == 200 and public.json()["status"] == "listed"

    async def test_only_vetted_suppliers_and_no_repeats(
        self, client: httpx.AsyncClient, admin: Account, supplier: Account, db: AsyncSession
    ) -> None:
        pending = await register_account(client, "supplier")
        await listed_product(client, supplier, admin, model="TDR-120")
        rows = [
            [
                await uscc_of(db, pending),
                "单晶炉",
                "X-1",
                "photovoltaic.monocrystal_furnace",
                1,
                2,
                "否",
                None,
                None,
            ],
            [
                await uscc_of(db, supplier),
                "单晶炉",
                "TDR-120",
                "photovoltaic.monocrystal_furnace",
                1,
                2,
                "否",
                None,
                None,
            ],
            [await uscc_of(db, supplier), "单晶炉", "Y-1", "no.such.category", 1, 2, "否", None, None],
            [
                await uscc_of(db, supplier),
                "单晶炉",
                "Y-2",
                "photovoltaic.monocrystal_furnace",
                3,
                2,
                "否",
                None,
                None,
            ],
        ]
        response = await upload(client, admin, "products", workbook(PRODUCT_HEADERS, rows))
        assert response.status_code == 422
        messages = {(e["row"], e["field"]): e["msg"] for e in response.json()["errors"]}
        assert "vetting status is pending" in messages[(2, "统一社会信用代码")]
        assert "already exists" in messages[(3, "型号")]
        assert "unknown category" in messages[(4, "设备类别")]
        assert "price_min_cny" in messages[(5, "价格上限（元）")]
        assert await count(db, Product, supplier) == 1


CJK = re.compile(r"[\u4e00-\u9fff]")
# Words of the English report that must not leak into a Chinese one.
ENGLISH = re.compile(r"\b(expected|found|unknown|required|duplicates|formula|Input|should|Value|error)\b")


def _cells(body: dict[str, Any]) -> list[tuple[int, str, str | None]]:
    return [(e["row"], e["field"], e["column"]) for e in body["errors"]]


def _messages(body: dict[str, Any]) -> dict[tuple[int, str], str]:
    return {(e["row"], e["field"]): e["msg"] for e in body["errors"]}


def _all_chinese(body: dict[str, Any]) -> None:
    for error in body["errors"]:
        assert CJK.search(error["msg"]) and not ENGLISH.search(error["msg"]), error


class TestChineseReport:
    """The report's messages speak the request's language: Chinese by default, English under `en`."""

    async def test_every_message_of_a_bad_sheet_in_chinese_and_in_english(
        self,
        client: httpx.AsyncClient,
        admin: Account,
        enterprise: Account,
        supplier: Account,
        db: AsyncSession,
    ) -> None:
        uscc = await uscc_of(db, enterprise)

        def tweak(sheet: Any) -> None:
            sheet["G7"] = "=1000*1000"  # a formula in 预算下限
            sheet.merge_cells("B14:C14")

        rows = [
            demand_row(uscc, "重复的一行"),  # 2
            demand_row(uscc, "重复的一行"),  # 3
            demand_row("91510100MA0000000X", "信用代码未注册"),  # 4
            demand_row(uscc, "未知市州", 所在市州="重庆市"),  # 5
            demand_row(uscc, "", 需求名称=None, 重点任务="不存在的任务"),  # 6
            demand_row(uscc, "有公式"),  # 7
            demand_row(uscc, "期限太长", **{"融资期限（月）": 400}),  # 8
            demand_row(
                uscc, "预算倒挂", **{"预算下限（元）": 5_000_000}, **{"预算上限（元）": 1_000_000}
            ),  # 9
            demand_row(uscc, "开工日期已过", 计划开工日期=date(2020, 1, 1)),  # 10
            demand_row(await uscc_of(db, supplier), "不是企业"),  # 11
            demand_row(uscc, "单元格不对", 需要设备="也许", **{"预算上限（元）": 12.5}),  # 12
            demand_row(uscc, "日期是文本", 计划开工日期="2027-03-01"),  # 13
            demand_row(uscc, "合并单元格"),  # 14
            demand_row("", "没有信用代码", 统一社会信用代码=None),  # 15
        ]
        content = workbook(DEMAND_HEADERS, rows, tweak=tweak)

        zh = await upload(client, admin, "demands", content, language="zh-CN")
        en = await upload(client, admin, "demands", content, language="en")
        assert zh.status_code == en.status_code == 422
        zh_body, en_body = zh.json(), en.json()
        # The same problems, in the same order, in both languages; only the words differ.
        assert _cells(zh_body) == _cells(en_body)
        assert (zh_body["rows"], zh_body["accepted"], zh_body["rejected"]) == (14, 1, 13)
        assert {k: v for k, v in zh_body.items() if k not in ("title", "detail", "errors")} == {
            k: v for k, v in en_body.items() if k not in ("title", "detail", "errors")
        }
        _all_chinese(zh_body)
        assert zh_body["title"] == "表格有问题，未导入任何数据" and "未导入任何数据" in zh_body["detail"]
        assert en_body["title"] == "The spreadsheet has problems; nothing was imported"
        assert "Nothing was imported" in en_body["detail"] and not CJK.search(en_body["detail"])

        english, chinese = _messages(en_body), _messages(zh_body)
        expected = {
            (3, "需求名称"): ("duplicates row 2", "与第 2 行重复"),
            (4, "统一社会信用代码"): (
                "no organization is registered with USCC '91510100MA0000000X'; register it first",
                "没有以统一社会信用代码“91510100MA0000000X”注册的机构，请先注册",
            ),
            (6, "需求名称"): ("required", "必填"),
            (7, "预算下限（元）"): (
                "a formula; paste the values instead (选择性粘贴 → 数值)",
                "这是公式，请改为粘贴数值（选择性粘贴 → 数值）",
            ),
            (8, "融资期限（月）"): ("Input should be less than or equal to 360", "应小于或等于 360"),
            (9, "预算上限（元）"): (
                "budget_max_cny must be at least budget_min_cny",
                "budget_max_cny 不能小于 budget_min_cny",
            ),
            (10, "计划开工日期"): ("must not be in the past", "不能早于今天"),
            (11, "统一社会信用代码"): (
                "this organization is of kind 'supplier', not 'enterprise'",
                "该机构是设备供应商（supplier），不是企业（enterprise）",
            ),
            (12, "需要设备"): ("expected 是 or 否, found '也许'", "应为“是”或“否”，实际是“也许”"),
            (12, "预算上限（元）"): ("expected a whole number, found 12.5", "应为整数，实际是 12.5"),
            (14, "需求名称"): (
                "merged cells B14:C14; unmerge them and give each cell its own value",
                "合并单元格 B14:C14，请取消合并，并给每个单元格分别填写值",
            ),
            (15, "统一社会信用代码"): ("required", "必填"),
        }
        for where, (en_msg, zh_msg) in expected.items():
            assert (english[where], chinese[where]) == (en_msg, zh_msg), where
        assert english[(5, "所在市州")].startswith("unknown region '重庆市'; write a code")
        assert chinese[(5, "所在市州")].startswith("未知的市州“重庆市”，请填写代码、名称或“代码 名称”")
        assert english[(6, "重点任务")].startswith("unknown task type '不存在的任务'")
        assert chinese[(6, "重点任务")].startswith("未知的重点任务“不存在的任务”")
        assert "is text" in english[(13, "计划开工日期")]
        assert chinese[(13, "计划开工日期")].startswith("日期“2027-03-01”是文本")

        # Chinese is the default: no Accept-Language at all (and a dry run) reads the same.
        del client.headers["Accept-Language"]
        dry = await upload(client, admin, "demands", content, dry_run="true")
        assert dry.status_code == 200 and dry.json()["errors"] == zh_body["errors"]
        assert await count(db, Demand, enterprise) == 0

    async def test_products_and_header_problems_in_chinese(
        self, client: httpx.AsyncClient, admin: Account, supplier: Account, db: AsyncSession
    ) -> None:
        pending = await register_account(client, "supplier")
        await listed_product(client, supplier, admin, model="TDR-120")
        vetted = await uscc_of(db, supplier)
        furnace = "photovoltaic.monocrystal_furnace"
        rows = [
            [await uscc_of(db, pending), "单晶炉", "X-1", furnace, 1, 2, "否", None, None],
            [vetted, "单晶炉", "TDR-120", furnace, 1, 2, "否", None, None],
            [vetted, "单晶炉", "Y-2", furnace, 3, 2, "否", None, None],
            [vetted, "单晶炉", True, furnace, 1, 2, "否", None, None],
        ]
        response = await upload(client, admin, "products", workbook(PRODUCT_HEADERS, rows), language="zh")
        assert response.status_code == 422
        body = response.json()
        _all_chinese(body)
        messages = _messages(body)
        assert messages[(2, "统一社会信用代码")] == "该设备供应商的审核状态为“待审核”（pending），不能导入"
        assert messages[(3, "型号")] == "该机构已有型号相同的产品"
        assert messages[(4, "价格上限（元）")] == "price_max_cny 不能小于 price_min_cny"
        assert messages[(5, "型号")] == "应为文本，实际是逻辑值 TRUE/FALSE"

        headers = [h for h in DEMAND_HEADERS if h != "所在市州"] + ["备注", "需求名称"]
        sheet = workbook(headers, [["x"] * len(headers)])
        zh = (await upload(client, admin, "demands", sheet, language="zh-CN,zh;q=0.9,en;q=0.5")).json()
        en = (await upload(client, admin, "demands", sheet)).json()
        assert _cells(zh) == _cells(en)
        _all_chinese(zh)
        assert {(e["field"], e["msg"]) for e in en["errors"]} >= {
            ("需求名称", "this column appears twice"),
            ("所在市州", "a required column is missing"),
        }
        assert {(e["field"], e["msg"]) for e in zh["errors"]} >= {
            ("需求名称", "该列出现了两次"),
            ("所在市州", "缺少必填的列"),
        }
        assert next(e for e in zh["errors"] if e["field"] == "备注")["msg"].startswith(
            "未知的列；可用的表头为："
        )


class TestBadFiles:
    async def test_a_20_mb_file_is_a_413(self, client: httpx.AsyncClient, admin: Account) -> None:
        response = await upload(client, admin, "demands", b"PK\x03\x04" + b"\0" * (20 * 1024 * 1024))
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("application/problem+json")

    @pytest.mark.parametrize(
        ("content", "hint"),
        [
            (b"name,title\nx,y\n", "not an .xlsx"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "save it as .xlsx"),
            (b"PK\x03\x04 broken", "damaged"),
        ],
    )
    async def test_not_an_xlsx_is_a_415(
        self, client: httpx.AsyncClient, admin: Account, content: bytes, hint: str
    ) -> None:
        response = await upload(client, admin, "demands", content)
        assert response.status_code == 415 and hint in response.json()["detail"]

    async def test_a_zip_that_is_not_a_workbook_is_a_415(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hi")
        response = await upload(client, admin, "products", buffer.getvalue())
        assert response.status_code == 415

    async def test_a_zip_bomb_is_refused_before_it_expands(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (210 * 1024 * 1024))
        assert len(buffer.getvalue()) < 1024 * 1024
        response = await upload(client, admin, "demands", buffer.getvalue())
        assert response.status_code == 413 and "expands" in response.json()["detail"]

    async def test_providers_cannot_be_imported(self, client: httpx.AsyncClient, admin: Account) -> None:
        response = await upload(client, admin, "providers", workbook(["机构名称"], [["x"]]))
        assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["path", "list_name"]


class TestFormulaText:
    async def test_text_that_looks_like_a_formula_stays_text_both_ways(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, db: AsyncSession
    ) -> None:
        title = '=HYPERLINK("http://evil.example","点我")'
        await published_demand(client, enterprise, title=title)
        exported = (await client.get("/admin/exports/demands", headers=admin.headers)).content
        cell = load_workbook(io.BytesIO(exported)).worksheets[0]["D2"]
        assert (cell.value, cell.data_type) == (title, "s")
        # Edited and imported again as text: a title, not a formula (it only repeats the existing one).
        uscc = await uscc_of(db, enterprise)

        def as_text(sheet: Any) -> None:
            sheet["B2"].data_type = "s"

        content = workbook(DEMAND_HEADERS, [demand_row(uscc, title)], tweak=as_text)
        again = await upload(client, admin, "demands", content, dry_run="true")
        assert [e["msg"] for e in again.json()["errors"]] == ["需求名称 already exists for this organization"]


def _saved(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class TestRoundTrip:
    async def test_an_exported_sheet_imports_again_once_its_keys_are_changed(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, supplier: Account
    ) -> None:
        # Names with 、 in them (a category, an industry), and a demand without old equipment.
        await published_demand(
            client,
            enterprise,
            category_codes=[
                "environmental.catalysis_solvent",
                "photovoltaic.monocrystal_furnace",
            ],
            old_equipment=None,
        )
        await published_demand(client, enterprise, title="二号线", industry_code="C39")
        await listed_product(client, supplier, admin, industry_codes=["C39", "C3825", "C40"])
        for list_name, key in (("demands", "需求名称"), ("products", "型号")):
            exported = (await client.get(f"/admin/exports/{list_name}", headers=admin.headers)).content
            book = load_workbook(io.BytesIO(exported))
            sheet = book.worksheets[0]
            at = [c.value for c in sheet[1]].index(key)
            for row in sheet.iter_rows(min_row=2):
                row[at].value = f"{row[at].value}（第二批）"
            report = await upload(client, admin, list_name, _saved(book), dry_run="true")
            assert report.status_code == 200 and report.json()["errors"] == [], report.text
            assert report.json()["accepted"] == report.json()["rows"] >= 1

    async def test_control_characters_do_not_break_an_export(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account
    ) -> None:
        await published_demand(client, enterprise, description="正常\u0001描述\u000b")
        response = await client.get("/admin/exports/demands", headers=admin.headers)
        assert response.status_code == 200
        row = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))[1]
        assert "正常描述" in row


class TestHostileSheets:
    async def test_a_tiny_file_reaching_far_down_is_refused_quickly(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(DEMAND_HEADERS)
        sheet.cell(row=100_000, column=5, value="x")
        content = _saved(book)
        assert len(content) < 20_000
        response = await upload(client, admin, "demands", content)
        assert response.status_code == 413 and "past row 50,000" in response.json()["detail"]

    async def test_headers_far_to_the_right_are_refused(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        def far(sheet: Any) -> None:
            sheet.cell(row=1, column=16_000, value="备注")

        response = await upload(client, admin, "demands", workbook(DEMAND_HEADERS, [], tweak=far))
        assert response.status_code == 413 and "beyond column 100" in response.json()["detail"]

    async def test_too_many_rows(
        self, client: httpx.AsyncClient, admin: Account, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from app.spreadsheets import reader

        monkeypatch.setattr(reader, "MAX_ROWS", 3)
        rows = [demand_row("x", f"需求{i}") for i in range(4)]
        response = await upload(client, admin, "demands", workbook(DEMAND_HEADERS, rows))
        assert response.status_code == 413 and "At most 3 rows" in response.json()["detail"]

    async def test_a_workbook_of_charts_only_is_a_415(
        self, client: httpx.AsyncClient, admin: Account
    ) -> None:
        book = Workbook()
        book.create_chartsheet("图表")
        book.remove(book.worksheets[0])
        response = await upload(client, admin, "demands", _saved(book))
        # openpyxl itself cannot open a workbook without a worksheet: a 415 either way, never a 500.
        assert response.status_code == 415
        assert response.json()["detail"].startswith(
            ("The workbook has no visible worksheet", "The .xlsx workbook")
        )

    async def test_the_first_visible_sheet_is_read_and_headers_forgive_half_width_brackets(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, db: AsyncSession
    ) -> None:
        book = Workbook()
        hidden = book.active
        assert hidden is not None
        hidden.title = "说明"
        hidden.sheet_state = "hidden"
        hidden.append(["这一页是说明"])
        sheet = book.create_sheet("清单")
        sheet.append([h.replace("（", "(").replace("）", ")") for h in DEMAND_HEADERS])
        sheet.append(demand_row(await uscc_of(db, enterprise), "半角括号的表头"))
        response = await upload(client, admin, "demands", _saved(book), dry_run="true")
        assert response.status_code == 200 and response.json()["accepted"] == 1, response.text

    async def test_error_values_and_booleans_are_not_text(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, db: AsyncSession
    ) -> None:
        uscc = await uscc_of(db, enterprise)

        def error_cell(sheet: Any) -> None:
            sheet["B2"].value, sheet["B2"].data_type = "#N/A", "e"

        rows = [demand_row(uscc, "x"), demand_row(uscc, True)]  # type: ignore[arg-type]
        response = await upload(client, admin, "demands", workbook(DEMAND_HEADERS, rows, tweak=error_cell))
        messages = {(e["row"], e["field"]): e["msg"] for e in response.json()["errors"]}
        assert "error value #N/A" in messages[(2, "需求名称")]
        assert "TRUE/FALSE" in messages[(3, "需求名称")]


def _with_sheet_xml(content: bytes, edit: Any) -> bytes:
    """The workbook again, its first sheet's XML passed through `edit` (bytes → bytes)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            out.writestr(item, data)
    return buffer.getvalue()


class TestMergedCellsAreReadByAnXmlParser:
    """Merged ranges come from the sheet's XML through a streaming parser, in one linear pass: no pattern
    that crafted bytes can make backtrack, and markup that only looks like a merged cell is not one."""

    async def test_merge_cell_look_alikes_in_comments_are_read_in_one_pass_and_ignored(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, db: AsyncSession
    ) -> None:
        # Hundreds of KB of "<mergeCell " with attribute-like junk and no ref= nor ">" until the comment
        # ends: a pattern like <mergeCell[^>]*ref= rescans the rest from every start (quadratic work).
        junk = b'<mergeCell x="1" y="2" ' * 20_000
        decoy = b'<!-- <mergeCell ref="A2:B2"/> -->'

        def edit(xml: bytes) -> bytes:
            return xml.replace(b"</worksheet>", decoy + b"<!-- " + junk + b" --></worksheet>")

        plain = workbook(DEMAND_HEADERS, [demand_row(await uscc_of(db, enterprise), "注释里的合并单元格")])
        content = _with_sheet_xml(plain, edit)
        assert len(junk) > 400_000
        response = await upload(client, admin, "demands", content, dry_run="true")
        assert response.status_code == 200, response.text
        assert (response.json()["accepted"], response.json()["errors"]) == (1, [])

    async def test_any_well_formed_spelling_of_a_merged_cell_is_found(
        self, client: httpx.AsyncClient, admin: Account, enterprise: Account, db: AsyncSession
    ) -> None:
        uscc = await uscc_of(db, enterprise)

        def merge(sheet: Any) -> None:
            sheet.merge_cells("B3:C3")

        def edit(xml: bytes) -> bytes:
            # Single quotes and a namespace prefix: the same element to any XML reader.
            assert b'<mergeCell ref="B3:C3" />' in xml
            return xml.replace(
                b'<mergeCell ref="B3:C3" />',
                b"<s:mergeCell xmlns:s='http://schemas.openxmlformats.org/spreadsheetml/2006/main' "
                b"ref='B3:C3'/>",
            )

        rows = [demand_row(uscc, "第一行"), demand_row(uscc, "合并的一行")]
        content = _with_sheet_xml(workbook(DEMAND_HEADERS, rows, tweak=merge), edit)
        response = await upload(client, admin, "demands", content, dry_run="true")
        messages = {(e["row"], e["field"]): e["msg"] for e in response.json()["errors"]}
        assert "merged cells B3:C3" in messages[(3, "需求名称")], response.text

    async def test_too_many_merged_ranges_refuse_the_file(
        self, client: httpx.AsyncClient, admin: Account, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from app.spreadsheets import reader

        monkeypatch.setattr(reader, "MAX_MERGED_RANGES", 3)

        def merge(sheet: Any) -> None:
            for row in range(2, 6):
                sheet.merge_cells(f"B{row}:C{row}")

        rows = [demand_row("x", f"需求{i}") for i in range(4)]
        response = await upload(client, admin, "demands", workbook(DEMAND_HEADERS, rows, tweak=merge))
        assert response.status_code == 413
        assert "more than 3 merged ranges" in response.json()["detail"]
        zh = await upload(
            client, admin, "demands", workbook(DEMAND_HEADERS, rows, tweak=merge), language="zh"
        )
        assert "合并单元格超过 3 处" in zh.json()["detail"]

    @pytest.mark.parametrize(
        ("edit", "hint"),
        [
            # An unclosed merge cell after the data: not XML at all.
            (
                lambda xml: xml.replace(b"</worksheet>", b'<mergeCells><mergeCell ref="A1:B1" <x/>'),
                "malformed",
            ),
            (
                lambda xml: xml.replace(
                    b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]><worksheet', 1
                ),
                "DTD",
            ),
        ],
        ids=["malformed", "doctype"],
    )
    async def test_a_broken_or_dtd_bearing_sheet_is_a_415(
        self, client: httpx.AsyncClient, admin: Account, edit: Any, hint: str
    ) -> None:
        # Padding rows push the bad part past what openpyxl reads for the header row, so the
        # merged-cell reader meets it first and says what is wrong.
        rows = [demand_row("x", "填充" * 40) for _ in range(300)] if hint == "malformed" else []
        content = _with_sheet_xml(workbook(DEMAND_HEADERS, rows), edit)
        response = await upload(client, admin, "demands", content)
        assert response.status_code == 415, response.text
        assert hint in response.json()["detail"]


async def test_hidden_sheets_only_is_a_415(client: httpx.AsyncClient, admin: Account) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(DEMAND_HEADERS)
    book.create_sheet("另一页")
    for ws in book.worksheets:
        ws.sheet_state = "hidden"
    book.worksheets[0].sheet_state = "visible"  # openpyxl refuses to save with none visible…
    content = _saved(book)
    # …so hide the last one in the saved workbook.xml itself.
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b'state="visible"', b'state="hidden"')
            out.writestr(item, data)
    response = await upload(client, admin, "demands", buffer.getvalue())
    assert response.status_code == 415 and "no visible worksheet" in response.json()["detail"]


async def test_the_body_is_read_only_for_an_admin(client: httpx.AsyncClient, enterprise: Account) -> None:
    files = {"file": ("清单.xlsx", workbook(DEMAND_HEADERS, []), XLSX)}
    assert (await client.post("/admin/imports/demands", files=files)).status_code == 401
    assert (
        await client.post("/admin/imports/demands", files=files, headers=enterprise.headers)
    ).status_code == 403


async def test_a_request_without_the_file_field_is_a_422(client: httpx.AsyncClient, admin: Account) -> None:
    sent = await client.post(
        "/admin/imports/demands", headers=admin.headers, files={"other": ("a.xlsx", b"x")}
    )
    assert sent.status_code == 422 and sent.json()["errors"][0]["loc"] == ["body", "file"]
    as_json = await client.post("/admin/imports/demands", headers=admin.headers, json={"file": "x"})
    assert as_json.status_code == 422
