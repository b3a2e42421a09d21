"""Explainable scores: every factor's weight, value (0..1) and a detail in Chinese. Pure functions of the
facts they are given, so the same rules score a demand's products and a product's demands."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.catalog.service import CatalogSnapshot
from app.kernel import Basis
from app.matching import priority, weights
from app.matching.policies import Policy
from app.matching.weights import FINANCING_WEIGHTS, PRODUCT_WEIGHTS, PROVIDER_WEIGHTS
from app.models.demand import Demand
from app.models.financing import FinancingProduct
from app.models.organization import Organization
from search.specs import OPEN
from search.text import Segmenter

# Words every demand uses; they say nothing about what is wanted.
_STOP_TEXT = (
    "企业 公司 我公司 项目 设备 装备 更新 升级 改造 技改 需求 采购 建设 计划 一批 新增 现有 相关 "
    "系统 产线 整线 提质 扩能 关键 工序 替换 替代 以旧换新 配套 应用 上线 引入 部署 及 和 与 的 等 台 套"
)
STOPWORDS = frozenset(_STOP_TEXT.split())
TEAM_ESTIMATE_SOURCE = weights.TEAM_ESTIMATE_SOURCE


def wan(cny: int | float) -> str:
    """Money as people read it here: 万元 (or 亿元)."""
    if cny >= 100_000_000:
        return f"{cny / 100_000_000:.2f}亿元"
    return f"{cny / 10_000:,.0f}万元"


@dataclass
class Match:
    kind: str
    target_id: str
    target_name: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(
        self,
        weights: Mapping[str, float],
        factor: str,
        value: float,
        detail: str,
        *,
        basis: Basis = "estimate",
        source: str = TEAM_ESTIMATE_SOURCE,
    ) -> None:
        """One reason; its rule is the team's estimate unless the caller cites the plan or a regulation."""
        self.reasons.append(
            {
                "factor": factor,
                "weight": weights[factor],
                "value": round(max(0.0, min(1.0, value)), 3),
                "detail": detail,
                "basis": basis,
                "source": source,
            }
        )

    def add_priority(self, weights: Mapping[str, float], demand: Demand, *, otherwise: float) -> None:
        """The plan's priority rules as a factor: 1 when a flag is raised, else `otherwise`."""
        triggered, detail, basis, source = priority.reason(demand)
        self.add(weights, "priority", 1.0 if triggered else otherwise, detail, basis=basis, source=source)

    @property
    def score(self) -> float:
        return round(float(sum(r["weight"] * r["value"] for r in self.reasons)), 4)

    def out(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target": {"id": self.target_id, "name": self.target_name},
            "score": self.score,
            "reasons": self.reasons,
            **self.details,
        }


# -- words ---------------------------------------------------------------------------------------
def keywords(segmenter: Segmenter, *texts: str) -> list[str]:
    tokens = segmenter.index_tokens(" ".join(texts), bigrams=False)
    return [t for t in tokens if t not in STOPWORDS and len(t) > 1]


def overlap(query: list[str], document: Iterable[str]) -> tuple[float, list[str]]:
    """The share of the query's words found in the document, and which. A word counts when it is in the
    document or a longer query word containing it is (数控加工中心 covers 加工中心)."""
    if not query:
        return 0.0, []
    found = set(document)
    shared = [w for w in query if w in found]
    # A longer word found covers the shorter ones it contains, and they should not count against it.
    covered = {w for w in query if w not in found and any(w in s for s in shared)}
    considered = [w for w in query if w not in covered]
    return len(shared) / max(1, len(considered)), shared


def demand_words(segmenter: Segmenter, demand: Demand, catalog: CatalogSnapshot) -> list[str]:
    names = [catalog.categories[c].name for c in demand.category_codes if c in catalog.categories]
    return keywords(segmenter, demand.title, *names)


def demand_query(demand: Demand, catalog: CatalogSnapshot) -> str:
    """What the search engine is asked for a demand's products: its categories' names first (Meilisearch
    drops words from the end), then the title."""
    names = [catalog.categories[c].name for c in demand.category_codes if c in catalog.categories]
    return " ".join([*names, demand.title])


