"""The labelled evaluation set for matching: 22 equipment categories across the five tasks, eight products
in each (four names × two variants) plus a look-alike each, 66 demands (three per category), 12 providers.

The judgments, written down here rather than derived from the scorer:
- a demand's right products are those of its category (or under it) that serve its city, meet its
  energy-grade requirement and cost no more than its budget;
- the lures: in every category one variant serves only 甘孜 (never a demand's city), one has energy
  grade 3 (wrong where grade 2 is required), one costs eight times the category's top price (over every
  budget); and the other 21 categories' products, many of them sharing words with this one
  (数控车床 / 车铣复合加工中心 / 数控系统升级包, 反应釜 / 储罐 / 联锁 …), are the wrong-category lures, and
  one look-alike per category carries this category's equipment names but is filed under another;
- a demand's right providers offer a type its needs call for (design → design institute or solution
  supplier, engineering → engineering firm), work in its industry (same code family) and serve its city.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FAR_REGION = "513300"  # 甘孜: the region-lure variant serves only here; no demand is posted here
DEMAND_REGIONS = [
    "510100",
    "510300",
    "510400",
    "510500",
    "510600",
    "510700",
    "510800",
    "510900",
    "511000",
    "511100",
    "511300",
    "511400",
    "511500",
    "511600",
    "511700",
    "511800",
    "511900",
    "512000",
    "513200",
    "513400",
]


@dataclass(frozen=True)
class Category:
    code: str
    task_type: str
    industries: tuple[str, ...]  # industries the category's products are made for (demands pick from these)
    names: tuple[str, str, str, str]
    price: tuple[int, int]  # a typical unit price range


CATEGORIES = [
    Category(
        "photovoltaic.monocrystal_furnace",
        "line_upgrade",
        ("C3825",),
        ("大热场单晶炉", "直拉式大热场单晶炉", "N型大尺寸硅单晶炉", "全自动拉晶单晶炉"),
        (1_200_000, 2_800_000),
    ),
    Category(
        "battery.winding_machine",
        "line_upgrade",
        ("C3841",),
        ("方形电芯全自动卷绕机", "圆柱电池高速卷绕机", "激光模切卷绕一体机", "全极耳圆柱电芯卷绕机"),
        (800_000, 3_200_000),
    ),
    Category(
        "precision.machining_center",
        "line_upgrade",
        ("C34", "C35", "C36"),
        ("立式加工中心", "卧式加工中心", "五轴联动加工中心", "龙门加工中心"),
        (180_000, 6_000_000),
    ),
    Category(
        "baijiu.koji_making",
        "line_upgrade",
        ("C1512",),
        ("智能压曲机", "全自动曲块成型机", "制曲房智能培菌控制系统", "大曲粉碎拌料一体机"),
        (200_000, 2_000_000),
    ),
    Category(
        "light_textile.air_jet_loom",
        "line_upgrade",
        ("C17",),
        ("高速数控喷气织机", "宽幅喷气织机", "电子多臂喷气织机", "提花喷气织机"),
        (130_000, 450_000),
    ),
    Category(
        "kiln.large_tunnel_kiln",
        "line_upgrade",
        ("C3031",),
        ("大断面页岩砖隧道窑", "宽体节能隧道窑", "一次码烧大断面隧道窑", "烧结砖隧道窑成套装备"),
        (6_000_000, 30_000_000),
    ),
    Category(
        "smart.industrial_robot",
        "smart_digital",
        ("C39", "C36", "C34", "C35"),
        ("六轴工业机器人", "SCARA机器人", "协作机器人", "码垛机器人"),
        (60_000, 800_000),
    ),
    Category(
        "smart.software.mes",
        "smart_digital",
        ("C39", "C15", "C27"),
        ("离散制造MES", "流程行业MES", "电子行业MES", "MES制造执行系统（白酒版）"),
        (300_000, 8_000_000),
    ),
    Category(
        "smart.ai.quality_inspection",
        "smart_digital",
        ("C39", "C36"),
        ("AI视觉缺陷检测系统", "AOI自动光学检测设备", "表面缺陷智能检测一体机", "工业质检大模型一体机"),
        (200_000, 3_000_000),
    ),
    Category(
        "smart.cnc_machine_tool",
        "smart_digital",
        ("C34", "C35", "C36", "C37"),
        ("数控车床", "数控铣床", "车铣复合加工中心", "精密数控车削中心"),
        (80_000, 3_000_000),
    ),
    Category(
        "digital_infra.sensing.sensor",
        "smart_digital",
        ("C26", "C31", "C39"),
        ("无线振动温度传感器", "智能压力变送器", "工业温湿度传感器", "防爆型气体传感器"),
        (200, 20_000),
    ),
    Category(
        "environmental.desulfurization_denitration",
        "environmental",
        ("C3011", "C31"),
        ("SCR脱硝装置", "SNCR脱硝系统", "石灰石-石膏湿法脱硫装置", "活性焦一体化脱硫脱硝装置"),
        (3_000_000, 60_000_000),
    ),
    Category(
        "environmental.dust_removal",
        "environmental",
        ("C3011", "C31", "C304"),
        ("高效脉冲袋式除尘器", "电袋复合除尘器", "湿式电除尘器", "滤筒除尘器"),
        (500_000, 20_000_000),
    ),
    Category(
        "energy_saving.water_recycling",
        "environmental",
        ("C26", "C22", "C31"),
        ("工业循环冷却水处理系统", "闭式冷却塔", "中水回用成套设备", "循环水智能加药系统"),
        (200_000, 10_000_000),
    ),
    Category(
        "papermaking.twin_roll_washer",
        "environmental",
        ("C221", "C22"),
        ("节能型双辊洗浆机", "高浓双辊挤浆机", "置换式双辊压榨洗浆机", "竹浆双辊洗浆机"),
        (1_500_000, 8_000_000),
    ),
    Category(
        "energy_saving.efficient_equipment",
        "environmental",
        ("C26", "C30", "C31"),
        ("一级能效永磁同步电动机", "二级能效三相异步电动机", "高压变频器", "一级能效干式变压器"),
        (5_000, 3_000_000),
    ),
    Category(
        "safety.chemical_renewal.reactor",
        "safety",
        ("C26", "C27"),
        ("搪玻璃反应釜", "不锈钢反应釜", "高压加氢反应釜", "磁力搅拌反应釜"),
        (50_000, 3_000_000),
    ),
    Category(
        "safety.chemical_renewal.storage_tank",
        "safety",
        ("C26",),
        ("内浮顶常压储罐", "液化烃球形储罐", "卧式压力储罐", "储罐区智能监控系统"),
        (150_000, 20_000_000),
    ),
    Category(
        "safety.monitoring_interlock",
        "safety",
        ("C26", "C31", "C30"),
        (
            "安全仪表系统（SIS）",
            "可燃及有毒气体检测报警系统（GDS）",
            "工艺参数自动联锁控制系统",
            "重大危险源在线监测预警系统",
        ),
        (200_000, 5_000_000),
    ),
    Category(
        "safety.smart_mine.disaster_monitoring",
        "safety",
        ("B06", "B08", "B09"),
        ("煤矿安全监控系统", "微震监测系统", "矿井水害监测预警系统", "瓦斯抽采在线监测系统"),
        (100_000, 5_000_000),
    ),
    Category(
        "micro.circulating_pump",
        "micro",
        ("C26", "C31", "C15"),
        ("变频循环水泵", "高效节能单级双吸泵", "管道循环泵", "智能变频恒压供水泵组"),
        (8_000, 600_000),
    ),
    Category(
        "micro.hydrogen_production",
        "micro",
        ("C26", "C31"),
        ("碱性电解水制氢设备", "PEM电解水制氢设备", "集装箱式制氢装置", "甲醇裂解制氢装置"),
        (400_000, 20_000_000),
    ),
]

TITLES = {
    "line_upgrade": "{industry}企业{equipment}整线升级",
    "smart_digital": "上线{equipment}，建设数字化车间",
    "environmental": "{equipment}节能环保改造",
    "safety": "{equipment}安全改造，淘汰老旧装置",
    "micro": "{equipment}微技改",
}
DESCRIPTIONS = {
    "line_upgrade": "现有设备已运行多年，精度下降、故障频发，计划整体更新为高精度、高可靠性的{equipment}。",
    "smart_digital": "生产数据依靠纸质报表，拟引入{equipment}，打通设备、计划和质量数据。",
    "environmental": "为达到超低排放和节能要求，拟更新{equipment}，降低能耗和排放。",
    "safety": "在用装置使用年限长、安全风险高，拟更换为{equipment}并完善监测联锁。",
    "micro": "小切口改造：单点更新{equipment}，投资小、见效快。",
}


@dataclass(frozen=True)
class ProductCase:
    key: str
    category: str
    name: str
    model: str
    industries: tuple[str, ...]
    price: tuple[int, int]
    energy_grade: int
    regions: tuple[str, ...]  # () = the whole province
    supplier: int  # index into SUPPLIER_REGIONS
    lure: str | None  # None (a good product) | "region" | "energy" | "price" | "category"


@dataclass(frozen=True)
class DemandCase:
    key: str
    category: str
    task_type: str
    industry: str
    region: str
    title: str
    description: str
    budget: tuple[int, int]
    required_energy_grade: int | None
    needs_design: bool
    needs_engineering: bool
    right_products: frozenset[str] = field(default_factory=frozenset)
    right_providers: frozenset[str] = field(default_factory=frozenset)


SUPPLIER_REGIONS = ["510100", "510700", "511500", "513400"]
LURES = {0: "region", 1: "energy", 2: "price", 3: None}


def products() -> list[ProductCase]:
    found = []
    for c_index, category in enumerate(CATEGORIES):
        low, high = category.price
        for i, name in enumerate(category.names):
            prefix = "".join(ch for ch in category.code.split(".")[-1].upper() if ch.isalpha())[:3]
            found.append(
                ProductCase(
                    f"{category.code}#{i}a",
                    category.code,
                    name,
                    f"{prefix}-{c_index}{i}0",
                    category.industries,
                    (low, high),
                    1 + i % 2,
                    (),
                    (c_index + i) % 4,
                    None,
                )
            )
            lure = LURES[i]
            found.append(
                ProductCase(
                    f"{category.code}#{i}b",
                    category.code,
                    name,
                    f"{prefix}-{c_index}{i}1S",
                    category.industries,
                    (high * 8, high * 9) if lure == "price" else (low, high),
                    3 if lure == "energy" else 2,
                    (FAR_REGION,) if lure == "region" else (),
                    (c_index + i + 1) % 4,
                    lure,
                )
            )
        # A look-alike: named after this category's equipment, filed under the next category. A text
        # search alone would put it first for this category's demands; matching must never offer it.
        other = CATEGORIES[(c_index + 1) % len(CATEGORIES)]
        found.append(
            ProductCase(
                f"{category.code}#look-alike",
                other.code,
                f"{category.names[0]}（{category.names[2]}）",
                f"LA-{c_index}",
                category.industries,
                (low, high),
                1,
                (),
                c_index % 4,
                "category",
            )
        )
    return found


@dataclass(frozen=True)
class ProviderCase:
    key: str
    types: tuple[str, ...]
    industries: tuple[str, ...]
    regions: tuple[str, ...]  # () = the whole province
    services: tuple[str, ...]


PROVIDERS = [
    ProviderCase(
        "chem-design",
        ("design_institute",),
        ("C26", "C27"),
        (),
        ("化工石化工程设计", "危险工艺自动化改造设计"),
    ),
    ProviderCase("chem-build", ("engineering_firm",), ("C26",), (), ("化工装置安装工程", "储罐区改造施工")),
    ProviderCase(
        "building-materials",
        ("design_institute", "engineering_firm"),
        ("C30", "C31"),
        (),
        ("建材窑炉热工设计", "超低排放改造工程总承包"),
    ),
    ProviderCase(
        "machinery-integrator",
        ("solution_supplier",),
        ("C34", "C35", "C36", "C37"),
        (),
        ("自动化产线系统集成", "数控设备联网"),
    ),
    ProviderCase(
        "electronics-integrator",
        ("solution_supplier",),
        ("C38", "C39"),
        (),
        ("智能工厂规划与实施", "AI视觉质检方案"),
    ),
    ProviderCase(
        "food-design",
        ("design_institute",),
        ("C15", "C17", "C22"),
        (),
        ("轻工食品工程设计", "白酒酿造车间设计"),
    ),
    ProviderCase(
        "mine-safety",
        ("engineering_firm", "solution_supplier"),
        ("B06", "B08", "B09"),
        (),
        ("智慧矿山建设", "灾害监测系统集成"),
    ),
    ProviderCase(
        "chengdu-only-build",
        ("engineering_firm",),
        ("C26", "C30", "C31", "C34", "C38", "C39"),
        ("510100",),
        ("机电安装工程", "洁净厂房施工"),
    ),
    ProviderCase(
        "generalist-design", ("design_institute",), ("C",), (), ("工业项目可行性研究", "工程初步设计")
    ),
    ProviderCase(
        "energy-build", ("engineering_firm",), ("C22", "C31", "C3011"), (), ("余热利用工程", "节能改造施工")
    ),
    ProviderCase(
        "pv-design",
        ("design_institute", "solution_supplier"),
        ("C3825", "C3841"),
        (),
        ("光伏电池产线规划设计",),
    ),
    ProviderCase("textile-integrator", ("solution_supplier",), ("C17",), (), ("纺织数字化车间实施",)),
]


def _industry_fits(demand: str, offered: tuple[str, ...]) -> bool:
    return any(demand.startswith(c) or c.startswith(demand) for c in offered)


def demands() -> list[DemandCase]:
    all_products = products()
    found = []
    n = 0
    for category in CATEGORIES:
        low, high = category.price
        for j in range(3):
            industry = category.industries[j % len(category.industries)]
            region = DEMAND_REGIONS[n % len(DEMAND_REGIONS)]
            required = 2 if j == 0 else None
            budget = (low, int(high * 1.2))
            needs_design, needs_engineering = [(True, False), (False, True), (True, True)][j]
            equipment = category.names[j]
            right = frozenset(
                p.key
                for p in all_products
                if p.category == category.code
                and (not p.regions or region in p.regions)
                and (required is None or p.energy_grade <= required)
                and p.price[0] <= budget[1]
            )
            wanted = {
                t
                for need, types in (
                    (needs_design, ("design_institute", "solution_supplier")),
                    (needs_engineering, ("engineering_firm",)),
                )
                if need
                for t in types
            }
            providers = frozenset(
                p.key
                for p in PROVIDERS
                if wanted & set(p.types)
                and _industry_fits(industry, p.industries)
                and (not p.regions or region in p.regions)
            )
            found.append(
                DemandCase(
                    key=f"{category.code}@{j}",
                    category=category.code,
                    task_type=category.task_type,
                    industry=industry,
                    region=region,
                    title=TITLES[category.task_type].format(industry="", equipment=equipment).lstrip("企业"),
                    description=DESCRIPTIONS[category.task_type].format(equipment=equipment),
                    budget=budget,
                    required_energy_grade=required,
                    needs_design=needs_design,
                    needs_engineering=needs_engineering,
                    right_products=right,
                    right_providers=providers,
                )
            )
            n += 1
    return found
