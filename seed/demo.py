"""`python -m app seed --demo`: a realistic marketplace, loaded through the services.

Counts at scale 1: 300 enterprises, 120 suppliers, 40 providers, 10 banks, 2,000 products, 1,000 demands,
spread over the 21 市州, the plan's industries and every leaf of the equipment tree. Deterministic (one
seeded RNG). Names are invented from seed/data/demo_vocabulary.json, and everything a person could take
for real says it is not: every organization's name ends in 「（虚构）」 and its description starts with
「演示数据，虚构」; banks are invented (no real bank's name or brand), and their loan products, whose
amounts and rates are made up, say so in name and description. Phone numbers cannot be dialled.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts import service as accounts
from app.accounts.schemas import RegisterIn
from app.accounts.security import hash_password
from app.auth.principal import Viewer
from app.demands import service as demands
from app.demands.schemas import DemandCreate
from app.financing import service as financing
from app.financing.schemas import FinancingProductCreate
from app.indexing import service as indexing
from app.indexing import tracking  # noqa: F401 - registers the change tracker
from app.kernel import today_in_sichuan
from app.organizations import service as organizations
from app.organizations.schemas import VettingDecisionIn
from app.organizations.uscc import USCC_CHARSET, complete_uscc
from app.products import service as products
from app.products.schemas import ProductCreate, ProductReviewIn
from app.quotes import service as quotes
from app.quotes.schemas import QuoteCreate
from app.workflows import publishing
from seed import network
from seed.catalog import DATA_DIR
from seed.progress import Progress

DEMO_PASSWORD = "demo-password-2024"  # noqa: S105 - published demo credentials, documented in README
DEMO_ADMIN_EMAIL = "admin@demo.sichuan-renewal.example"
BASE_COUNTS = {
    "enterprise": 300,
    "supplier": 120,
    "provider": 40,
    "bank": 10,
    "product": 2000,
    "demand": 1000,
}
BATCH = 200
T = TypeVar("T")
FICTIONAL = "（虚构）"  # ends every demo organization's name
FICTIONAL_NOTE = "演示数据，虚构"  # starts every demo organization's and loan product's description
DEMO_PRODUCT_MARK = "（演示）"  # ends every demo loan product's name
ORGANIZATION_NOTES = {
    "enterprise": "演示用虚构企业，不对应任何真实企业，与真实企业重名纯属巧合；需求内容为演示编写。",
    "supplier": "演示用虚构设备供应商，不对应任何真实企业；产品价格、交期与认证为演示用估计，不是报价。",
    "provider": "演示用虚构服务商，不对应任何真实单位；资质与案例为演示编写，未经任何部门认定。",
    "bank": "演示用虚构银行，不对应任何真实金融机构；其金融产品的额度、期限与利率为演示用估计，不是报价。",
}

SHORT_REGION = {
    "510100": "成都",
    "510300": "自贡",
    "510400": "攀枝花",
    "510500": "泸州",
    "510600": "德阳",
    "510700": "绵阳",
    "510800": "广元",
    "510900": "遂宁",
    "511000": "内江",
    "511100": "乐山",
    "511300": "南充",
    "511400": "眉山",
    "511500": "宜宾",
    "511600": "广安",
    "511700": "达州",
    "511800": "雅安",
    "511900": "巴中",
    "512000": "资阳",
    "513200": "阿坝",
    "513300": "甘孜",
    "513400": "凉山",
}
# Manufacturing is concentrated: Chengdu, Deyang, Mianyang, Yibin … carry more weight than the plateau.
REGION_WEIGHTS = {
    "510100": 30,
    "510600": 8,
    "510700": 8,
    "511500": 7,
    "510500": 5,
    "511100": 5,
    "510300": 4,
    "510400": 4,
    "510900": 4,
    "511000": 4,
    "511300": 4,
    "511400": 4,
    "511600": 3,
    "511700": 4,
    "511800": 2,
    "511900": 2,
    "512000": 3,
    "513200": 1,
    "513300": 1,
    "513400": 2,
    "510800": 3,
}


@dataclass
class Org:
    id: uuid.UUID
    user_id: uuid.UUID
    kind: str
    region_code: str
    industry_code: str | None
    vetted: bool
    specialties: list[str] = field(default_factory=list)


@dataclass
class Catalog:
    leaves: list[dict[str, Any]]
    by_code: dict[str, dict[str, Any]]
    industry_names: dict[str, str]
    plan_industries: list[str]


class _Words(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def fill(template: str, **words: Any) -> str:
    """The vocabulary's templates with their placeholders filled; an absent word is left empty."""
    return template.format_map(_Words(words))


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