# -- products ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SupplierFacts:
    region_code: str | None = None
    accepted_quotes: int = 0
    deliveries: int = 0


def _industry_fit(demand_industry: str, codes: list[str], catalog: CatalogSnapshot) -> tuple[float, str]:
    name = catalog.industries.get(demand_industry, demand_industry)
    if demand_industry in codes:
        return 1.0, f"适用行业包含{name}"
    related = [c for c in codes if demand_industry.startswith(c) or c.startswith(demand_industry)]
    if related:
        return 0.7, f"适用行业与{name}同属一类（{catalog.industries.get(related[0], related[0])}）"
    if not codes:
        return 0.5, "未限定适用行业（通用）"
    return 0.0, f"未标明适用于{name}"


def score_product(
    demand: Demand,
    product: Mapping[str, Any],
    *,
    catalog: CatalogSnapshot,
    words: list[str],
    product_words: Iterable[str],
    supplier: SupplierFacts,
    today: date,
) -> Match:
    """`product` is the product's search document (the same facts whichever way the match is made)."""
    w = PRODUCT_WEIGHTS
    match = Match("product", str(product["id"]), str(product["name"]))
    _product_category(match, demand, str(product["category_code"]), catalog)
    value, shared = overlap(words, product_words)
    match.add(
        w,
        "text",
        value,
        f"需求关键词命中{len(shared)}/{len(words)}：{'、'.join(shared[:6])}"
        if shared
        else "需求关键词未在产品信息中出现",
    )
    fit, detail = _industry_fit(demand.industry_code, list(product.get("industry_codes") or []), catalog)
    match.add(w, "industry", fit, detail)
    _product_region(match, demand, list(product.get("region_codes") or [OPEN]), supplier, catalog)
    _product_price(match, demand, int(product["price_min_cny"]), int(product["price_max_cny"]))
    _product_energy(match, demand, product.get("energy_grade"))
    sichuan: dict[str, Any] = {"basis": "plan", "source": weights.MADE_IN_SICHUAN_SOURCE}
    if product.get("made_in_sichuan"):
        match.add(w, "made_in_sichuan", 1.0, "“四川造”已经审核确认", **sichuan)
    else:
        match.add(w, "made_in_sichuan", 0.0, "非经确认的“四川造”产品", **sichuan)
    record = supplier.accepted_quotes + supplier.deliveries
    match.add(
        w,
        "supplier_record",
        min(1.0, math.log1p(record) / math.log1p(10)),
        f"平台成交{supplier.accepted_quotes}单，完成交付{supplier.deliveries}单"
        if record
        else "平台上暂无成交记录",
    )
    _product_lead_time(match, demand, product.get("lead_time_days"), today)
    match.add_priority(w, demand, otherwise=0.0)
    return match


def _product_category(match: Match, demand: Demand, code: str, catalog: CatalogSnapshot) -> None:
    """The same category as the demand's, or one under it."""
    w = PRODUCT_WEIGHTS
    category_name = catalog.categories[code].name if code in catalog.categories else code
    if code in demand.category_codes:
        match.add(w, "category", 1.0, f"设备类别与需求一致：{category_name}")
        return
    parent = next((c for c in demand.category_codes if priority.under(code, [c])), None)
    parent_name = catalog.categories[parent].name if parent in catalog.categories else (parent or "")
    match.add(
        w,
        "category",
        0.85 if parent else 0.0,
        f"属于需求类别「{parent_name}」下的「{category_name}」"
        if parent
        else f"类别「{category_name}」与需求不符",
    )


def _product_region(
    match: Match, demand: Demand, regions: list[str], supplier: SupplierFacts, catalog: CatalogSnapshot
) -> None:
    """A local supplier first, then one serving the city, then one serving the whole province."""
    w = PRODUCT_WEIGHTS
    region_name = catalog.region_label(demand.region_code)
    city = catalog.city_of(demand.region_code)
    if catalog.city_of(supplier.region_code) == city:
        match.add(w, "region", 1.0, f"供应商位于{catalog.regions.get(city or '', region_name)}，本地服务")
    elif any(code in regions for code in catalog.region_path(demand.region_code)):
        match.add(w, "region", 0.8, f"服务范围包含{region_name}")
    elif OPEN in regions:
        match.add(w, "region", 0.6, "服务范围覆盖全省")
    else:
        match.add(w, "region", 0.0, f"服务范围不含{region_name}")


