"""The vocabulary every domain shares: money, codes, statuses and the plan's clock.

Domain packages import these from here and from nowhere else, so that no domain reaches into another
for a type (`.importlinter` keeps the packages acyclic). Statuses and kinds are `StrEnum`s: a member is
its string (`DemandStatus.PUBLISHED == "published"`), the database stores the string, and the OpenAPI
document names each one as a component with its Chinese and English labels (`app/catalog/labels.py`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Final, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, GetCoreSchemaHandler, StringConstraints
from pydantic_core import core_schema

# Sichuan keeps China Standard Time; "today" for a start date or a month in the statistics is its date.
CHINA: Final = ZoneInfo("Asia/Shanghai")


def today_in_sichuan() -> date:
    return datetime.now(CHINA).date()


Money = Annotated[int, Field(ge=0, le=10**12, description="Integer yuan (CNY).")]
PositiveMoney = Annotated[int, Field(ge=1, le=10**12, description="Integer yuan (CNY).")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
IndustryCode = Annotated[str, StringConstraints(pattern=r"^[A-T](\d{2,4})?$")]
CategoryCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=80)]
EnergyGrade = Annotated[int, Field(ge=1, le=3, description="能效等级 1-3, 1 is best.")]


class OrganizationRef(BaseModel):
    """An organization as another object names it."""

    id: uuid.UUID
    name: str


# Where a threshold or rule comes from: the plan's text, a cited regulation, or our own estimate.
Basis = Literal["plan", "regulation", "estimate"]


class Vocabulary(StrEnum):
    """A `StrEnum` that request bodies may send as its string.

    Request models are strict (`app/kit/inputs.py`), and Pydantic's strict mode takes only enum
    instances, never the strings JSON carries. The enum's own schema is lax, which for an enum means
    exactly its values (no coercion of numbers or booleans), so `"draft"` is read and `0` refused.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        schema: dict[str, Any] = dict(handler(source))
        schema["strict"] = False
        return schema


class TaskType(Vocabulary):
    """The plan's five tasks (its 主要任务), the catalog's task-type codes."""

    LINE_UPGRADE = "line_upgrade"
    SMART_DIGITAL = "smart_digital"
    ENVIRONMENTAL = "environmental"
    SAFETY = "safety"
    MICRO = "micro"


class OrganizationKind(Vocabulary):
    ENTERPRISE = "enterprise"
    SUPPLIER = "supplier"
    PROVIDER = "provider"
    BANK = "bank"
    ADMIN = "admin"
    GOV = "gov"


class RegisterableKind(Vocabulary):
    """The kinds anyone may register as (an admin organization is made by the operators)."""

    ENTERPRISE = "enterprise"
    SUPPLIER = "supplier"
    PROVIDER = "provider"
    BANK = "bank"


class VettingStatus(Vocabulary):
    PENDING = "pending"
    VETTED = "vetted"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class ProviderType(Vocabulary):
    SOLUTION_SUPPLIER = "solution_supplier"
    DESIGN_INSTITUTE = "design_institute"
    ENGINEERING_FIRM = "engineering_firm"


class DemandStatus(Vocabulary):
    DRAFT = "draft"
    PUBLISHED = "published"
    CONTRACTED = "contracted"
    COMPLETED = "completed"
    CLOSED = "closed"


class ProductStatus(Vocabulary):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    LISTED = "listed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class QuoteStatus(Vocabulary):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class NotificationKind(Vocabulary):
    QUOTE_RECEIVED = "quote_received"
    QUOTE_ACCEPTED = "quote_accepted"
    QUOTE_DECLINED = "quote_declined"
    DEMAND_MATCH = "demand_match"
    SAVED_SEARCH_MATCH = "saved_search_match"
    LEAD_CREATED = "lead_created"
    LEAD_STATUS_CHANGED = "lead_status_changed"
    LEAD_CONTACT_RELEASED = "lead_contact_released"
    VETTING_DECISION = "vetting_decision"
    WEBHOOK_DISABLED = "webhook_disabled"
    REGISTRATION_ATTEMPT = "registration_attempt"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"
    CONVERSATION_MESSAGE = "conversation_message"
    CONVERSATION_CLOSED = "conversation_closed"
    DIAGNOSIS_PLANNED = "diagnosis_planned"
    PLAN_DELIVERED = "plan_delivered"
    EXPERT_REVIEW_REQUESTED = "expert_review_requested"
    EXPERT_OPINION_GIVEN = "expert_opinion_given"
    APPLICATION_STATUS_CHANGED = "application_status_changed"


class MemberRole(Vocabulary):
    """A user's role in their organization (what each may do: app/auth/roles.py)."""

    OWNER = "owner"
    MANAGER = "manager"
    MEMBER = "member"


