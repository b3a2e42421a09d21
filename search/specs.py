"""Index specs: one description per index that both engines are driven by."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Weight = Literal["A", "B", "C", "D"]
FilterKind = Literal["keyword", "keywords", "number", "bool"]
OPEN = "all"  # the value a `keywords` field holds when it is open to every value (e.g. the whole province)


@dataclass(frozen=True)
class Searchable:
    """A searchable field; order in the spec is priority (Meilisearch), weight is its rank (PostgreSQL)."""

    name: str
    weight: Weight


@dataclass(frozen=True)
class FilterField:
    name: str
    kind: FilterKind
    comparison: bool = False  # numbers filtered with <= / >=
    facet: bool = False


@dataclass(frozen=True)
class IndexSpec:
    name: str
    searchable: tuple[Searchable, ...]
    filters: tuple[FilterField, ...]
    # sort name → (document field, direction); "relevance" is always available when there is a query.
    sorts: dict[str, tuple[str, Literal["asc", "desc"]]]
    default_sort: str
    time_field: str
    displayed: tuple[str, ...] = field(default=("*",))

    def filter(self, name: str) -> FilterField:
        return next(f for f in self.filters if f.name == name)

    @property
    def facets(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.filters if f.facet)

    @property
    def sortable(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f for f, _ in self.sorts.values()))


DEMANDS = IndexSpec(
    name="demands",
    searchable=(
        Searchable("title", "A"),
        Searchable("category_names", "A"),
        Searchable("category_aliases", "B"),
        Searchable("industry_name", "C"),
        Searchable("category_path_names", "C"),
        Searchable("organization_name", "C"),
        Searchable("description", "D"),
    ),
    filters=(
        FilterField("task_type", "keyword", facet=True),
        FilterField("industry_code", "keyword", facet=True),
        FilterField("region_code", "keyword", facet=True),
        FilterField("category_paths", "keywords"),
        FilterField("category_codes", "keywords", facet=True),
        FilterField("budget_max_cny", "number", comparison=True),
    ),
    sorts={"newest": ("published_ts", "desc"), "budget_desc": ("budget_max_cny", "desc")},
    default_sort="newest",
    time_field="published_ts",
)

PRODUCTS = IndexSpec(
    name="products",
    searchable=(
        Searchable("name", "A"),
        Searchable("model", "A"),
        Searchable("model_terms", "A"),
        Searchable("category_name", "B"),
        Searchable("category_aliases", "B"),
        Searchable("category_path_names", "C"),
        Searchable("industry_names", "C"),
        Searchable("supplier_name", "C"),
        Searchable("certifications", "C"),
        Searchable("description", "D"),
    ),
    filters=(
        FilterField("category_path", "keywords"),
        FilterField("category_code", "keyword", facet=True),
        FilterField("industry_codes", "keywords", facet=True),
        FilterField("region_codes", "keywords", facet=True),
        FilterField("made_in_sichuan", "bool", facet=True),
        FilterField("energy_grade", "number", comparison=True, facet=True),
        FilterField("price_min_cny", "number", comparison=True),
        FilterField("supplier_id", "keyword"),
    ),
    sorts={
        "newest": ("listed_ts", "desc"),
        "price_asc": ("price_min_cny", "asc"),
        "price_desc": ("price_min_cny", "desc"),
    },
    default_sort="newest",
    time_field="listed_ts",
)

PROVIDERS = IndexSpec(
    name="providers",
    searchable=(
        Searchable("name", "A"),
        Searchable("services", "B"),
        Searchable("qualifications", "B"),
        Searchable("case_titles", "C"),
        Searchable("description", "D"),
    ),
    filters=(
        FilterField("provider_types", "keywords", facet=True),
        FilterField("region_codes", "keywords", facet=True),
        FilterField("industry_codes", "keywords", facet=True),
    ),
    sorts={"newest": ("vetted_ts", "desc")},
    default_sort="newest",
    time_field="vetted_ts",
)

FINANCING_PRODUCTS = IndexSpec(
    name="financing_products",
    searchable=(
        Searchable("name", "A"),
        Searchable("financing_type_name", "A"),
        Searchable("bank_name", "B"),
        Searchable("description", "D"),
    ),
    filters=(
        FilterField("financing_type", "keyword", facet=True),
        FilterField("region_codes", "keywords"),
        FilterField("industry_codes", "keywords"),
        FilterField("task_types", "keywords", facet=True),
        FilterField("relending_eligible", "bool", facet=True),
        FilterField("amount_min_cny", "number", comparison=True),
        FilterField("amount_max_cny", "number", comparison=True),
    ),
    sorts={"newest": ("created_ts", "desc"), "amount_desc": ("amount_max_cny", "desc")},
    default_sort="newest",
    time_field="created_ts",
)

SPECS: dict[str, IndexSpec] = {s.name: s for s in (DEMANDS, PRODUCTS, PROVIDERS, FINANCING_PRODUCTS)}