def _product_price(match: Match, demand: Demand, price_min: int, price_max: int) -> None:
    """The price for the demand's quantity against its budget."""
    w = PRODUCT_WEIGHTS
    quantity = max(1, demand.quantity or 1)
    low, high = price_min * quantity, price_max * quantity
    budget = f"预算{wan(demand.budget_min_cny)}–{wan(demand.budget_max_cny)}"
    each = f"（{quantity}台套）" if quantity > 1 else ""
    if low > demand.budget_max_cny:
        match.add(w, "price", demand.budget_max_cny / low, f"报价{wan(low)}起{each}，超出{budget}")
    elif high < demand.budget_min_cny:
        match.add(w, "price", 0.8, f"价格{wan(low)}–{wan(high)}{each}，低于{budget}")
    else:
        match.add(w, "price", 1.0, f"价格{wan(low)}–{wan(high)}{each}，在{budget}内")


def _product_energy(match: Match, demand: Demand, grade: Any) -> None:
    """The demand's own requirement is scored by the team's rule; the grade implied for equipment below
    the baseline is the plan's (a product with no grade shown still gets the team's 0.3)."""
    w = PRODUCT_WEIGHTS
    required = demand.required_energy_grade
    reason = "需求要求"
    cited: dict[str, Any] = {}
    if required is None and demand.old_equipment_below_baseline:
        required, reason = weights.BELOW_BASELINE_REQUIRED_GRADE, "在用设备低于能效基准水平，按方案鼓励的"
        cited = {"basis": "plan", "source": weights.BELOW_BASELINE_GRADE_SOURCE}
    if required is not None:
        if grade is None:
            match.add(w, "energy", 0.3, f"{reason}能效{required}级及以上，产品未标能效等级")
        elif grade <= required:
            match.add(w, "energy", 1.0, f"能效{grade}级，满足{reason}的{required}级及以上", **cited)
        else:
            match.add(w, "energy", 0.0, f"能效{grade}级，达不到{reason}的{required}级", **cited)
        return
    values = {1: 1.0, 2: 0.8, 3: 0.4}
    if grade is None:
        match.add(w, "energy", 0.5, "需求未提能效要求，产品未标能效等级")
    else:
        match.add(w, "energy", values.get(int(grade), 0.4), f"能效{grade}级（需求未提要求，1级最优）")


def _product_lead_time(match: Match, demand: Demand, lead: Any, today: date) -> None:
    """The product's lead time against the days left before the demand's expected start."""
    w = PRODUCT_WEIGHTS
    if lead is None or demand.expected_start is None:
        match.add(w, "lead_time", 0.5, "交货期或计划开工日期未填写")
        return
    days = (demand.expected_start - today).days
    if days <= 0:
        match.add(w, "lead_time", 0.0, "计划开工日期已过，请更新需求")
    elif lead <= days:
        match.add(w, "lead_time", 1.0, f"交货期{lead}天，早于计划开工（还有{max(days, 0)}天）")
    else:
        match.add(w, "lead_time", days / lead, f"交货期{lead}天，计划开工仅剩{days}天")


# -- providers -----------------------------------------------------------------------------------
PROVIDER_TYPE_NAMES = {
    "solution_supplier": "技改方案供应商",
    "design_institute": "设计院",
    "engineering_firm": "工程单位",
}
TYPES_FOR_NEED = {"design": ("design_institute", "solution_supplier"), "engineering": ("engineering_firm",)}


def needed_provider_types(demand: Demand) -> tuple[str, ...]:
    needs = [
        n
        for n, wanted in (("design", demand.needs_design), ("engineering", demand.needs_engineering))
        if wanted
    ]
    return tuple(dict.fromkeys(t for n in needs for t in TYPES_FOR_NEED[n]))