class AttachmentPurpose(Vocabulary):
    """What a file is for: a product's photo or spec sheet, a demand's drawing or 技改方案, a quote's
    document, an organization's qualification certificate, a file sent in a conversation."""

    PHOTO = "photo"
    SPEC_SHEET = "spec_sheet"
    DRAWING = "drawing"
    RENEWAL_PLAN = "renewal_plan"
    QUOTE_DOCUMENT = "quote_document"
    QUALIFICATION_CERTIFICATE = "qualification_certificate"
    MESSAGE = "message"
    OTHER = "other"


class ConversationStatus(Vocabulary):
    OPEN = "open"
    CLOSED = "closed"


class InvitationStatus(Vocabulary):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


class RegionLevel(Vocabulary):
    """A level of the region tree, and of a 服务专员 (the plan's 分级设立服务专员: 省、市州、区县)."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class SpecializedLevel(Vocabulary):
    """专精特新: none, a provincial 专精特新中小企业, or a national 专精特新"小巨人"企业."""

    NONE = "none"
    PROVINCIAL = "provincial"
    NATIONAL = "national"


class EmployeesBand(Vocabulary):
    """从业人员 by the industrial thresholds of 《统计上大中小微型企业划分办法（2017）》
    (国统字〔2017〕213号): under 20 micro, 20–299 small, 300–999 medium, 1000 and more large."""

    UNDER_20 = "under_20"
    FROM_20 = "20_299"
    FROM_300 = "300_999"
    FROM_1000 = "1000_plus"


class OutputBand(Vocabulary):
    """营业收入 (annual revenue, yuan) by the same 2017 thresholds for industry: under 3 million micro,
    3–20 million small, 20–400 million medium, 400 million and more large. 20 million is also the
    threshold of 规模以上工业企业 (主营业务收入2000万元及以上, 国家统计局, since 2011)."""

    UNDER_3M = "under_3m"
    FROM_3M = "3m_20m"
    FROM_20M = "20m_400m"
    FROM_400M = "400m_plus"


class EliminationCatalogue(Vocabulary):
    """An elimination catalogue (淘汰目录) an inventory item may be listed in (app/equipment/rules.py)."""

    INDUSTRIAL_STRUCTURE_2024 = "industrial_structure_2024"
    ENERGY_INEFFICIENT_ELECTROMECHANICAL = "energy_inefficient_electromechanical"
    HAZARDOUS_CHEMICALS_PROCESS = "hazardous_chemicals_process"
    SAFETY_BACKWARD_EQUIPMENT = "safety_backward_equipment"


class DiagnosisStatus(Vocabulary):
    """A 全川行 diagnosis, in order: the visit planned, made, the plan drafted, delivered; or closed."""

    PLANNED = "planned"
    VISITED = "visited"
    PLAN_DRAFTED = "plan_drafted"
    DELIVERED = "delivered"
    CLOSED = "closed"


class PlanItemStatus(Vocabulary):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ReviewStatus(Vocabulary):
    REQUESTED = "requested"
    ANSWERED = "answered"


class ReviewVerdict(Vocabulary):
    """An expert's opinion of a 一对一技改方案."""

    APPROVE = "approve"
    REVISE = "revise"
    REJECT = "reject"


class SupportForm(Vocabulary):
    """How a policy supports: 奖补 (grant), 贴息 (interest subsidy), 税收 (tax); and beyond the three, the
    plan's 再贷款 (relending: cheaper loans) and 备案承诺制 (procedure: a faster approval)."""

    GRANT = "grant"
    INTEREST_SUBSIDY = "interest_subsidy"
    TAX = "tax"
    RELENDING = "relending"
    PROCEDURE = "procedure"


class ApplicationStatus(Vocabulary):
    """A 申报, in order: submitted, accepted (受理), reviewed (审核), publicized (公示), granted (兑现); or
    rejected at any stage."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REVIEWED = "reviewed"
    PUBLICIZED = "publicized"
    GRANTED = "granted"
    REJECTED = "rejected"


# Every enum above, by the name its OpenAPI component carries (each must have labels in app/catalog/labels).
STR_ENUMS: Final[tuple[type[Vocabulary], ...]] = (
    TaskType,
    OrganizationKind,
    RegisterableKind,
    VettingStatus,
    ProviderType,
    DemandStatus,
    ProductStatus,
    QuoteStatus,
    NotificationKind,
    MemberRole,
    InvitationStatus,
    AttachmentPurpose,
    ConversationStatus,
    RegionLevel,
    SpecializedLevel,
    EmployeesBand,
    OutputBand,
    EliminationCatalogue,
    DiagnosisStatus,
    PlanItemStatus,
    ReviewStatus,
    ReviewVerdict,
    SupportForm,
    ApplicationStatus,
)
