"""All models, imported here so Alembic and the mappers see every table."""

from app.models.account import AccountToken, AuthSession, Invitation, RateLimitBucket, RefreshToken, User
from app.models.attachment import Attachment
from app.models.base import Base
from app.models.catalog import EquipmentCategory, FinancingType, Industry, Region, TaskType
from app.models.conversation import AuditEvent, Conversation, ConversationMessage
from app.models.demand import Demand
from app.models.diagnosis import Diagnosis, DiagnosisVisit, PlanItem
from app.models.equipment import EquipmentItem
from app.models.expert import Expert, ExpertReview, ServiceSetting
from app.models.financing import FinancingProduct
from app.models.idempotency import IdempotencyKey
from app.models.job import Job
from app.models.lead import Lead, LeadSubscription, SavedSearch, WebhookAttempt, WebhookDelivery
from app.models.mail import MailMessage
from app.models.matching import MatchFeedback, Notification
from app.models.organization import Organization, VettingDecision
from app.models.outbox import SearchOutbox
from app.models.policy import ApplicationStep, Policy, PolicyApplication
from app.models.product import Product, ProductReview
from app.models.quote import Quote
from app.models.sms import SmsCode
from app.models.stats import DemandFacts, StatsCell, StatsCellDelta

__all__ = [
    "AccountToken",
    "ApplicationStep",
    "Attachment",
    "AuditEvent",
    "AuthSession",
    "Base",
    "Conversation",
    "ConversationMessage",
    "Demand",
    "DemandFacts",
    "Diagnosis",
    "DiagnosisVisit",
    "EquipmentCategory",
    "EquipmentItem",
    "Expert",
    "ExpertReview",
    "FinancingProduct",
    "FinancingType",
    "IdempotencyKey",
    "Industry",
    "Invitation",
    "Job",
    "Lead",
    "LeadSubscription",
    "MailMessage",
    "MatchFeedback",
    "Notification",
    "Organization",
    "PlanItem",
    "Policy",
    "PolicyApplication",
    "Product",
    "ProductReview",
    "Quote",
    "RateLimitBucket",
    "RefreshToken",
    "Region",
    "SavedSearch",
    "SearchOutbox",
    "ServiceSetting",
    "SmsCode",
    "StatsCell",
    "StatsCellDelta",
    "TaskType",
    "User",
    "VettingDecision",
    "WebhookAttempt",
    "WebhookDelivery",
]
