"""Matching weights and thresholds: the one place to tune how matches are scored.

Every match's score is the weighted sum of its factors' values (each in 0..1); each kind's weights add up
to 1, so scores are in 0..1 too. A match lists every factor with its weight, value and a detail in
Chinese, so a score can always be taken apart. Change a weight here, run the evaluation set
(`pytest tests/matching/test_quality.py`) and the bench (`python -m bench.matching`), and say why in the
commit: the owners' shortlist/dismiss events (table `match_feedback`) are the evidence for tuning.
"""

from __future__ import annotations

from types import MappingProxyType

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

# The plan's priority rules.
MACHINE_TOOL_MAX_AGE_YEARS = 10  # 工业母机行业淘汰服役超过10年的机床
SAFETY_CRITICAL_OLD_AGE_YEARS = 10  # 化工老旧装置 (the plan names no age; ten years, as for machine tools)
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