@functools.lru_cache(maxsize=4096)
def _provider_tokens(segmenter: Segmenter, provider_id: object, version: int, text: str) -> tuple[str, ...]:
    """A provider's words, kept per version: the directory is small and every demand scores all of it."""
    return tuple(segmenter.index_tokens(text, bigrams=False))


def score_provider(
    demand: Demand,
    provider: Organization,
    *,
    catalog: CatalogSnapshot,
    words: list[str],
    segmenter: Segmenter,
) -> Match:
    w = PROVIDER_WEIGHTS
    match = Match("provider", str(provider.id), provider.name)
    _provider_type(match, demand, provider)
    codes = sorted({provider.industry_code or "", *provider.industry_codes} - {""})
    fit, detail = _industry_fit(demand.industry_code, codes, catalog)
    match.add(w, "industry", fit, detail.replace("适用行业", "服务行业"))
    _provider_region(match, demand, provider, catalog)
    cases = list(provider.cases)
    same = [
        c
        for c in cases
        if c.get("industry_code") and str(c["industry_code"]).startswith(demand.industry_code[:3])
    ]
    value = 0.5 * min(1.0, len(cases) / 5) + 0.5 * (1.0 if same else 0.0)
    industry_name = catalog.industries.get(demand.industry_code, demand.industry_code)
    match.add(
        w,
        "cases",
        value,
        f"案例{len(cases)}个，其中{industry_name}相关{len(same)}个"
        + (f"（如：{same[0].get('title', '')}）" if same else ""),
    )

    text = " ".join(
        [
            *provider.services,
            *(c.get("title", "") for c in cases),
            *(q.get("name", "") for q in provider.qualifications),
            provider.description,
        ]
    )
    value, shared = overlap(words, _provider_tokens(segmenter, provider.id, provider.version, text))
    match.add(
        w,
        "text",
        value,
        f"服务与案例中出现需求关键词：{'、'.join(shared[:6])}" if shared else "服务与案例中未出现需求关键词",
    )
    quals = [q.get("name", "") for q in provider.qualifications]
    match.add(
        w,
        "qualifications",
        min(1.0, len(quals) / 3),
        f"资质{len(quals)}项" + (f"：{'、'.join(quals[:3])}" if quals else ""),
    )
    match.details = {"provider_types": list(provider.provider_types), "region_code": provider.region_code}
    return match


def _provider_type(match: Match, demand: Demand, provider: Organization) -> None:
    """Whether the provider's types cover the services the demand asks for (design, engineering)."""
    types = set(provider.provider_types)
    names = "、".join(PROVIDER_TYPE_NAMES.get(t, t) for t in provider.provider_types)
    needs = [
        n
        for n, wanted in (("design", demand.needs_design), ("engineering", demand.needs_engineering))
        if wanted
    ]
    if not needs:
        match.add(PROVIDER_WEIGHTS, "provider_type", 0.5, f"需求未勾选设计或工程服务；{names}可提供方案咨询")
        return
    covered = [n for n in needs if types & set(TYPES_FOR_NEED[n])]
    need_names = {"design": "设计", "engineering": "工程实施"}
    match.add(
        PROVIDER_WEIGHTS,
        "provider_type",
        len(covered) / len(needs),
        f"需求需要{'和'.join(need_names[n] for n in needs)}服务；{names}可承担"
        f"{'和'.join(need_names[n] for n in covered) or '其中任何一项都不'}",
    )


def _provider_region(match: Match, demand: Demand, provider: Organization, catalog: CatalogSnapshot) -> None:
    w = PROVIDER_WEIGHTS
    region_name = catalog.region_label(demand.region_code)
    city = catalog.city_of(demand.region_code)
    if catalog.city_of(provider.region_code) == city:
        match.add(w, "region", 1.0, f"位于{catalog.regions.get(city or '', region_name)}")
    elif any(code in provider.service_region_codes for code in catalog.region_path(demand.region_code)):
        match.add(w, "region", 0.8, f"服务范围包含{region_name}")
    elif not provider.service_region_codes:
        match.add(w, "region", 0.6, "服务范围覆盖全省")
    else:
        match.add(w, "region", 0.0, f"服务范围不含{region_name}")


