"""Turn read rows into validated create payloads, or into problems naming the row and the column.

The rules are the API's own: the same Pydantic input models and the same domain checks the create
endpoints use. One rule is the import's own: a row repeating an earlier row, or something the organization
already has (a demand's title, a product's model), is refused, so a file imported twice is not doubled."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from app.catalog.labels import ENUMS
from app.demands import service as demands
from app.demands.schemas import DemandCreate
from app.errors import FieldError, InvalidInput
from app.i18n import validation_message
from app.products import service as products
from app.products.schemas import ProductCreate
from app.spreadsheets.columns import STRONG_SEPARATORS, CodeList, Column
from app.spreadsheets.reader import WHOLE_ROW, CellError, Problem, Sheet, SheetRow, split_list

_CATALOG_PATHS = {
    "region": "/api/v1/catalog/regions",
    "industry": "/api/v1/catalog/industries",
    "category": "/api/v1/catalog/equipment-categories",
    "task_type": "/api/v1/catalog/task-types",
    "provider_type": "/api/v1/catalog/provider-types",
}
# What each catalog list is called in a Chinese message.
_CATALOG_NAMES_ZH: dict[CodeList, str] = {
    "region": "市州",
    "industry": "行业",
    "category": "设备类别",
    "task_type": "重点任务",
    "provider_type": "服务商类型",
}


def _kind_zh(kind: str) -> str:
    return ENUMS["OrganizationKind"].get(kind, (kind, kind))[0]


def _vetting_zh(status: str) -> str:
    return ENUMS["VettingStatus"].get(status, (status, status))[0]


@dataclass(frozen=True)
class Organization:
    id: uuid.UUID
    kind: str
    vetting_status: str


@dataclass(frozen=True)
class Lookups:
    """What a row is checked against: catalog names and codes, organizations by USCC, rows that exist."""

    codes: dict[CodeList, CodeIndex]
    organizations: dict[str, Organization]
    # (organization id, natural key) of what is already stored: a demand's title, a product's model.
    existing: set[tuple[uuid.UUID, str]]


@dataclass(frozen=True)
class Accepted:
    row: int
    # What to store: the new rows the domain's service built from the validated payload.
    built: list[Any]


@dataclass(frozen=True)
class CodeIndex:
    """A catalog list as a cell may name its entries: by code, by name, or as `code name`."""

    what: CodeList
    by_token: dict[str, list[str]]  # a code or a name → the codes it may mean
    names: dict[str, str]  # code → name

    def resolve(self, token: str) -> str:
        candidates = self.by_token.get(token)
        if not candidates:
            code, _, name = token.partition(" ")
            if code in self.names and self.names[code] == name.strip():
                return code
            label = self.what.replace("_", " ")
            raise CellError(
                f"unknown {label} {token[:60]!r}; write a code, a name, or `code name` "
                f"(see {_CATALOG_PATHS[self.what]})",
                f"未知的{_CATALOG_NAMES_ZH[self.what]}“{token[:60]}”，请填写代码、名称或“代码 名称”"
                f"（见 {_CATALOG_PATHS[self.what]}）",
            )
        if len(candidates) > 1:
            raise CellError(
                f"{token!r} names several entries ({', '.join(candidates)}); write the code",
                f"“{token}”对应多个条目（{'、'.join(candidates)}），请填写代码",
            )
        return candidates[0]

    def resolve_list(self, text: str) -> list[str]:
        """Entries separated by newlines, commas or semicolons, or by 、 — which some names contain, so
        each 、-separated run is matched longest first against the catalog."""
        codes: list[str] = []
        for chunk in split_list(text, separators=STRONG_SEPARATORS):
            pieces = [p.strip() for p in chunk.split("、") if p.strip()]
            start = 0
            while start < len(pieces):
                for end in range(len(pieces), start, -1):
                    try:
                        codes.append(self.resolve("、".join(pieces[start:end])))
                    except CellError:
                        if end == start + 1:
                            raise
                        continue
                    start = end
                    break
        return codes


def code_index(what: CodeList, entries: Iterable[tuple[str, str]]) -> CodeIndex:
    by_token: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for code, name in entries:
        names[code] = name
        by_token.setdefault(code, []).append(code)
        if name != code and code not in by_token.get(name, []):
            by_token.setdefault(name, []).append(code)
    return CodeIndex(what, by_token, names)


def _column_for(columns: tuple[Column, ...], loc: tuple[Any, ...]) -> Column | None:
    path = tuple(p for p in loc if isinstance(p, str) and p != "body")
    best: Column | None = None
    for column in columns:
        matches = bool(column.path) and path[: len(column.path or ())] == column.path
        if matches and (best is None or len(column.path or ()) > len(best.path or ())):
            best = column
    if best is None:  # e.g. "needs" as a whole: the first column under it
        best = next((c for c in columns if c.path and c.path[: len(path)] == path and path), None)
    return best


class RowValidator:
    def __init__(
        self,
        columns: tuple[Column, ...],
        lookups: Lookups,
        *,
        model: type[BaseModel],
        organization_kind: str,
        key_field: str,
        item_zh: str,
        build: Callable[[BaseModel, uuid.UUID], list[Any]],
    ) -> None:
        self.columns = columns
        self.positions = {c: i for i, c in enumerate(columns)}
        self.lookups = lookups
        self.model = model
        self.organization_kind = organization_kind
        self.key_field = key_field
        self.key_column = next(c for c in columns if c.path == (key_field,))
        self.build = build
        self.item_zh = item_zh
        self.first_row_of: dict[tuple[uuid.UUID, str], int] = {}
        self.uscc_column = next(c for c in columns if c.path == ("uscc",))

    def _problem(
        self, row: int, column: Column | None, msg: str, zh: str, letters: dict[Column, str]
    ) -> Problem:
        if column is None:
            return Problem(row, WHOLE_ROW, None, msg, zh)
        return Problem(row, column.header, letters.get(column), msg, zh)

    def _named_in(self, msg: str) -> Column | None:
        """A rule across fields names the field it blames (e.g. "budget_max_cny must be at least …")."""
        named = [
            (msg.index(c.path[-1]), i) for i, c in enumerate(self.columns) if c.path and c.path[-1] in msg
        ]
        return self.columns[min(named)[1]] if named else None

    def check(
        self, row: SheetRow, letters: dict[Column, str], unreadable: set[str]
    ) -> tuple[Accepted | None, list[Problem]]:
        """One row through the API's own rules: its organization, its cells, the input model, the domain's
        build, then the import's no-duplicates rule. Every problem found is returned, so one upload shows
        them all; the row is accepted only when there are none."""
        problems: list[Problem] = []
        organization, payload = self._read_row(row, letters, problems)
        if self.uscc_column not in row.values:
            problems.append(self._problem(row.number, self.uscc_column, "required", "必填", letters))
        _drop_empty_groups(payload)
        try:
            data = self.model.model_validate(payload)
        except ValidationError as exc:
            problems += self._validation_problems(exc, row.number, letters, unreadable, problems)
            return None, problems
        if organization is None:
            return None, problems
        try:
            built = self.build(data, organization.id)
        except InvalidInput as exc:
            problems += self._domain_problems(exc, row.number, letters)
            return None, problems
        duplicate = self._duplicate_problem(
            (organization.id, str(getattr(data, self.key_field))), row, letters
        )
        if duplicate is not None:
            problems.append(duplicate)
        if problems:
            return None, problems
        return Accepted(row.number, built), problems

    def _read_row(
        self, row: SheetRow, letters: dict[Column, str], problems: list[Problem]
    ) -> tuple[Organization | None, dict[str, Any]]:
        """The row's organization (None if it may not import) and its cells as a nested payload, with
        catalog names resolved to codes. Problems found on the way are appended to `problems`."""
        payload: dict[str, Any] = {}
        organization: Organization | None = None
        for column, value in row.values.items():
            assert column.path is not None
            if column.path == ("uscc",):
                organization = self._organization(row.number, column, value, letters, problems)
                continue
            try:
                value = self._resolve_codes(column, value)
            except CellError as exc:
                problems.append(self._problem(row.number, column, str(exc), exc.zh, letters))
                continue
            target = payload
            for part in column.path[:-1]:
                target = target.setdefault(part, {})
            target[column.path[-1]] = value
        return organization, payload

    def _organization(
        self, number: int, column: Column, value: Any, letters: dict[Column, str], problems: list[Problem]
    ) -> Organization | None:
        """The registered organization a USCC names, if it is of the right kind and may import."""
        organization = self.lookups.organizations.get(str(value).upper())
        if organization is None:
            msg = f"no organization is registered with USCC {value!r}; register it first"
            zh = f"没有以统一社会信用代码“{value}”注册的机构，请先注册"
        elif organization.kind != self.organization_kind:
            msg = f"this organization is of kind {organization.kind!r}, not {self.organization_kind!r}"
            zh = (
                f"该机构是{_kind_zh(organization.kind)}（{organization.kind}），"
                f"不是{_kind_zh(self.organization_kind)}（{self.organization_kind}）"
            )
        elif not self._may_import(organization):
            msg = f"this {organization.kind}'s vetting status is {organization.vetting_status}"
            zh = (
                f"该{_kind_zh(organization.kind)}的审核状态为“{_vetting_zh(organization.vetting_status)}”"
                f"（{organization.vetting_status}），不能导入"
            )
        else:
            return organization
        problems.append(self._problem(number, column, msg, zh, letters))
        return None

    def _validation_problems(
        self,
        exc: ValidationError,
        number: int,
        letters: dict[Column, str],
        unreadable: set[str],
        found: list[Problem],
    ) -> list[Problem]:
        """The input model's errors placed on their columns, skipping cells already reported (unreadable
        or unknown) so one mistake is not listed twice."""
        problems: list[Problem] = []
        taken = {(p.field, p.msg) for p in found}
        for err in exc.errors():
            where = _column_for(self.columns, tuple(err["loc"])) or self._named_in(err["msg"])
            if where is not None and (
                where.header in unreadable or any(p.field == where.header for p in [*found, *problems])
            ):
                continue
            if err["type"] == "missing":
                msg, zh = "required", "必填"
            else:
                msg = err["msg"].removeprefix("Value error, ")
                zh = validation_message(dict(err), "zh")
            problem = self._problem(number, where, msg, zh, letters)
            if (problem.field, problem.msg) not in taken:
                problems.append(problem)
        return problems

    def _domain_problems(self, exc: InvalidInput, number: int, letters: dict[Column, str]) -> list[Problem]:
        """The domain service's own checks (the ones beyond the input model), placed on their columns."""
        problems: list[Problem] = []
        for field_error in exc.errors or []:
            if isinstance(field_error, FieldError):
                where = _column_for(self.columns, tuple(field_error.loc))
                zh = field_error.zh or field_error.msg
                problems.append(self._problem(number, where, field_error.msg, zh, letters))
        return problems

    def _duplicate_problem(
        self, key: tuple[uuid.UUID, str], row: SheetRow, letters: dict[Column, str]
    ) -> Problem | None:
        """The import's own rule: a row repeating a stored item or an earlier row is refused, so a file
        imported twice is not doubled. The first row with a key claims it."""
        if key in self.lookups.existing:
            msg = f"{self.key_column.header} already exists for this organization"
            zh = f"该机构已有{self.key_column.header}相同的{self.item_zh}"
        elif key in self.first_row_of:
            msg = f"duplicates row {self.first_row_of[key]}"
            zh = f"与第 {self.first_row_of[key]} 行重复"
        else:
            self.first_row_of[key] = row.number
            return None
        return self._problem(row.number, self.key_column, msg, zh, letters)

    def _may_import(self, organization: Organization) -> bool:
        if self.organization_kind == "supplier":
            return organization.vetting_status == "vetted"
        return organization.vetting_status in ("pending", "vetted")

    def _resolve_codes(self, column: Column, value: Any) -> Any:
        if column.codes is None:
            return value
        index = self.lookups.codes[column.codes]
        if column.kind == "codes":
            return index.resolve_list(str(value))
        return index.resolve(str(value))


