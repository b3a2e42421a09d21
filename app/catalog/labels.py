"""Every enum the API uses, by its OpenAPI component name, with a Chinese and an English label per value.

The app shows these labels instead of hard-coding them (`GET /catalog/labels`), and the OpenAPI document
is built from the same table (`app/openapi.py`): every enum in a schema or parameter becomes a `$ref` to
the component named here, and an enum missing from this table stops the document from being built, so
no value can reach a client without a label.

Task and financing types are catalog codes; their Chinese names are the catalog's (the plan's words).
"""

from __future__ import annotations

from typing import Final

Label = tuple[str, str]  # (zh, en)

ENUMS: Final[dict[str, dict[str, Label]]] = {
    "OrganizationKind": {
        "enterprise": ("企业", "Enterprise"),
        "supplier": ("设备供应商", "Equipment supplier"),
        "provider": ("服务商", "Service provider"),
        "bank": ("金融机构", "Bank"),
        "admin": ("经信部门", "Administrator"),
        "gov": ("政府部门（服务专员）", "Government office (service officers)"),
    },
    "RegisterableKind": {
        "enterprise": ("企业", "Enterprise"),
        "supplier": ("设备供应商", "Equipment supplier"),
        "provider": ("服务商", "Service provider"),
        "bank": ("金融机构", "Bank"),
    },
    "ProviderType": {
        "solution_supplier": ("解决方案供应商", "Solution supplier"),
        "design_institute": ("设计院", "Design institute"),
        "engineering_firm": ("工程服务商", "Engineering firm"),
    },
    "VettingStatus": {
        "pending": ("待审核", "Pending"),
        "vetted": ("已审核", "Vetted"),
        "rejected": ("未通过", "Rejected"),
        "suspended": ("已暂停", "Suspended"),
    },
    "VettingDecision": {
        "approve": ("通过", "Approve"),
        "reject": ("驳回", "Reject"),
        "suspend": ("暂停", "Suspend"),
    },
    "ReviewDecision": {
        "approve": ("通过", "Approve"),
        "reject": ("驳回", "Reject"),
    },
    "TaskType": {
        "line_upgrade": ("生产产线整体升级技改", "Production line upgrade"),
        "smart_digital": ("智改数转", "Smart and digital transformation"),
        "environmental": ("环保技改", "Environmental upgrade"),
        "safety": ("安全生产技改", "Safety upgrade"),
        "micro": ("微技改", "Micro upgrade"),
    },
    "FinancingType": {
        "tech_upgrade_loan": ("技改贷", "Technology-upgrade loan"),
        "renewal_loan": ("更新贷", "Equipment-renewal loan"),
        "specialized_sme_loan": ("专精特新贷", "Specialized SME loan"),
        "manufacturing_benefit_loan": ("制惠贷", "Manufacturing benefit loan"),
        "tech_innovation_relending": ("科技创新和技术改造再贷款", "Tech-innovation and upgrade relending"),
        "manufacturing_mid_long_term_loan": ("制造业中长期贷款", "Manufacturing mid- and long-term loan"),
    },
    "DemandStatus": {
        "draft": ("草稿", "Draft"),
        "published": ("已发布", "Published"),
        "contracted": ("已签约", "Contracted"),
        "completed": ("已完成", "Completed"),
        "closed": ("已关闭", "Closed"),
    },
    "ProductStatus": {
        "draft": ("草稿", "Draft"),
        "pending_review": ("待审核", "Pending review"),
        "listed": ("已入库", "Listed"),
        "rejected": ("未通过", "Rejected"),
        "withdrawn": ("已撤回", "Withdrawn"),
    },
    "QuoteStatus": {
        "submitted": ("已报价", "Submitted"),
        "accepted": ("已接受", "Accepted"),
        "declined": ("已婉拒", "Declined"),
        "withdrawn": ("已撤回", "Withdrawn"),
    },
    "QuoteSort": {
        "created": ("最新报价", "Newest"),
        "price": ("价格从低到高", "Lowest price"),
    },
    "LeadStatus": {
        "new": ("新线索", "New"),
        "viewed": ("已查看", "Viewed"),
        "contacted": ("已联系", "Contacted"),
        "approved": ("已授信", "Approved"),
        "declined": ("已婉拒", "Declined"),
    },
    "LeadStatusChange": {
        "viewed": ("已查看", "Viewed"),
        "contacted": ("已联系", "Contacted"),
        "approved": ("已授信", "Approved"),
        "declined": ("已婉拒", "Declined"),
    },
    "DeliveryStatus": {
        "pending": ("待投递", "Pending"),
        "succeeded": ("已送达", "Delivered"),
        "dead": ("投递失败", "Failed for good"),
        "cancelled": ("已取消（银行暂停或企业撤回授权）", "Cancelled: bank suspended or consent withdrawn"),
    },
    "WebhookStatus": {
        "none": ("未设置", "None"),
        "active": ("正常", "Active"),
        "disabled": ("已停用", "Disabled"),
    },
    "MatchKind": {
        "product": ("产品", "Product"),
        "provider": ("服务商", "Service provider"),
        "financing": ("金融产品", "Financing product"),
        "policy": ("政策", "Policy"),
    },
    "MatchFeedbackAction": {
        "shortlist": ("加入备选", "Shortlist"),
        "dismiss": ("不感兴趣", "Dismiss"),
        "clear": ("撤销", "Clear"),
    },
    "MatchFeedback": {
        "shortlist": ("已加入备选", "Shortlisted"),
        "dismiss": ("不感兴趣", "Dismissed"),
    },
    "PriorityLevel": {
        "high": ("优先", "High"),
        "normal": ("一般", "Normal"),
    },
    "PriorityFlagCode": {
        # The same labels as app/matching/priority.py gives each flag.
        "old_machine_tool": ("服役超过10年的机床", "Machine tool in service over 10 years"),
        "below_energy_baseline": ("能效基准水平以下", "Below the energy-efficiency baseline"),
        "old_safety_critical": ("老旧安全关键装置", "Old safety-critical equipment"),
    },
    "DemandSort": {
        "relevance": ("相关度", "Relevance"),
        "newest": ("最新", "Newest"),
        "budget_desc": ("预算从高到低", "Highest budget"),
    },
    "ProductSort": {
        "relevance": ("相关度", "Relevance"),
        "newest": ("最新", "Newest"),
        "price_asc": ("价格从低到高", "Lowest price"),
        "price_desc": ("价格从高到低", "Highest price"),
    },
    "ProviderSort": {
        "relevance": ("相关度", "Relevance"),
        "newest": ("最新", "Newest"),
    },
    "FinancingProductSort": {
        "relevance": ("相关度", "Relevance"),
        "newest": ("最新", "Newest"),
        "amount_desc": ("额度从高到低", "Highest amount"),
    },
    "VettingQueueType": {
        "organization": ("组织", "Organization"),
        "product": ("产品", "Product"),
    },
    "ExportList": {
        "demands": ("需求清单", "Demands"),
        "products": ("产品供给清单", "Products"),
        "providers": ("服务商名录", "Providers"),
    },
    "ImportList": {
        "demands": ("需求清单", "Demands"),
        "products": ("产品供给清单", "Products"),
    },
    "ImportReportList": {
        "demands": ("需求清单", "Demands"),
        "products": ("产品供给清单", "Products"),
        "equipment": ("设备台账", "Equipment inventory"),
    },
    "DatabaseStatus": {
        "ok": ("正常", "OK"),
        "unavailable": ("不可用", "Unavailable"),
    },
    "SearchStatus": {
        "ok": ("正常", "OK"),
        "degraded": ("降级（PostgreSQL 检索）", "Degraded (PostgreSQL search)"),
    },
    "SearchEngine": {
        "meilisearch": ("Meilisearch", "Meilisearch"),
        "postgres": ("PostgreSQL", "PostgreSQL"),
    },
    "TermMatchingStrategy": {
        "all": ("匹配全部检索词", "Every word matched"),
        "last": ("从末尾省略检索词", "Words dropped from the end"),
    },
    "TargetUnit": {
        "CNY": ("元", "Yuan"),
        "ratio": ("比例", "Ratio"),
    },
    "TargetComparison": {
        ">": ("超过", "More than"),
        "=": ("达到", "Reaching"),
    },
    "Basis": {
        # Where a rule, threshold or figure comes from (seed/SOURCES.md lists the documents).
        "plan": ("行动方案", "Action plan"),
        "regulation": ("法规标准", "Regulation or standard"),
        "estimate": ("估算", "Estimate"),
    },
    "PolicyBenefitRule": {
        "share_of_investment": ("按设备投资额比例奖补", "Share of the investment"),
        "interest_subsidy": ("贷款贴息", "Loan interest subsidy"),
        "rate_saving": ("再贷款利率优惠", "Lower rate through relending"),
        "procedure": ("简化手续（备案承诺制）", "Simpler procedure (filing on commitment)"),
    },
    "NotificationKind": {
        "quote_received": ("收到报价", "Quote received"),
        "quote_accepted": ("报价被接受", "Quote accepted"),
        "quote_declined": ("报价被婉拒", "Quote declined"),
        "demand_match": ("新的匹配需求", "New matching demand"),
        "saved_search_match": ("订阅的搜索有新需求", "Saved search match"),
        "lead_created": ("新的融资线索", "New lead"),
        "lead_status_changed": ("线索状态更新", "Lead status changed"),
        "lead_contact_released": ("企业同意公开联系方式", "Contact released"),
        "vetting_decision": ("审核结果", "Vetting decision"),
        "webhook_disabled": ("Webhook 已停用", "Webhook disabled"),
        "registration_attempt": ("有人用本机构成员的邮箱注册", "Someone registered with a member's email"),
        "member_joined": ("新成员加入", "A member joined"),
        "member_left": ("成员离开", "A member left"),
        "conversation_message": ("新消息", "New message"),
        "conversation_closed": ("会话已关闭", "Conversation closed"),
        "diagnosis_planned": ("诊断已安排", "Diagnosis planned"),
        "plan_delivered": ("技改方案已交付", "Upgrade plan delivered"),
        "expert_review_requested": ("专家评审邀请", "Expert review requested"),
        "expert_opinion_given": ("专家意见已出具", "Expert opinion given"),
        "application_status_changed": ("政策申报进展", "Application moved"),
    },
    "MemberRole": {
        "owner": ("所有者", "Owner"),
        "manager": ("管理者", "Manager"),
        "member": ("成员", "Member"),
    },
    "AttachmentPurpose": {
        "photo": ("产品照片", "Photo"),
        "spec_sheet": ("规格书", "Spec sheet"),
        "drawing": ("图纸", "Drawing"),
        "renewal_plan": ("技改方案", "Renewal plan"),
        "quote_document": ("报价文件", "Quote document"),
        "qualification_certificate": ("资质证书", "Qualification certificate"),
        "message": ("消息附件", "Message attachment"),
        "other": ("其他", "Other"),
    },
    "ConversationStatus": {
        "open": ("进行中", "Open"),
        "closed": ("已关闭", "Closed"),
    },
    "InvitationStatus": {
        "pending": ("待接受", "Pending"),
        "accepted": ("已接受", "Accepted"),
        "revoked": ("已撤销", "Revoked"),
        "expired": ("已过期", "Expired"),
    },
    "RegionLevel": {
        "province": ("省", "Province"),
        "city": ("市（州）", "Prefecture"),
        "county": ("县（市、区）", "County"),
    },
    "SpecializedLevel": {
        "none": ("非专精特新", "None"),
        "provincial": ("省级专精特新中小企业", "Provincial specialized SME"),
        "national": ("国家级专精特新“小巨人”", "National 'little giant'"),
    },
    "EmployeesBand": {
        "under_20": ("20人以下", "Under 20"),
        "20_299": ("20–299人", "20–299"),
        "300_999": ("300–999人", "300–999"),
        "1000_plus": ("1000人及以上", "1,000 and more"),
    },
    "OutputBand": {
        "under_3m": ("300万元以下", "Under ¥3 million"),
        "3m_20m": ("300万–2000万元", "¥3–20 million"),
        "20m_400m": ("2000万–4亿元", "¥20–400 million"),
        "400m_plus": ("4亿元及以上", "¥400 million and more"),
    },
    "EliminationCatalogue": {
        "industrial_structure_2024": (
            "产业结构调整指导目录（2024年本）淘汰类",
            "Industrial structure catalogue 2024",
        ),
        "energy_inefficient_electromechanical": (
            "高耗能落后机电设备（产品）淘汰目录",
            "Energy-inefficient electromechanical equipment",
        ),
        "hazardous_chemicals_process": (
            "淘汰落后危险化学品安全生产工艺技术设备目录",
            "Backward hazardous-chemicals process equipment",
        ),
        "safety_backward_equipment": ("安全生产落后技术装备目录", "Backward safety equipment"),
    },
    "DiagnosisStatus": {
        "planned": ("已计划", "Planned"),
        "visited": ("已走访", "Visited"),
        "plan_drafted": ("方案起草中", "Plan drafted"),
        "delivered": ("方案已交付", "Plan delivered"),
        "closed": ("已关闭", "Closed"),
    },
    "ApplicationStatus": {
        "submitted": ("已提交", "Submitted"),
        "accepted": ("已受理", "Accepted"),
        "reviewed": ("已审核", "Reviewed"),
        "publicized": ("已公示", "Publicized"),
        "granted": ("已兑现", "Granted"),
        "rejected": ("未通过", "Rejected"),
    },
    "SupportForm": {
        "grant": ("奖补", "Grant"),
        "interest_subsidy": ("贴息", "Interest subsidy"),
        "tax": ("税收优惠", "Tax preference"),
        "relending": ("再贷款", "Relending"),
        "procedure": ("备案承诺制", "Faster procedure"),
    },
    "ReviewStatus": {
        "requested": ("待评审", "Requested"),
        "answered": ("已出具意见", "Answered"),
    },
    "ReviewVerdict": {
        "approve": ("同意", "Approve"),
        "revise": ("修改后再议", "Revise"),
        "reject": ("不同意", "Reject"),
    },
    "PlanItemStatus": {
        "proposed": ("待确认", "Proposed"),
        "accepted": ("已接受", "Accepted"),
        "declined": ("已拒绝", "Declined"),
    },
}

# Codes the API uses that no schema declares as an enum (catalog codes, which the catalog may extend).
LABEL_ONLY: Final[frozenset[str]] = frozenset({"FinancingType"})


def component_for(values: list[str]) -> str | None:
    """The enum component with exactly these values, if there is one (order does not matter)."""
    wanted = frozenset(values)
    for name, labels in ENUMS.items():
        if name not in LABEL_ONLY and frozenset(labels) == wanted:
            return name
    return None
