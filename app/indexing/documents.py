"""Search documents: what each index holds for a demand, product, provider or financing product.

Only public facts go in (the search endpoints are public): no contact details, no financing needs.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from app.catalog.service import CatalogSnapshot
from app.models.demand import Demand
from app.models.financing import FinancingProduct
from app.models.organization import Organization
from app.models.product import Product
from search.specs import OPEN


def _ts(moment: datetime | None) -> int:
    """Microseconds since the epoch: sortable, exact, and below 2**53 so JSON numbers keep it whole."""
    return int(moment.timestamp() * 1_000_000) if moment else 0


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _aliases(catalog: CatalogSnapshot, codes: list[str]) -> list[str]:
    return [
        alias for code in codes if code in catalog.categories for alias in catalog.categories[code].aliases
    ]


def model_terms(model: str) -> list[str]:
    """JW-800 → ["jw800", "jw", "800"]: the ways people type a model number."""
    parts = [p for p in re.split(r"[^0-9a-z]+", model.lower()) if p]
    return list(dict.fromkeys(["".join(parts), *parts])) if parts else []


def _names(catalog: CatalogSnapshot, codes: list[str]) -> list[str]:
    return [catalog.categories[c].name for c in codes if c in catalog.categories]


def demand_document(demand: Demand, organization_name: str, catalog: CatalogSnapshot) -> dict[str, Any]:
    paths = sorted({p for code in demand.category_codes for p in catalog.category_path(code)})
    return {
        "id": str(demand.id),
        "version": demand.version,
        "title": demand.title,
        "description": demand.description,
        "task_type": demand.task_type,
        "industry_code": demand.industry_code,
        "industry_name": catalog.industries.get(demand.industry_code, ""),
        "region_code": demand.region_code,
        "region_name": catalog.region_label(demand.region_code)
        if demand.region_code in catalog.regions
        else "",
        "category_codes": list(demand.category_codes),
        "category_paths": paths,
        "category_names": [
            catalog.categories[c].name for c in demand.category_codes if c in catalog.categories
        ],
        "category_aliases": _aliases(catalog, list(demand.category_codes)),
        "category_path_names": _names(catalog, [p for p in paths if p not in demand.category_codes]),
        "organization_id": str(demand.organization_id),
        "organization_name": organization_name,
        "quantity": demand.quantity,
        "budget_min_cny": demand.budget_min_cny,
        "budget_max_cny": demand.budget_max_cny,
        "expected_start": demand.expected_start.isoformat() if demand.expected_start else None,
        "status": demand.status,
        "published_at": _iso(demand.published_at),
        "published_ts": _ts(demand.published_at),
    }


def product_document(product: Product, supplier_name: str, catalog: CatalogSnapshot) -> dict[str, Any]:
    category = catalog.categories.get(product.category_code)
    return {
        "id": str(product.id),
        "version": product.version,
        "name": product.name,
        "model": product.model,
        "model_terms": model_terms(product.model),
        "description": product.description,
        "category_code": product.category_code,
        "category_name": category.name if category else "",
        "category_path": catalog.category_path(product.category_code),
        "category_aliases": _aliases(catalog, [product.category_code]),
        "category_path_names": _names(catalog, catalog.category_path(product.category_code)[:-1]),
        "industry_codes": list(product.industry_codes),
        "industry_names": [catalog.industries[c] for c in product.industry_codes if c in catalog.industries],
        "region_codes": list(product.service_region_codes) or [OPEN],
        "made_in_sichuan": product.made_in_sichuan_verified,
        "energy_grade": product.energy_grade,
        "price_min_cny": product.price_min_cny,
        "price_max_cny": product.price_max_cny,
        "lead_time_days": product.lead_time_days,
        "certifications": list(product.certifications),
        "supplier_id": str(product.organization_id),
        "supplier_name": supplier_name,
        "listed_at": _iso(product.listed_at),
        "listed_ts": _ts(product.listed_at),
    }


def provider_document(organization: Organization, catalog: CatalogSnapshot) -> dict[str, Any]:
    regions = sorted({organization.region_code or "", *organization.service_region_codes} - {""})
    industries = sorted({organization.industry_code or "", *organization.industry_codes} - {""})
    return {
        "id": str(organization.id),
        "version": organization.version,
        "name": organization.name,
        "provider_types": list(organization.provider_types),
        "region_code": organization.region_code,
        "region_codes": regions if organization.service_region_codes else [*regions, OPEN],
        "industry_codes": industries,
        "services": list(organization.services),
        "qualifications": [q.get("name", "") for q in organization.qualifications],
        "case_titles": [c.get("title", "") for c in organization.cases],
        "description": organization.description,
        "vetted_ts": _ts(organization.vetted_at),
    }


def financing_document(product: FinancingProduct, bank_name: str, catalog: CatalogSnapshot) -> dict[str, Any]:
    return {
        "id": str(product.id),
        "version": product.version,
        "name": product.name,
        "financing_type": product.financing_type,
        "financing_type_name": catalog.financing_types.get(product.financing_type, ""),
        "bank_id": str(product.organization_id),
        "bank_name": bank_name,
        "description": product.description,
        "amount_min_cny": product.amount_min_cny,
        "amount_max_cny": product.amount_max_cny,
        "term_min_months": product.term_min_months,
        "term_max_months": product.term_max_months,
        "rate_min_pct": float(product.rate_min_pct) if product.rate_min_pct is not None else None,
        "rate_max_pct": float(product.rate_max_pct) if product.rate_max_pct is not None else None,
        "region_codes": list(product.region_codes) or [OPEN],
        "industry_codes": list(product.industry_codes) or [OPEN],
        "task_types": list(product.task_types) or [OPEN],
        "relending_eligible": product.relending_eligible,
        "created_ts": _ts(product.created_at),
    }