def _drop_empty_groups(payload: dict[str, Any]) -> None:
    """No financing cells means no financing need (the needs themselves default to none); an old-equipment
    group saying only "not below the baseline" (否, as exports write it) says nothing."""
    if "needs" in payload or "budget_max_cny" in payload:
        payload.setdefault("needs", {}).setdefault("financing", None)
    if payload.get("old_equipment") == {"below_energy_baseline": False}:
        del payload["old_equipment"]


def validate(
    sheet: Sheet,
    columns: tuple[Column, ...],
    lookups: Lookups,
    *,
    list_name: str,
    admin_user_id: uuid.UUID,
    note: str,
    progress: Callable[[int, int], None],
) -> tuple[list[Accepted], list[Problem]]:
    """Every row checked; the accepted ones (built, ready to store) and every problem, in row order."""
    if list_name == "demands":

        def build_demand(data: BaseModel, organization_id: uuid.UUID) -> list[Any]:
            assert isinstance(data, DemandCreate)
            return [demands.new_draft(data, organization_id=organization_id, user_id=admin_user_id)]

        validator = RowValidator(
            columns,
            lookups,
            model=DemandCreate,
            organization_kind="enterprise",
            key_field="title",
            item_zh="需求",
            build=build_demand,
        )
    else:

        def build_product(data: BaseModel, organization_id: uuid.UUID) -> list[Any]:
            assert isinstance(data, ProductCreate)
            product, review = products.imported_listing(
                data, organization_id=organization_id, admin_user_id=admin_user_id, note=note
            )
            return [product, review]

        validator = RowValidator(
            columns,
            lookups,
            model=ProductCreate,
            organization_kind="supplier",
            key_field="model",
            item_zh="产品",
            build=build_product,
        )
    accepted: list[Accepted] = []
    problems = list(sheet.problems)
    unreadable: dict[int, set[str]] = {}
    for p in sheet.problems:
        unreadable.setdefault(p.row, set()).add(p.field)
    for done, row in enumerate(sheet.rows, start=1):
        result, row_problems = validator.check(row, sheet.letters, unreadable.get(row.number, set()))
        problems += row_problems
        if result is not None and row.number not in unreadable:
            accepted.append(result)
        if done % 2000 == 0:
            progress(done, len(sheet.rows))
    order = {c.header: i for i, c in enumerate(columns)}
    problems.sort(key=lambda p: (p.row, order.get(p.field, -1)))
    return accepted, problems
