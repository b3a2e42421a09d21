"""The demo's service network (issue 17): fictional government offices with 服务专员 at each level,
enterprise profiles, 设备台账, 全川行 diagnoses at every stage, an expert pool and the region settings.

Every office and person is fictional (names end in （虚构）); the figures (the share of 规上 enterprises,
ages of equipment, budgets) are the demo's estimates, not statistics. It runs after the marketplace, in
the same transaction, with its own random stream so the marketplace stays as it was."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Viewer
from app.auth.scope import EVERYWHERE
from app.diagnoses import service as diagnoses
from app.diagnoses.schemas import DiagnosisIn, PlanItemIn, VisitIn
from app.kernel import CHINA, today_in_sichuan
from app.models.account import User
from app.models.base import utcnow
from app.models.equipment import EquipmentItem
from app.models.expert import Expert, ServiceSetting
from app.models.organization import Organization
from seed.progress import Progress

if TYPE_CHECKING:
    from seed.demo import DemoLoader

# (region, level, office name): the province, three 市州 and two 区县 where the demo's operators work.
OFFICES = (
    ("510000", "province", "四川省演示设备更新服务专员办公室（虚构）"),
    ("510100", "city", "成都市演示设备更新服务专员站（虚构）"),
    ("510600", "city", "德阳市演示设备更新服务专员站（虚构）"),
    ("511500", "city", "宜宾市演示设备更新服务专员站（虚构）"),
    ("510107", "county", "武侯区演示设备更新服务专员站（虚构）"),
    ("510603", "county", "旌阳区演示设备更新服务专员站（虚构）"),
)
ABOVE_SIZE_SHARE = 0.6  # the demo's estimate of the share of 规上 among its enterprises
DIAGNOSED_SHARE = 0.5  # of the 规上 enterprises in an office's region: the demo's progress so far
COVERAGE_TARGET_PCT = 100.0  # 全覆盖诊断规上工业企业 (the plan, 三、（六）)
REVIEW_THRESHOLD_CNY = 20_000_000  # the demo's estimate: plans above 2000万元 go to an expert
STAGES = ("planned", "visited", "plan_drafted", "delivered", "delivered")


def operator_email(region_code: str) -> str:
    return f"operator-{region_code}@demo.sichuan-renewal.example"


async def load(loader: DemoLoader, session: AsyncSession) -> dict[str, int]:
    rng = random.Random(2024 + 17)
    counts = {"gov_offices": 0, "operators": 0, "inventory_items": 0, "diagnoses": 0, "experts": 0}
    operators: list[tuple[str, uuid.UUID]] = []
    for code, level, name in OFFICES:
        office = Organization(
            name=name,
            kind="gov",
            region_code=code,
            description="演示数据，虚构：演示用虚构服务专员机构，不对应任何真实政府部门。",
            vetting_status="vetted",
            vetted_at=utcnow(),
            vetted_by_id=loader.admin_id,
            version=1,
        )
        session.add(office)
        await session.flush()
        user = User(
            email=operator_email(code),
            name=f"{name.split('（')[0]}服务专员",
            password_hash=loader.password_hash,
            organization_id=office.id,
            role="owner",
            operator_level=level,
            operator_region_code=code,
        )
        session.add(user)
        await session.flush()
        operators.append((code, user.id))
        counts["gov_offices"] += 1
        counts["operators"] += 1
    session.add(ServiceSetting(region_code="510000", coverage_target_pct=COVERAGE_TARGET_PCT))
    # Profiles (规上 or not, 专精特新, bands) and inventories, for every demo enterprise.
    enterprises = loader.orgs["enterprise"]
    progress = Progress("service network", len(enterprises))
    leaves = loader.catalog.leaves
    year = today_in_sichuan().year
    above_size: list[Any] = []
    for n, org in enumerate(enterprises):
        row = await session.get(Organization, org.id)
        assert row is not None
        above = rng.random() < ABOVE_SIZE_SHARE
        row.above_designated_size = above
        row.output_band = (
            rng.choice(["20m_400m", "20m_400m", "400m_plus"]) if above else rng.choice(["under_3m", "3m_20m"])
        )
        row.employees_band = (
            rng.choice(["300_999", "1000_plus"]) if above else rng.choice(["under_20", "20_299"])
        )
        row.specialized_level = rng.choices(["none", "provincial", "national"], weights=[80, 15, 5])[0]
        row.high_tech = rng.random() < 0.3
        row.main_products = [loader.catalog.industry_names.get(org.industry_code or "", "工业产品")]
        row.profile_updated_at = utcnow()
        if above:
            above_size.append(org)
        if rng.random() < 0.4:
            for _ in range(rng.randint(1, 4)):
                leaf = rng.choice(leaves)
                session.add(
                    EquipmentItem(
                        organization_id=org.id,
                        category_code=leaf["code"],
                        model=f"演示型号-{rng.randint(100, 999)}",
                        maker="演示设备厂（虚构）",
                        in_service_year=year - rng.randint(2, 20),
                        count=rng.randint(1, 10),
                        energy_grade=rng.choice([1, 2, 3, 3]),
                        original_value_cny=rng.randint(5, 200) * 10_000,
                        below_energy_baseline=rng.random() < 0.15,
                        recorded_by_id=org.user_id,
                        version=1,
                    )
                )
                counts["inventory_items"] += 1
        if n % 50 == 49:
            progress.advance(50)
    progress.finish()
    await session.flush()
    # Diagnoses at every stage for the 规上 enterprises of the offices' 市州.
    viewer = Viewer(organization_id=None, is_admin=True, scope=EVERYWHERE)
    cities = {code for code, level, _ in OFFICES if level == "city"}
    officer_of = dict(operators)
    for org in above_size:
        city = org.region_code[:4] + "00"
        if city not in cities or rng.random() > DIAGNOSED_SHARE:
            continue
        user_id = officer_of.get(org.region_code, officer_of[city])
        planned = datetime.now(CHINA) - timedelta(days=rng.randint(5, 120))
        diagnosis = await diagnoses.open_diagnosis(
            session,
            DiagnosisIn.model_validate({"organization_id": str(org.id), "planned_at": planned.isoformat()}),
            viewer=viewer,
            user_id=user_id,
        )
        stage = rng.choice(STAGES)
        if stage != "planned":
            await diagnoses.record_visit(
                session,
                diagnosis.id,
                VisitIn.model_validate(
                    {
                        "visited_at": planned.isoformat(),
                        "findings": [
                            {
                                "task_type": "line_upgrade",
                                "text": "主要生产设备服役年限较长，能耗偏高（演示）",
                            }
                        ],
                    }
                ),
                viewer=viewer,
                user_id=user_id,
            )
        if stage in ("plan_drafted", "delivered"):
            for _ in range(rng.randint(1, 3)):
                leaf = rng.choice(leaves)
                low = rng.randint(20, 300) * 10_000
                await diagnoses.add_plan_item(
                    session,
                    diagnosis.id,
                    PlanItemIn(
                        category_code=leaf["code"],
                        quantity=rng.randint(1, 6),
                        budget_min_cny=low,
                        budget_max_cny=int(low * 1.5),
                        task_type=rng.choice(leaf["task_types"]),
                        expected_benefit="预计能耗下降10%–20%（演示估算）",
                    ),
                    viewer=viewer,
                    user_id=user_id,
                )
        if stage == "delivered":
            await diagnoses.deliver(session, diagnosis.id, viewer=viewer, user_id=user_id)
        counts["diagnoses"] += 1
    # The threshold comes after the demo's plans (they were drafted before it was set).
    session.add(ServiceSetting(region_code="510600", expert_review_threshold_cny=REVIEW_THRESHOLD_CNY))
    for provider in loader.orgs["provider"][:8]:
        if provider.vetted:
            session.add(
                Expert(
                    user_id=provider.user_id,
                    fields=["设备更新", "节能降碳"],
                    region_code="510000",
                    added_by_id=loader.admin_id,
                )
            )
            counts["experts"] += 1
    await session.flush()
    return counts
