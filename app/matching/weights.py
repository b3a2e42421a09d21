"""Matching weights and thresholds: the one place to tune how matches are scored.

Every match's score is the weighted sum of its factors' values (each in 0..1); each kind's weights add up
to 1, so scores are in 0..1 too. A match lists every factor with its weight, value and a detail in
Chinese, so a score can always be taken apart. Change a weight here, run the evaluation set
(`pytest tests/matching/test_quality.py`) and the bench (`python -m bench.matching`), and say why in the
commit: the owners' shortlist/dismiss events (table `match_feedback`) are the evidence for tuning.
"""

from __future__ import annotations

from types import MappingProxyType

from app.kernel import Basis

# Demand → products (and the same factors, the other way round, for a product's matching demands).
PRODUCT_WEIGHTS = MappingProxyType(
    {
        "category": 0.25,  # the product's category is the demand's, or under it
        "text": 0.15,  # the demand's words found in the product
        "industry": 0.10,  # the product is made for the demand's industry
        "region": 0.10,  # supplier in the same city > serves the city > serves the whole province
        "price": 0.10,  # price × quantity against the budget range
        "energy": 0.10,  # energy grade against the requirement (grade 2 when old equipment is below baseline)
        "made_in_sichuan": 0.05,  # "四川造" confirmed at review
        "supplier_record": 0.05,  # quotes accepted and deliveries completed on the marketplace
        "lead_time": 0.05,  # delivery before the expected start
        "priority": 0.05,  # the demand carries a priority flag from the plan's rules
    }
)

# Demand → providers (solution suppliers, design institutes, engineering firms).
PROVIDER_WEIGHTS = MappingProxyType(
    {
        # design → design institutes and solution suppliers, engineering → engineering firms
        "provider_type": 0.30,
        "industry": 0.20,
        "region": 0.15,
        "cases": 0.15,  # past cases, above all in the demand's industry
        "text": 0.15,  # the demand's words in the services, cases and qualifications
        "qualifications": 0.05,
    }
)

# Demand → eligible financing products (eligibility itself is a hard condition, not a factor).
FINANCING_WEIGHTS = MappingProxyType(
    {
        "cost": 0.40,  # lowest rate among the eligible products scores 1
        "type_fit": 0.25,  # the financing type suits the demand's task
        "relending": 0.15,  # backed by the 科技创新和技术改造再贷款 (cheaper funds)
        "focus": 0.20,  # aimed at this region / industry / task rather than open to all
    }
)

# Every weight above, and every partial value a factor gives (0.85 for a subcategory, 0.5 for "unknown"
# …), is the team's estimate: neither the plan nor a regulation says how to rank matches. Reasons whose
# rule does come from the plan say so themselves (app/matching/scoring.py).
TEAM_ESTIMATE_SOURCE = (
    "团队估算：匹配权重与分值由平台团队设定（依据撮合经验，按需求方“加入备选/不感兴趣”反馈调校），"
    "非《行动方案》或法规规定"
)

# The plan's priority rules, each with where it comes from (the API shows both; seed/SOURCES.md).
MACHINE_TOOL_MAX_AGE_YEARS = 10  # 工业母机行业淘汰服役超过10年的机床
MACHINE_TOOL_RULE_BASIS: Basis = "plan"
MACHINE_TOOL_RULE_SOURCE = (
    "川经信规划〔2024〕73号 二、（四）支持安全生产技改：工业母机行业淘汰服役超过10年的机床"
)
BELOW_BASELINE_RULE_BASIS: Basis = "plan"
BELOW_BASELINE_RULE_SOURCE = (
    "川经信规划〔2024〕73号 一、总体要求：重点行业能效基准水平以下产能全部退出；（九）严格落实能效强制性标准"
    "（基准水平见国家发展改革委等《工业重点领域能效标杆水平和基准水平（2023年版）》；是否低于基准由企业填报）"
)
# 化工老旧装置: the plan asks for old reactors, towers, pumps and tanks to go but names no age; ten years,
# as for machine tools in the same section, is our estimate.
SAFETY_CRITICAL_OLD_AGE_YEARS = 10
SAFETY_CRITICAL_RULE_BASIS: Basis = "estimate"
SAFETY_CRITICAL_RULE_SOURCE = (
    "团队估算：川经信规划〔2024〕73号 二、（四）要求化工行业更新老旧反应器（釜）、精馏塔、机泵、换热器、储罐"
    "等设备（民爆装备同节），但未规定役龄；“老旧”按使用10年及以上计，比照同节机床的10年"
)
PRIORITY_RULE_BASES: tuple[Basis, ...] = (
    MACHINE_TOOL_RULE_BASIS,
    BELOW_BASELINE_RULE_BASIS,
    SAFETY_CRITICAL_RULE_BASIS,
)
# Old equipment below the energy baseline and no grade asked: the plan's "能效二级以上" is expected.
BELOW_BASELINE_REQUIRED_GRADE = 2
BELOW_BASELINE_GRADE_SOURCE = (
    "川经信规划〔2024〕73号 二、（三）加快节能节水增效改造：支持替换能效二级以上节能设备"
)
MADE_IN_SICHUAN_SOURCE = (
    "川经信规划〔2024〕73号 三、（六）：建立优质产品供给清单，开展“四川造”推广对接活动（加分幅度为团队估算）"
)
RELENDING_SOURCE = (
    "川经信规划〔2024〕73号 三、（八）：用好国家科技创新和技改专项再贷款等政策工具（加分幅度为团队估算）"
)
MACHINE_TOOL_CATEGORIES = (
    "smart.cnc_machine_tool",
    "precision.machining_center",
    "safety.obsolete_replacement.machine_tool",
)
SAFETY_CRITICAL_CATEGORIES = (
    "safety.chemical_renewal",
    "safety.microchannel_reactor",
    "safety.tubular_reactor",
    "safety.explosives",
)

# How many candidates the search engine hands to scoring, and what a match must score to be notified.
CANDIDATES = 100
NOTIFY_THRESHOLD = 0.6
NOTIFY_MAX_ORGANIZATIONS = 20
