"""The columns of each list's spreadsheet: Chinese header, where the value goes, and how a cell is read.

One spec serves both directions: an export writes every column, an import reads the `importable` ones
and ignores the export-only ones (so an exported sheet, edited, imports again)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CellKind = Literal["text", "int", "money", "bool", "date", "code", "codes"]
CodeList = Literal["region", "industry", "category", "task_type", "provider_type"]


@dataclass(frozen=True)
class Column:
    header: str
    # Where the value goes in the create payload (demand or product); None: export only.
    path: tuple[str, ...] | None
    kind: CellKind = "text"
    codes: CodeList | None = None
    required: bool = False
    width: int = 16

    @property
    def importable(self) -> bool:
        return self.path is not None


DEMAND_COLUMNS: tuple[Column, ...] = (
    Column("需求编号", None, width=38),
    Column("企业名称", None, width=28),
    Column("统一社会信用代码", ("uscc",), required=True, width=22),
    Column("需求名称", ("title",), required=True, width=30),
    Column("需求描述", ("description",), width=40),
    Column("重点任务", ("task_type",), "code", "task_type", required=True, width=18),
    Column("所属行业", ("industry_code",), "code", "industry", required=True, width=28),
    Column("所在市州", ("region_code",), "code", "region", required=True, width=12),
    Column("设备类别", ("category_codes",), "codes", "category", required=True, width=30),
    Column("数量", ("quantity",), "int", width=8),
    Column("预算下限（元）", ("budget_min_cny",), "money", required=True),
    Column("预算上限（元）", ("budget_max_cny",), "money", required=True),
    Column("计划开工日期", ("expected_start",), "date", width=14),
    Column("旧设备服役年限", ("old_equipment", "age_years"), "int", width=14),
    Column("旧设备能效等级", ("old_equipment", "energy_grade"), "int", width=14),
    Column("旧设备低于能效基准", ("old_equipment", "below_energy_baseline"), "bool", width=18),
    Column("要求能效等级", ("required_energy_grade",), "int", width=12),
    Column("需要设备", ("needs", "equipment"), "bool", width=10),
    Column("需要设计", ("needs", "design"), "bool", width=10),
    Column("需要工程", ("needs", "engineering"), "bool", width=10),
    Column("融资金额（元）", ("needs", "financing", "amount_cny"), "money"),
    Column("融资期限（月）", ("needs", "financing", "term_months"), "int", width=14),
    Column("同意向银行共享", None, width=14),
    Column("状态", None, width=10),
    Column("发布时间", None, width=20),
    Column("签约金额（元）", None),
    Column("签约时间", None, width=20),
)

PRODUCT_COLUMNS: tuple[Column, ...] = (
    Column("产品编号", None, width=38),
    Column("供应商名称", None, width=28),
    Column("供应商审核状态", None, width=14),
    Column("统一社会信用代码", ("uscc",), required=True, width=22),
    Column("产品名称", ("name",), required=True, width=28),
    Column("型号", ("model",), required=True),
    Column("设备类别", ("category_code",), "code", "category", required=True, width=24),
    Column("适用行业", ("industry_codes",), "codes", "industry", width=28),
    Column("产品描述", ("description",), width=40),
    Column("价格下限（元）", ("price_min_cny",), "money", required=True),
    Column("价格上限（元）", ("price_max_cny",), "money", required=True),
    Column("能效等级", ("energy_grade",), "int", width=10),
    Column("四川造", ("made_in_sichuan",), "bool", width=8),
    Column("服务市州", ("service_region_codes",), "codes", "region", width=24),
    Column("交货周期（天）", ("lead_time_days",), "int", width=14),
    Column("认证", ("certifications",), "codes", width=20),
    Column("状态", None, width=10),
    Column("四川造已核实", None, width=12),
    Column("上架时间", None, width=20),
)

PROVIDER_COLUMNS: tuple[Column, ...] = (
    Column("机构编号", None, width=38),
    Column("机构名称", None, width=30),
    Column("统一社会信用代码", None, width=22),
    Column("机构类型", None, width=28),
    Column("所在市州", None, width=12),
    Column("服务市州", None, width=24),
    Column("服务行业", None, width=28),
    Column("服务内容", None, width=40),
    Column("资质", None, width=40),
    Column("联系人", None, width=12),
    Column("联系电话", None, width=16),
    Column("网站", None, width=28),
    Column("审核状态", None, width=10),
    Column("审核时间", None, width=20),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "demands": DEMAND_COLUMNS,
    "products": PRODUCT_COLUMNS,
    "providers": PROVIDER_COLUMNS,
}
SHEET_TITLES = {"demands": "设备更新需求清单", "products": "优质产品供给清单", "providers": "服务商名录"}
# Several values in one cell are separated by any of these.
LIST_SEPARATORS = "、，,;；\n"
# Catalog names may contain 、 (计算机、通信和其他电子设备制造业): catalog lists split on these first.
STRONG_SEPARATORS = "，,;；\n"
DEMAND_STATUS_NAMES = {
    "draft": "草稿",
    "published": "已发布",
    "contracted": "已签约",
    "completed": "已完成",
    "closed": "已关闭",
}
PRODUCT_STATUS_NAMES = {
    "draft": "草稿",
    "pending_review": "待审核",
    "listed": "已上架",
    "rejected": "未通过",
    "withdrawn": "已下架",
}
VETTING_STATUS_NAMES = {"pending": "待审核", "vetted": "已审核", "rejected": "未通过", "suspended": "已暂停"}
PROVIDER_TYPE_NAMES = {
    "solution_supplier": "技改方案供应商",
    "design_institute": "设计院",
    "engineering_firm": "工程单位",
}