def _catalog() -> Catalog:
    categories = _load("equipment_categories.json")["items"]
    parents = {c["parent_code"] for c in categories if c["parent_code"]}
    industries = _load("industries.json")["items"]
    return Catalog(
        leaves=[c for c in categories if c["code"] not in parents],
        by_code={c["code"]: c for c in categories},
        industry_names={i["code"]: i["name"] for i in industries},
        plan_industries=[i["code"] for i in industries if i.get("plan_terms")],
    )


class DemoLoader:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, scale: int, rng_seed: int = 2024
    ) -> None:
        self.sessionmaker = sessionmaker
        self.scale = scale
        self.rng = random.Random(rng_seed)
        # A separate stream places enterprises in 区县, so the marketplace's own draws stay as they were.
        self.place_rng = random.Random(rng_seed + 1)
        self.counties: dict[str, list[str]] = {}
        for region in _load("regions.json")["items"]:
            if region["level"] == "county":
                self.counties.setdefault(region["parent_code"], []).append(region["code"])
        self.vocab = _load("demo_vocabulary.json")
        self.catalog = _catalog()
        self.counts = {k: v * scale for k, v in BASE_COUNTS.items()}
        self.usccs: set[str] = set()
        self.admin_id: uuid.UUID | None = None
        self.password_hash = ""
        self.orgs: dict[str, list[Org]] = {"enterprise": [], "supplier": [], "provider": [], "bank": []}
        self.listed_by_supplier: dict[uuid.UUID, list[tuple[uuid.UUID, str, int]]] = {}
        self.published: list[tuple[uuid.UUID, Org, list[str], int]] = []
        self.session: AsyncSession | None = None

    # -- helpers -------------------------------------------------------------------------------
    def _region(self) -> str:
        codes = list(REGION_WEIGHTS)
        return self.rng.choices(codes, weights=[REGION_WEIGHTS[c] for c in codes])[0]

    def _uscc(self, region: str) -> str:
        body_chars = [c for c in USCC_CHARSET if c.isdigit() or c.isupper()]
        while True:
            code = complete_uscc("91" + region, "".join(self.rng.choices(body_chars, k=8)))
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    async def _batched(
        self, label: str, items: Sequence[T], work: Callable[[AsyncSession, T], Awaitable[None]]
    ) -> None:
        assert self.session is not None
        progress = Progress(label, len(items))
        for start in range(0, len(items), BATCH):
            for item in items[start : start + BATCH]:
                await work(self.session, item)
            await indexing.apply_changes(self.session)  # search documents (and outbox rows) as we go
            self.session.expunge_all()  # keep memory flat: nothing later reads these objects back
            progress.advance(len(items[start : start + BATCH]))
        progress.finish()

    # -- steps ---------------------------------------------------------------------------------
    async def run(self) -> dict[str, int]:
        """Everything in one transaction: a failed load leaves nothing behind and can simply be rerun."""
        self.password_hash = await hash_password(DEMO_PASSWORD)
        async with self.sessionmaker() as session, session.begin():
            self.session = session
            try:
                return await self._load_all()
            finally:
                self.session = None

    async def _load_all(self) -> dict[str, int]:
        assert self.session is not None
        admin = await accounts.create_admin(
            self.session, email=DEMO_ADMIN_EMAIL, password=DEMO_PASSWORD, name="演示服务专员"
        )
        self.admin_id = admin.id
        for kind in ("enterprise", "supplier", "provider", "bank"):
            await self._batched(
                f"organizations:{kind}", [(kind, i) for i in range(self.counts[kind])], self._organization
            )
        await self._batched("financing products", self.orgs["bank"], self._financing_products)
        await self._batched("products", list(range(self.counts["product"])), self._product)
        await self._batched("demands", list(range(self.counts["demand"])), self._demand)
        await self._batched("quotes", self.published, self._quotes)
        network_counts = await network.load(self, self.session)
        return {
            **network_counts,
            **{f"{k}s": len(v) for k, v in self.orgs.items()},
            "products": self.counts["product"],
            "demands": self.counts["demand"],
            "published_demands": len(self.published),
        }

    async def _organization(self, session: AsyncSession, item: tuple[str, int]) -> None:
        kind, index = item
        rng = self.rng
        region = self._region()
        industry: str | None = None
        provider_types: list[str] = []
        profile: dict[str, Any] | None = None
        if kind == "enterprise":
            industry = rng.choice(list(self.vocab["enterprise_name_stems"]))
            stem = rng.choice(self.vocab["enterprise_name_stems"][industry])
            name = (
                f"{SHORT_REGION[region]}{stem}{rng.choice(['实业', '科技', '股份', '制造', '集团'])}有限公司"
            )
        elif kind == "supplier":
            name = f"{SHORT_REGION[region]}{rng.choice(self.vocab['supplier_name_stems'])}装备有限公司"
        elif kind == "provider":
            provider_types = rng.sample(
                ["solution_supplier", "design_institute", "engineering_firm"], k=rng.choice([1, 1, 2])
            )
            main = provider_types[0]
            stem = rng.choice(self.vocab["provider_name_stems"][main])
            suffix = {
                "design_institute": "研究院有限公司",
                "engineering_firm": "工程有限公司",
                "solution_supplier": "技术有限公司",
            }[main]
            name = f"{SHORT_REGION[region]}{stem}{suffix}"
            profile = self._provider_profile(provider_types, region)
        else:
            name = self.vocab["bank_names"][index % len(self.vocab["bank_names"])]
            if index >= len(self.vocab["bank_names"]):
                name = f"{name.removesuffix(FICTIONAL)}{SHORT_REGION[region]}分行"
        if not name.endswith(FICTIONAL):
            name += FICTIONAL
        email = f"{kind}-{index:05d}@demo.sichuan-renewal.example"
        organization: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "uscc": self._uscc(region),
            "region_code": region,
            "industry_code": industry,
            "provider_types": provider_types,
            "description": f"{FICTIONAL_NOTE}：{ORGANIZATION_NOTES[kind]}",
            "contact_name": "联系人",
            # A local number starting with 0 is never assigned, so no real line is ever shown.
            "contact_phone": f"028-0{index:07d}",
        }
        if profile is not None:
            organization["profile"] = profile
        if kind == "enterprise" and self.counties.get(region) and self.place_rng.random() < 0.7:
            # Most enterprises are placed in a 区县 of their 市州 (where the 区县's 服务专员 can find them).
            organization["region_code"] = self.place_rng.choice(self.counties[region])
        data = RegisterIn.model_validate(
            {
                "email": email,
                "password": DEMO_PASSWORD,
                "name": f"{kind}演示用户",
                "organization": organization,
            }
        )
        user, org = await accounts.register(session, data, password_hash=self.password_hash)
        vetted = rng.random() < 0.93 or kind == "bank"
        if vetted:
            assert self.admin_id is not None
            await organizations.decide_vetting(
                session,
                org.id,
                VettingDecisionIn(decision="approve", note="演示数据"),
                admin_user_id=self.admin_id,
            )
        specialties = rng.sample(self.catalog.leaves, k=rng.randint(2, 5)) if kind == "supplier" else []
        self.orgs[kind].append(
            Org(
                id=org.id,
                user_id=user.id,
                kind=kind,
                region_code=organization["region_code"],
                industry_code=industry,
                vetted=vetted,
                specialties=[c["code"] for c in specialties],
            )
        )

    def _provider_profile(self, provider_types: list[str], region: str) -> dict[str, Any]:
        rng = self.rng
        main = provider_types[0]
        industries = rng.sample(self.catalog.plan_industries, k=rng.randint(1, 4))
        cases = []
        for _ in range(rng.randint(1, 4)):
            leaf = rng.choice(self.catalog.leaves)
            industry_name = self.catalog.industry_names.get(industries[0], "制造")
            client = f"{SHORT_REGION[self._region()]}某{industry_name}企业"
            cases.append(
                {
                    "title": fill(
                        rng.choice(self.vocab["case_templates"]), client=client, equipment=leaf["name"]
                    ),
                    "client": client,
                    "year": rng.randint(2019, 2025),
                    "amount_cny": rng.randint(50, 5000) * 10_000,
                    "industry_code": industries[0],
                }
            )
        return {
            "services": rng.sample(self.vocab["provider_services"][main], k=3),
            "service_region_codes": sorted({region, *rng.sample(list(SHORT_REGION), k=rng.randint(0, 4))}),
            "industry_codes": industries,
            "qualifications": [{"name": q} for q in rng.sample(self.vocab["qualifications"][main], k=2)],
            "cases": cases,
        }

    async def _financing_products(self, session: AsyncSession, bank: Org) -> None:
        rng = self.rng
        kinds = [
            ("tech_upgrade_loan", "技改贷"),
            ("renewal_loan", "更新贷"),
            ("specialized_sme_loan", "专精特新贷"),
            ("manufacturing_benefit_loan", "制惠贷"),
        ]
        for code, label in rng.sample(kinds, k=rng.randint(2, 4)):
            low = rng.choice([500_000, 1_000_000, 2_000_000])
            rate = round(rng.uniform(2.3, 3.4), 2)
            variant = rng.choice(["专享", "普惠", "快贷", "升级版"])
            data = FinancingProductCreate.model_validate(
                {
                    "name": f"{label}·设备更新{variant}{DEMO_PRODUCT_MARK}",
                    "financing_type": code,
                    "description": f"{FICTIONAL_NOTE}：虚构银行的演示产品，额度、期限与利率为演示用估计，"
                    f"不是任何银行的报价。面向技术改造和设备更新项目的{label}产品。",
                    "amount_min_cny": low,
                    "amount_max_cny": low * rng.choice([20, 50, 100]),
                    "term_min_months": 12,
                    "term_max_months": rng.choice([36, 60, 96]),
                    "rate_min_pct": rate,
                    "rate_max_pct": round(rate + rng.uniform(0.3, 1.2), 2),
                    "region_codes": []
                    if rng.random() < 0.6
                    else rng.sample(list(SHORT_REGION), k=rng.randint(1, 6)),
                    "industry_codes": []
                    if rng.random() < 0.7
                    else rng.sample(self.catalog.plan_industries, k=3),
                    "task_types": []
                    if rng.random() < 0.5
                    else rng.sample(
                        ["line_upgrade", "smart_digital", "environmental", "safety", "micro"],
                        k=rng.randint(1, 3),
                    ),
                    "relending_eligible": rng.random() < 0.5,
                }
            )
            await financing.create_financing_product(session, data, organization_id=bank.id, bank_vetted=True)

    async def _product(self, session: AsyncSession, index: int) -> None:
        rng = self.rng
        supplier = self.orgs["supplier"][index % len(self.orgs["supplier"])]
        code = rng.choice(supplier.specialties)
        spec = self.vocab["products"][code]
        category = self.catalog.by_code[code]
        price_min = rng.randint(spec["price_cny"][0], spec["price_cny"][1])
        price_max = min(spec["price_cny"][1] * 2, int(price_min * rng.uniform(1.1, 1.6)))
        suffix = rng.choice(["", "A", "B", "Pro", "S"])
        model = f"{rng.choice(spec['model_prefixes'])}-{rng.randint(10, 9999)}{suffix}"
        regions: list[str] = (
            []
            if rng.random() < 0.3
            else sorted({supplier.region_code, *rng.sample(list(SHORT_REGION), k=rng.randint(0, 5))})
        )
        made_in_sichuan = rng.random() < 0.7
        data = ProductCreate.model_validate(
            {
                "name": rng.choice(spec["names"]),
                "model": model,
                "category_code": code,
                "industry_codes": category.get("industry_codes", [])[:5],
                "description": f"{category['name']}，适用于{category.get('plan_quote', '技术改造')}。"
                "（演示数据：价格、交期与认证为虚构）",
                "price_min_cny": price_min,
                "price_max_cny": max(price_min, price_max),
                "energy_grade": rng.choice([1, 1, 2, 2, 3]) if spec["energy_graded"] else None,
                "made_in_sichuan": made_in_sichuan,
                "service_region_codes": regions,
                "lead_time_days": rng.randint(*spec["lead_time_days"]),
                "certifications": rng.sample(spec["certifications"], k=min(2, len(spec["certifications"]))),
            }
        )
        product = await products.create_product(session, data, organization_id=supplier.id)
        roll = rng.random()
        if roll < 0.05:
            return  # stays a draft
        viewer = Viewer(organization_id=supplier.id, is_admin=False)
        await products.submit_product(session, product.id, viewer=viewer)
        if roll < 0.12:
            return  # waits in the review queue
        assert self.admin_id is not None
        await products.review_product(
            session,
            product.id,
            ProductReviewIn(
                decision="approve", note="", made_in_sichuan_confirmed=True if made_in_sichuan else None
            ),
            admin_user_id=self.admin_id,
        )
        self.listed_by_supplier.setdefault(supplier.id, []).append((product.id, code, price_min))

    async def _demand(self, session: AsyncSession, index: int) -> None:
        rng = self.rng
        enterprise = self.orgs["enterprise"][index % len(self.orgs["enterprise"])]
        leaf = rng.choice(self.catalog.leaves)
        task_type = rng.choice(leaf["task_types"])
        templates = self.vocab["demand_templates"][task_type]
        template = rng.choice(templates)
        quantity = rng.randint(1, 12)
        age = rng.randint(3, 20)
        industry = enterprise.industry_code or rng.choice(self.catalog.plan_industries)
        words = {
            "equipment": leaf["name"],
            "industry": self.catalog.industry_names.get(industry, ""),
            "quantity": quantity,
            "age": age,
            "client": "",
        }
        spec = self.vocab["products"].get(leaf["code"], {"price_cny": [100_000, 1_000_000]})
        budget_min = quantity * spec["price_cny"][0]
        budget_max = int(budget_min * rng.uniform(1.2, 2.5))
        wants_loan = rng.random() < 0.45
        data = DemandCreate.model_validate(
            {
                "title": fill(template["title"], **words)[:200],
                "description": fill(template["description"], **words),
                "task_type": task_type,
                "industry_code": industry,
                "region_code": enterprise.region_code,
                "category_codes": [leaf["code"]],
                "quantity": quantity,
                "budget_min_cny": budget_min,
                "budget_max_cny": budget_max,
                "expected_start": (today_in_sichuan() + timedelta(days=rng.randint(15, 300))).isoformat(),
                "old_equipment": {
                    "age_years": age,
                    "energy_grade": rng.choice([2, 3, 3]),
                    "below_energy_baseline": rng.random() < 0.15,
                },
                "required_energy_grade": rng.choice([None, 1, 2]),
                "needs": {
                    "equipment": True,
                    "design": rng.random() < 0.3,
                    "engineering": rng.random() < 0.4,
                    "financing": {
                        "amount_cny": max(1, int(budget_max * rng.uniform(0.3, 0.7))),
                        "term_months": rng.choice([12, 24, 36, 60]),
                    }
                    if wants_loan
                    else None,
                },
                "share_with_banks": wants_loan and rng.random() < 0.8,
            }
        )
        demand = await demands.create_demand(
            session, data, organization_id=enterprise.id, user_id=enterprise.user_id
        )
        if enterprise.vetted and rng.random() < 0.85:
            # The API's own publication (leads in the same transaction); no alerts for demo data.
            await publishing.publish_demand(
                session,
                demand.id,
                viewer=Viewer(organization_id=enterprise.id, is_admin=False),
                organization_vetted=True,
                alerts=False,
            )
            self.published.append((demand.id, enterprise, [leaf["code"]], budget_max))

    async def _quotes(self, session: AsyncSession, item: tuple[uuid.UUID, Org, list[str], int]) -> None:
        rng = self.rng
        demand_id, enterprise, codes, budget_max = item
        if rng.random() > 0.35:
            return
        candidates = [s for s in self.orgs["supplier"] if s.vetted and self.listed_by_supplier.get(s.id)]
        fitting = [s for s in candidates if any(c in codes for _, c, _ in self.listed_by_supplier[s.id])]
        chosen = rng.sample(fitting or candidates, k=min(len(fitting or candidates), rng.randint(1, 3)))
        made = []
        for supplier in chosen:
            product = next((p for p in self.listed_by_supplier[supplier.id] if p[1] in codes), None)
            quote = await quotes.create_quote(
                session,
                demand_id,
                QuoteCreate(
                    product_id=product[0] if product else None,
                    price_cny=max(1, int(budget_max * rng.uniform(0.6, 1.05))),
                    delivery_days=rng.randint(20, 180),
                    message="可提供安装调试与培训服务。",
                ),
                viewer=Viewer(organization_id=supplier.id, is_admin=False),
                organization_vetted=True,
                user_id=supplier.user_id,
            )
            made.append(quote.id)
        if made and rng.random() < 0.4:
            await quotes.decide(
                session,
                rng.choice(made),
                "accept",
                viewer=Viewer(organization_id=enterprise.id, is_admin=False),
            )


async def demo_loaded(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    async with sessionmaker() as session:
        return await accounts.email_registered(session, DEMO_ADMIN_EMAIL)


async def load_demo(sessionmaker: async_sessionmaker[AsyncSession], *, scale: int = 1) -> dict[str, int]:
    """Load the demo marketplace once; a second run finds it and changes nothing."""
    if await demo_loaded(sessionmaker):
        return {}
    return await DemoLoader(sessionmaker, scale=scale).run()