# -- financing -----------------------------------------------------------------------------------
TYPE_FIT = {
    "tech_upgrade_loan": ("line_upgrade", "smart_digital", "environmental", "safety", "micro"),
    "renewal_loan": ("line_upgrade", "environmental", "safety", "micro"),
    "specialized_sme_loan": ("smart_digital", "micro"),
    "manufacturing_benefit_loan": ("line_upgrade", "micro"),
    "tech_innovation_relending": ("smart_digital", "line_upgrade", "environmental"),
    "manufacturing_mid_long_term_loan": ("line_upgrade", "environmental", "safety"),
}


@dataclass(frozen=True)
class FinancingAsk:
    amount_cny: int
    term_months: int | None
    stated: bool  # False: no financing need given; the budget's top stands in for the amount


def financing_ask(demand: Demand) -> FinancingAsk:
    if demand.financing_amount_cny is not None:
        return FinancingAsk(demand.financing_amount_cny, demand.financing_term_months, True)
    return FinancingAsk(demand.budget_max_cny, None, False)


def _allows(codes: list[str], value: str, *, prefix: bool = False) -> bool:
    if not codes:
        return True
    return any(value == c or (prefix and value.startswith(c)) for c in codes)


def financing_conditions(
    demand: Demand, product: FinancingProduct, ask: FinancingAsk, catalog: CatalogSnapshot
) -> list[tuple[str, bool, str]]:
    """Each eligibility condition: (name, met, detail)."""
    region_name = catalog.region_label(demand.region_code)
    industry_name = catalog.industries.get(demand.industry_code, demand.industry_code)
    region_ok = not product.region_codes or any(
        code in product.region_codes for code in catalog.region_path(demand.region_code)
    )
    industry_ok = _allows(list(product.industry_codes), demand.industry_code, prefix=True)
    task_ok = _allows(list(product.task_types), demand.task_type)
    estimated = "" if ask.stated else "（按预算上限估计）"
    conditions = [
        (
            "amount",
            product.amount_min_cny <= ask.amount_cny <= product.amount_max_cny,
            f"融资{wan(ask.amount_cny)}{estimated}，"
            f"产品额度{wan(product.amount_min_cny)}–{wan(product.amount_max_cny)}",
        ),
        ("region", region_ok, f"{region_name}{'在' if region_ok else '不在'}产品适用地区内"),
        ("industry", industry_ok, f"{industry_name}{'属于' if industry_ok else '不属于'}产品支持的行业"),
        ("task_type", task_ok, f"技改任务{'符合' if task_ok else '不在'}产品支持范围"),
    ]
    if ask.term_months is not None:
        conditions.append(
            (
                "term",
                product.term_min_months <= ask.term_months <= product.term_max_months,
                f"期限{ask.term_months}个月，产品期限{product.term_min_months}–{product.term_max_months}个月",
            )
        )
    return conditions


def score_financing(
    demand: Demand,
    product: FinancingProduct,
    *,
    bank_name: str,
    lowest_rate: float | None,
    highest_rate: float | None,
    catalog: CatalogSnapshot,
) -> Match:
    w = FINANCING_WEIGHTS
    match = Match("financing", str(product.id), product.name)
    rate = float(product.rate_min_pct) if product.rate_min_pct is not None else None
    if rate is None or lowest_rate is None or highest_rate is None:
        match.add(w, "cost", 0.5, "产品未公布利率，以银行报价为准")
    elif highest_rate == lowest_rate:
        match.add(w, "cost", 1.0, f"利率{rate:.2f}%起，符合条件的产品中最低")
    else:
        match.add(
            w,
            "cost",
            1 - (rate - lowest_rate) / (highest_rate - lowest_rate),
            f"利率{rate:.2f}%起（符合条件的产品中{lowest_rate:.2f}%–{highest_rate:.2f}%）",
        )
    type_name = catalog.financing_types.get(product.financing_type, product.financing_type)
    suits = demand.task_type in TYPE_FIT.get(product.financing_type, ())
    match.add(
        w,
        "type_fit",
        1.0 if suits else 0.4,
        f"{type_name}{'适合' if suits else '可用于但不专门面向'}此类技改",
    )
    match.add(
        w,
        "relending",
        1.0 if product.relending_eligible else 0.0,
        "可使用科技创新和技术改造再贷款资金，利率更低"
        if product.relending_eligible
        else "不在再贷款支持范围",
        basis="plan",
        source=weights.RELENDING_SOURCE,
    )
    focused = sum(bool(codes) for codes in (product.region_codes, product.industry_codes, product.task_types))
    match.add(w, "focus", focused / 3, f"针对性：限定了{focused}/3项（地区、行业、技改任务）")
    match.details = {
        "bank": {"id": str(product.organization_id), "name": bank_name},
        "financing_type": product.financing_type,
        "relending_eligible": product.relending_eligible,
        "rate_min_pct": rate,
        "rate_max_pct": float(product.rate_max_pct) if product.rate_max_pct is not None else None,
    }
    return match


# -- policies ------------------------------------------------------------------------------------
def _investment(demand: Demand) -> int:
    return (demand.budget_min_cny + demand.budget_max_cny) // 2


def policy_estimate(demand: Demand, policy: Policy) -> dict[str, Any]:
    """The estimated benefit, labelled an estimate, with the rule and the figures that produced it, and
    where those figures come from (`basis`: a statutory rate is `regulation`, an assumed one `estimate`)."""
    benefit, ask = policy.benefit, financing_ask(demand)
    amount: int | None = None
    if benefit.rule == "share_of_investment" and benefit.rate is not None:
        base = _investment(demand)
        amount = int(base * benefit.rate)
        if benefit.cap_cny is not None:
            amount = min(amount, benefit.cap_cny)
        cap = f"，上限{wan(benefit.cap_cny)}" if benefit.cap_cny is not None else ""
        rule = f"设备投资额（预算中值{wan(base)}）×{benefit.rate:.0%}{cap}"
    elif benefit.rule == "interest_subsidy" and benefit.points_pct is not None:
        months = min(ask.term_months or benefit.max_months or 12, benefit.max_months or 10**6)
        amount = int(ask.amount_cny * benefit.points_pct / 100 * months / 12)
        rule = f"贷款本金{wan(ask.amount_cny)}×{benefit.points_pct}个百分点×{months}个月"
    elif benefit.rule == "rate_saving" and benefit.points_pct is not None:
        months = ask.term_months or 12
        amount = int(ask.amount_cny * benefit.points_pct / 100 * months / 12)
        rule = f"贷款本金{wan(ask.amount_cny)}×利率低{benefit.points_pct}个百分点×{months}个月"
    else:
        rule = f"简化前期手续，约节省{benefit.days_saved}个工作日"
    return {
        "is_estimate": True,
        "label": "估算",
        "benefit_cny": amount,
        "days_saved": benefit.days_saved,
        "rule": rule,
        "assumption": benefit.assumption,
        "basis": benefit.basis,
        "source": benefit.source,
    }


Check = tuple[str, float, str, tuple[Basis, str]]  # factor, value, detail, (basis, source)


def score_policy(
    demand: Demand, policy: Policy, *, today: date, relending_products: int, catalog: CatalogSnapshot
) -> Match | None:
    """None when a hard condition fails (out of force, wrong task, no financing need, outside the
    investment band); otherwise each condition is a factor of equal weight. A condition the policy's
    source sets carries the policy's basis; a threshold or guess of ours is an estimate."""
    if not policy.in_force(today):
        return None
    cited: tuple[Basis, str] = (policy.basis, f"{policy.source.document} {policy.source.section}")
    parts = (
        _policy_scope(demand, policy, cited),
        _policy_investment(demand, policy),
        _policy_financing(demand, policy, relending_products, cited),
    )
    if any(part is None for part in parts):
        return None
    checks = [check for part in parts for check in part or []]
    checks += _policy_land(demand, policy)
    triggered, detail, basis, source = priority.reason(demand)
    checks.append(("priority", 1.0 if triggered else 0.5, detail, (basis, source)))
    # Equal weights, rounded, the last taking the remainder so they still add up to 1.
    share = round(1 / len(checks), 4)
    equal = {factor: share for factor, _, _, _ in checks}
    equal[checks[-1][0]] = round(1 - share * (len(checks) - 1), 4)
    match = Match("policy", policy.code, policy.name)
    for factor, value, text, (rule_basis, rule_source) in checks:
        match.add(equal, factor, value, text, basis=rule_basis, source=rule_source)
    match.details = {
        "basis": policy.basis,
        "estimate": policy_estimate(demand, policy),
        "source": policy.source.model_dump(mode="json"),
        "valid_from": policy.valid_from.isoformat(),
        "valid_to": policy.valid_to.isoformat() if policy.valid_to else None,
    }
    return match


def _policy_scope(demand: Demand, policy: Policy, cited: tuple[Basis, str]) -> list[Check] | None:
    """The policy's task types or equipment catalogue (None: the demand is outside both)."""
    c = policy.conditions
    task_ok = demand.task_type in c.task_types
    if c.category_prefixes:
        category_ok = any(priority.under(code, list(c.category_prefixes)) for code in demand.category_codes)
        if not (task_ok or category_ok):
            return None
        detail = (
            "设备属于目录所列节能节水、环保或安全生产类别"
            if category_ok
            else "技改任务属于政策支持领域（设备须在目录内）"
        )
        return [("scope", 1.0, detail, cited)]
    if c.task_types:
        return [("scope", 1.0, "技改任务属于政策支持领域", cited)] if task_ok else None
    return []


def _policy_investment(demand: Demand, policy: Policy) -> list[Check] | None:
    """The investment band (None: outside it). One basis, the budget's midpoint, for both thresholds and
    the estimate, so the 项目法 and the 因素法, which are alternatives, never both apply."""
    c = policy.conditions
    assumed: tuple[Basis, str] = ("estimate", c.investment_assumption or TEAM_ESTIMATE_SOURCE)
    investment = _investment(demand)
    checks: list[Check] = []
    if c.min_investment_cny is not None:
        if investment < c.min_investment_cny:
            return None
        checks.append(
            (
                "investment",
                1.0,
                f"设备投资（预算中值{wan(investment)}）达到{wan(c.min_investment_cny)}",
                assumed,
            )
        )
    if c.max_investment_cny is not None:
        if investment >= c.max_investment_cny:
            return None
        checks.append(
            (
                "investment",
                1.0,
                f"设备投资（预算中值{wan(investment)}）在{wan(c.max_investment_cny)}以下",
                assumed,
            )
        )
    return checks


def _policy_financing(
    demand: Demand, policy: Policy, relending_products: int, cited: tuple[Basis, str]
) -> list[Check] | None:
    """A financing need where the policy requires one (None: none stated), and the relending products."""
    c = policy.conditions
    checks: list[Check] = []
    if c.needs_financing:
        if demand.financing_amount_cny is None:
            return None
        checks.append(("financing", 1.0, f"有融资需求{wan(demand.financing_amount_cny)}", cited))
    if c.relending_product:
        detail = (
            f"有{relending_products}款可对接的再贷款支持产品"
            if relending_products
            else "暂无可对接的再贷款支持产品，可向经办银行咨询"
        )
        checks.append(("relending_product", 1.0 if relending_products else 0.5, detail, cited))
    return checks


def _policy_land(demand: Demand, policy: Policy) -> list[Check]:
    """The condition is the plan's; whether this demand meets it is our guess from its task."""
    if not policy.conditions.no_new_land_or_capacity:
        return []
    guess: tuple[Basis, str] = (
        "estimate",
        f"团队估算：{policy.source.section}的条件是不新增用地和产能，是否满足按技改任务推测，须企业确认",
    )
    if demand.task_type == "micro":
        return [("no_new_land_or_capacity", 0.8, "微技改一般不新增用地和产能（请确认）", guess)]
    if demand.old_equipment_age_years is not None:
        return [("no_new_land_or_capacity", 0.6, "更新在用设备，可能不新增用地和产能（请确认）", guess)]
    return [("no_new_land_or_capacity", 0.3, "未说明是否新增用地和产能", guess)]
