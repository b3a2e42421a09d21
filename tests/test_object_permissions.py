"""Every route with an `{id}` in its path, walked with foreign tokens: nobody reads or changes what is
not theirs. A new `{id}` route fails `test_every_id_route_is_covered` until it is added here."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import (
    Attachment,
    AuditEvent,
    AuthSession,
    Conversation,
    ConversationMessage,
    Demand,
    Diagnosis,
    EquipmentItem,
    ExpertReview,
    FinancingProduct,
    Invitation,
    Lead,
    LeadSubscription,
    MatchFeedback,
    Notification,
    Organization,
    PlanItem,
    Policy,
    PolicyApplication,
    Product,
    Quote,
    Region,
    SavedSearch,
    ServiceSetting,
    User,
    WebhookDelivery,
)
from tests.fixtures.factories import (
    Account,
    admin_account,
    create_demand,
    create_product,
    financing_payload,
    listed_product,
    operator_account,
    published_demand,
    register_account,
    vetted_account,
)

PREFIX = "/api/v1"
# A body that is a file upload (multipart), for the attachment routes.
FILE = {"__file__": True}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


@dataclass
class World:
    owners: dict[str, Account]
    strangers: dict[str, Account | None]
    ids: dict[str, str]


@pytest.fixture
async def world(client: httpx.AsyncClient, db: AsyncSession) -> World:
    admin = await admin_account(client, db)
    enterprise = await vetted_account(client, admin, "enterprise")
    supplier = await vetted_account(client, admin, "supplier")
    bank = await vetted_account(client, admin, "bank")
    pending = await register_account(client, "enterprise")
    subscription = await client.post(
        "/lead-subscriptions",
        headers=bank.headers,
        json={"name": "全省技改", "webhook_url": "https://93.184.216.34/hooks/leads"},
    )
    assert subscription.status_code == 201, subscription.text
    draft_demand = await create_demand(client, enterprise)
    live_demand = await published_demand(client, enterprise)  # shares its financing need: a lead
    lead = (await client.get("/leads", headers=bank.headers)).json()["items"][0]
    sub_id = subscription.json()["id"]
    delivery = (await client.get(f"/lead-subscriptions/{sub_id}/deliveries", headers=bank.headers)).json()
    saved = await client.post(
        "/saved-searches", headers=supplier.headers, json={"name": "单晶炉", "q": "单晶炉"}
    )
    draft_product = await create_product(client, supplier)
    live_product = await listed_product(client, supplier, admin)
    quote = await client.post(
        f"/demands/{live_demand['id']}/quotes",
        headers=supplier.headers,
        json={"price_cny": 1_000_000, "delivery_days": 30},
    )
    financing = await client.post("/financing-products", headers=bank.headers, json=financing_payload())
    invitation = await client.post(
        f"/organizations/{enterprise.organization_id}/invitations",
        headers=enterprise.headers,
        json={"email": "invitee@example.com", "role": "manager"},
    )
    assert invitation.status_code == 201, invitation.text
    sessions = (await client.get("/me/sessions", headers=enterprise.headers)).json()["items"]
    attachment = await client.post(
        f"/demands/{draft_demand['id']}/attachments",
        headers=enterprise.headers,
        files={"file": ("图纸.png", PNG, "image/png")},
    )
    assert attachment.status_code == 201, attachment.text
    conversation = await client.post(
        f"/demands/{live_demand['id']}/conversations", headers=supplier.headers, json={"message": "请问产能"}
    )
    assert conversation.status_code == 201, conversation.text
    equipment = await client.post(
        f"/organizations/{enterprise.organization_id}/equipment",
        headers=enterprise.headers,
        json={
            "category_code": "smart.cnc_machine_tool",
            "model": "CK6140",
            "maker": "某厂",
            "in_service_year": 2010,
        },
    )
    assert equipment.status_code == 201, equipment.text
    diagnosis = await client.post(
        "/diagnoses",
        headers=admin.headers,
        json={"organization_id": enterprise.organization_id, "planned_at": "2026-11-20T09:00:00+08:00"},
    )
    assert diagnosis.status_code == 201, diagnosis.text
    visit = {"visited_at": "2026-11-20T09:00:00+08:00", "findings": [{"task_type": "safety", "text": "老旧"}]}
    await client.post(f"/diagnoses/{diagnosis.json()['id']}/visits", headers=admin.headers, json=visit)
    plan_item = await client.post(
        f"/diagnoses/{diagnosis.json()['id']}/plan-items",
        headers=admin.headers,
        json={
            "category_code": "smart.cnc_machine_tool",
            "budget_min_cny": 1,
            "budget_max_cny": 2,
            "task_type": "smart_digital",
        },
    )
    assert plan_item.status_code == 201, plan_item.text
    delivered = await client.post(f"/diagnoses/{diagnosis.json()['id']}/deliver", headers=admin.headers)
    assert delivered.status_code == 200, delivered.text
    # A drafted plan of the pending enterprise, under review by an expert who is no stranger here.
    drafted = await client.post(
        "/diagnoses",
        headers=admin.headers,
        json={"organization_id": pending.organization_id, "planned_at": "2026-11-20T09:00:00+08:00"},
    )
    await client.post(f"/diagnoses/{drafted.json()['id']}/visits", headers=admin.headers, json=visit)
    await client.post(
        f"/diagnoses/{drafted.json()['id']}/plan-items",
        headers=admin.headers,
        json={
            "category_code": "smart.cnc_machine_tool",
            "budget_min_cny": 1,
            "budget_max_cny": 2,
            "task_type": "safety",
        },
    )
    reviewer = await vetted_account(client, admin, "provider")
    expert = await client.post(
        "/experts",
        headers=admin.headers,
        json={"user_id": reviewer.user_id, "fields": ["数控机床"], "region_code": "510100"},
    )
    assert expert.status_code == 201, expert.text
    review = await client.post(
        f"/diagnoses/{drafted.json()['id']}/expert-reviews",
        headers=admin.headers,
        json={"expert_id": expert.json()["id"]},
    )
    assert review.status_code == 201, review.text
    # An application for a provincial policy, with a demand contracted for the purpose.
    project = await published_demand(client, enterprise, title="技改项目（申报）")
    bid = await client.post(
        f"/demands/{project['id']}/quotes",
        headers=supplier.headers,
        json={"price_cny": 9_000_000, "delivery_days": 30},
    )
    assert (
        await client.post(f"/quotes/{bid.json()['id']}/accept", headers=enterprise.headers)
    ).status_code == 200
    seeded = (await client.get("/policies", params={"limit": 100})).json()["items"]
    subsidy = next(p for p in seeded if p["code"] == "sc-renewal-subsidy-project")
    application = await client.post(
        "/policy-applications",
        headers=enterprise.headers,
        json={"policy_id": subsidy["id"], "demand_id": project["id"]},
    )
    assert application.status_code == 201, application.text
    note = Notification(
        organization_id=uuid.UUID(supplier.organization_id), kind="demand_match", title="新需求", data={}
    )
    db.add(note)
    await db.flush()
    strangers: dict[str, Account | None] = {"anonymous": None}
    for kind in ("enterprise", "supplier", "provider", "bank"):
        strangers[kind] = await vetted_account(client, admin, kind)
    # A 服务专员 of another 市州 (the organizations here are in 成都): outside its region, nothing.
    strangers["operator"] = await operator_account(client, db, admin, region_code="511500", level="city")
    return World(
        owners={"enterprise": enterprise, "supplier": supplier, "bank": bank, "pending": pending},
        strangers=strangers,
        ids={
            "pending_org": pending.organization_id,
            "vetted_org": enterprise.organization_id,
            "draft_demand": draft_demand["id"],
            "live_demand": live_demand["id"],
            "draft_product": draft_product["id"],
            "live_product": live_product["id"],
            "quote": quote.json()["id"],
            "financing": financing.json()["id"],
            "notification": str(note.id),
            "subscription": sub_id,
            "delivery": f"{sub_id}|{delivery['items'][0]['id']}",
            "lead": lead["id"],
            "saved_search": saved.json()["id"],
            "member": f"{enterprise.organization_id}|{enterprise.user_id}",
            "invitation": f"{enterprise.organization_id}|{invitation.json()['id']}",
            "owner_user": enterprise.user_id,
            "session": sessions[0]["id"],
            "attachment": attachment.json()["id"],
            "conversation": conversation.json()["id"],
            "region": "510603",
            "equipment": equipment.json()["id"],
            "diagnosis": diagnosis.json()["id"],
            "plan_item": plan_item.json()["id"],
            "review": review.json()["id"],
            "expert": expert.json()["id"],
            "policy": (await client.get("/policies")).json()["items"][0]["id"],
            "application": application.json()["id"],
        },
    )


# (method, path template) -> [(id key, body)]: each id is tried with every stranger.
CASES: dict[tuple[str, str], list[tuple[str, dict[str, Any] | None]]] = {
    ("GET", "/organizations/{organization_id}"): [("pending_org", None)],
    ("PATCH", "/organizations/{organization_id}"): [
        ("pending_org", {"name": "劫持"}),
        ("vetted_org", {"name": "劫持"}),
    ],
    ("GET", "/organizations/{organization_id}/vetting-decisions"): [
        ("pending_org", None),
        ("vetted_org", None),
    ],
    ("POST", "/admin/organizations/{organization_id}/vetting"): [("pending_org", {"decision": "approve"})],
    ("GET", "/organizations/{organization_id}/members"): [("pending_org", None), ("vetted_org", None)],
    ("PATCH", "/organizations/{organization_id}/members/{user_id}"): [("member", {"role": "member"})],
    ("DELETE", "/organizations/{organization_id}/members/{user_id}"): [("member", None)],
    ("POST", "/organizations/{organization_id}/ownership-transfer"): [("vetted_org", {"user_id": "{owner}"})],
    ("GET", "/organizations/{organization_id}/invitations"): [("pending_org", None), ("vetted_org", None)],
    ("POST", "/organizations/{organization_id}/invitations"): [
        ("pending_org", {"email": "intruder@example.com", "role": "owner"}),
        ("vetted_org", {"email": "intruder@example.com", "role": "owner"}),
    ],
    ("DELETE", "/organizations/{organization_id}/invitations/{invitation_id}"): [("invitation", None)],
    ("POST", "/organizations/{organization_id}/invitations/{invitation_id}/resend"): [("invitation", None)],
    ("GET", "/demands/{demand_id}"): [("draft_demand", None)],
    ("PATCH", "/demands/{demand_id}"): [
        ("draft_demand", {"title": "劫持"}),
        ("live_demand", {"title": "劫持"}),
    ],
    ("POST", "/demands/{demand_id}/publish"): [("draft_demand", None)],
    ("POST", "/demands/{demand_id}/close"): [("draft_demand", None), ("live_demand", None)],
    ("POST", "/demands/{demand_id}/complete"): [("live_demand", None)],
    ("GET", "/demands/{demand_id}/quotes"): [("draft_demand", None), ("live_demand", None)],
    ("POST", "/demands/{demand_id}/quotes"): [("draft_demand", {"price_cny": 1, "delivery_days": 1})],
    ("GET", "/products/{product_id}"): [("draft_product", None)],
    ("PATCH", "/products/{product_id}"): [
        ("draft_product", {"name": "劫持"}),
        ("live_product", {"name": "劫持"}),
    ],
    ("POST", "/products/{product_id}/submit"): [("draft_product", None)],
    ("POST", "/products/{product_id}/withdraw"): [("live_product", None)],
    ("POST", "/admin/products/{product_id}/review"): [
        ("draft_product", {"decision": "approve", "made_in_sichuan_confirmed": True})
    ],
    ("GET", "/financing-products/{product_id}"): [],  # public by design: active products of vetted banks
    ("PATCH", "/financing-products/{product_id}"): [("financing", {"name": "劫持", "is_active": False})],
    ("GET", "/demands/{demand_id}/matches"): [("draft_demand", None), ("live_demand", None)],
    ("POST", "/demands/{demand_id}/matches/feedback"): [
        ("live_demand", {"kind": "product", "target_id": "x", "action": "dismiss"})
    ],
    ("GET", "/products/{product_id}/matching-demands"): [("draft_product", None), ("live_product", None)],
    ("POST", "/notifications/{notification_id}/read"): [("notification", None)],
    ("GET", "/lead-subscriptions/{subscription_id}"): [("subscription", None)],
    ("PATCH", "/lead-subscriptions/{subscription_id}"): [("subscription", {"name": "劫持"})],
    ("DELETE", "/lead-subscriptions/{subscription_id}"): [("subscription", None)],
    ("POST", "/lead-subscriptions/{subscription_id}/rotate-secret"): [("subscription", None)],
    ("GET", "/lead-subscriptions/{subscription_id}/deliveries"): [("subscription", None)],
    ("POST", "/lead-subscriptions/{subscription_id}/deliveries/{delivery_id}/replay"): [("delivery", None)],
    ("GET", "/leads/{lead_id}"): [("lead", None)],
    ("PATCH", "/leads/{lead_id}"): [("lead", {"status": "declined"})],
    ("POST", "/leads/{lead_id}/accept-interest"): [("lead", None)],
    ("GET", "/demands/{demand_id}/leads"): [("live_demand", None)],
    ("DELETE", "/saved-searches/{saved_search_id}"): [("saved_search", None)],
    ("DELETE", "/me/sessions/{session_id}"): [("session", None)],
    ("GET", "/attachments/{attachment_id}"): [("attachment", None)],
    ("POST", "/demands/{demand_id}/conversations"): [("draft_demand", {"message": "劫持"})],
    ("GET", "/conversations/{conversation_id}"): [("conversation", None)],
    ("GET", "/conversations/{conversation_id}/messages"): [("conversation", None)],
    ("POST", "/conversations/{conversation_id}/messages"): [("conversation", {"body": "劫持"})],
    ("POST", "/conversations/{conversation_id}/read"): [("conversation", None)],
    ("POST", "/conversations/{conversation_id}/close"): [("conversation", None)],
    ("GET", "/conversations/{conversation_id}/attachments"): [("conversation", None)],
    ("POST", "/conversations/{conversation_id}/attachments"): [("conversation", FILE)],
    ("POST", "/admin/conversations/{conversation_id}/audited-read"): [
        ("conversation", {"reason": "好奇看看而已"})
    ],
    ("GET", "/attachments/{attachment_id}/thumbnail"): [("attachment", None)],
    ("DELETE", "/attachments/{attachment_id}"): [("attachment", None)],
    ("GET", "/demands/{demand_id}/attachments"): [("draft_demand", None)],
    ("POST", "/demands/{demand_id}/attachments"): [("draft_demand", FILE), ("live_demand", FILE)],
    ("GET", "/products/{product_id}/attachments"): [("draft_product", None)],
    ("POST", "/products/{product_id}/attachments"): [("draft_product", FILE), ("live_product", FILE)],
    ("GET", "/quotes/{quote_id}/attachments"): [("quote", None)],
    ("POST", "/quotes/{quote_id}/attachments"): [("quote", FILE)],
    ("GET", "/organizations/{organization_id}/attachments"): [("pending_org", None)],
    ("POST", "/organizations/{organization_id}/attachments"): [("pending_org", FILE), ("vetted_org", FILE)],
    ("GET", "/quotes/{quote_id}"): [("quote", None)],
    ("PATCH", "/admin/organizations/{organization_id}/members/{user_id}"): [
        ("member", {"operator_level": "city", "region_code": "510100"})
    ],
    ("PATCH", "/admin/regions/{code}"): [("region", {"pilot_year": 2025})],
    ("GET", "/organizations/{organization_id}/equipment"): [("pending_org", None), ("vetted_org", None)],
    ("POST", "/organizations/{organization_id}/equipment"): [
        (
            "vetted_org",
            {"category_code": "smart.cnc_machine_tool", "model": "X", "maker": "Y", "in_service_year": 2001},
        )
    ],
    ("POST", "/organizations/{organization_id}/equipment/import"): [("vetted_org", FILE)],
    ("PATCH", "/equipment/{equipment_id}"): [("equipment", {"count": 99})],
    ("DELETE", "/equipment/{equipment_id}"): [("equipment", None)],
    ("GET", "/diagnoses/{diagnosis_id}"): [("diagnosis", None)],
    ("PATCH", "/diagnoses/{diagnosis_id}"): [("diagnosis", {"status": "closed"})],
    ("POST", "/diagnoses/{diagnosis_id}/visits"): [
        (
            "diagnosis",
            {"visited_at": "2026-11-21T09:00:00+08:00", "findings": [{"task_type": "safety", "text": "x"}]},
        )
    ],
    ("POST", "/diagnoses/{diagnosis_id}/plan-items"): [
        (
            "diagnosis",
            {
                "category_code": "smart.cnc_machine_tool",
                "budget_min_cny": 1,
                "budget_max_cny": 2,
                "task_type": "safety",
            },
        )
    ],
    ("POST", "/diagnoses/{diagnosis_id}/deliver"): [("diagnosis", None)],
    ("POST", "/plan-items/{item_id}/accept"): [("plan_item", None)],
    ("POST", "/plan-items/{item_id}/decline"): [("plan_item", {"reason": "劫持"})],
    ("GET", "/admin/service-settings/{code}"): [("region", None)],
    ("GET", "/policies/{policy_id}"): [],  # public by design: policies are published documents
    ("PATCH", "/policies/{policy_id}"): [("policy", {"rate_pct": 99})],
    ("GET", "/policy-applications/{application_id}"): [("application", None)],
    ("POST", "/policy-applications/{application_id}/advance"): [("application", {"to": "accepted"})],
    ("PUT", "/admin/service-settings/{code}"): [("region", {"expert_review_threshold_cny": 1})],
    ("POST", "/diagnoses/{diagnosis_id}/expert-reviews"): [("diagnosis", {"expert_id": "{expert}"})],
    ("POST", "/expert-reviews/{review_id}/opinion"): [("review", {"verdict": "approve", "comments": "劫持"})],
    ("PATCH", "/organizations/{organization_id}/profile"): [
        ("pending_org", {"high_tech": True}),
        ("vetted_org", {"high_tech": True}),
    ],
    ("POST", "/organizations/{organization_id}/profile/confirm"): [
        ("pending_org", None),
        ("vetted_org", None),
    ],
    ("POST", "/quotes/{quote_id}/accept"): [("quote", None)],
    ("POST", "/quotes/{quote_id}/decline"): [("quote", None)],
    ("POST", "/quotes/{quote_id}/withdraw"): [("quote", None)],
}


def test_every_id_route_is_covered(app: FastAPI) -> None:
    routes = {
        (method.upper(), path.removeprefix(PREFIX))
        for path, operations in app.openapi()["paths"].items()
        if "{" in path and "{list_name}" not in path  # a list's name (spreadsheets) is not an object
        for method in operations
    }
    assert routes == set(CASES), f"uncovered: {routes - set(CASES)}; stale: {set(CASES) - routes}"


async def _snapshot(db: AsyncSession, ids: dict[str, str]) -> dict[str, Any]:
    db.expire_all()
    demand, live = await db.get(Demand, ids["draft_demand"]), await db.get(Demand, ids["live_demand"])
    product, listed = await db.get(Product, ids["draft_product"]), await db.get(Product, ids["live_product"])
    quote, financing = await db.get(Quote, ids["quote"]), await db.get(FinancingProduct, ids["financing"])
    pending, vetted = (
        await db.get(Organization, ids["pending_org"]),
        await db.get(Organization, ids["vetted_org"]),
    )
    note = await db.get(Notification, uuid.UUID(ids["notification"]))
    assert note is not None and note.read_at is None
    sub = await db.get(LeadSubscription, uuid.UUID(ids["subscription"]))
    lead = await db.get(Lead, uuid.UUID(ids["lead"]))
    saved = await db.get(SavedSearch, uuid.UUID(ids["saved_search"]))
    delivery = await db.get(WebhookDelivery, ids["delivery"].split("|")[1])
    assert sub is not None and lead is not None and saved is not None and delivery is not None
    owner = await db.get(User, uuid.UUID(ids["owner_user"]))
    assert await db.get(AuthSession, uuid.UUID(ids["session"])) is not None
    invitations = (await db.scalars(select(Invitation).order_by(Invitation.id))).all()
    assert owner is not None and len(invitations) == 1
    extra = {
        "owner": (owner.role, owner.is_active, owner.organization_id),
        "attachments": sorted(str(a.id) for a in (await db.scalars(select(Attachment))).all()),
        "conversations": [
            (c.status, c.owner_unread, c.counterpart_unread, c.last_message_at)
            for c in (await db.scalars(select(Conversation))).all()
        ],
        "messages": len((await db.scalars(select(ConversationMessage))).all()),
        "audit": len((await db.scalars(select(AuditEvent))).all()),
        "pilot": await db.scalar(select(Region.pilot_year).where(Region.code == ids["region"])),
        "equipment": [(e.id, e.count, e.version) for e in (await db.scalars(select(EquipmentItem))).all()],
        "diagnoses": [(d.status, d.version) for d in (await db.scalars(select(Diagnosis))).all()],
        "plan_items": [(i.status, i.decided_at) for i in (await db.scalars(select(PlanItem))).all()],
        "reviews": [(r.status, r.verdict) for r in (await db.scalars(select(ExpertReview))).all()],
        "settings": len((await db.scalars(select(ServiceSetting))).all()),
        "policies": sorted((str(p.id), p.version) for p in (await db.scalars(select(Policy))).all()),
        "applications": [(a.status, a.version) for a in (await db.scalars(select(PolicyApplication))).all()],
        "session": (await db.scalar(select(AuthSession.revoked_at).where(AuthSession.id == ids["session"]))),
        "invitations": [(i.email, i.role, i.token_hash, i.expires_at, i.revoked_at) for i in invitations],
        "subscription": (sub.name, sub.webhook_secret, sub.deleted_at),
        "lead": (lead.status, lead.interest_accepted_at, lead.version),
        "delivery": (delivery.status, delivery.attempts, delivery.next_attempt_at),
    }
    rows: list[Any] = [demand, live, product, listed, quote, financing, pending, vetted]
    assert all(row is not None for row in rows)
    return extra | {
        str(row.id): (
            getattr(row, "status", None),
            getattr(row, "vetting_status", None),
            row.version,
            getattr(row, "name", getattr(row, "title", None)),
        )
        for row in rows
    }


async def test_strangers_can_neither_read_nor_change_what_is_not_theirs(
    client: httpx.AsyncClient, db: AsyncSession, world: World
) -> None:
    before = await _snapshot(db, world.ids)
    for (method, template), attempts in CASES.items():
        for id_key, body in attempts:
            path = template
            for value in world.ids[id_key].split("|"):  # one id per placeholder, in order
                path = path[: path.index("{")] + value + path[path.index("}") + 1 :]
            if body is not None and body.get("user_id") == "{owner}":
                body = {"user_id": world.ids["owner_user"]}
            if body is not None and body.get("expert_id") == "{expert}":
                body = {"expert_id": world.ids["expert"]}
            for who, stranger in world.strangers.items():
                headers = stranger.headers if stranger else {}
                query = {"kind": "product"} if template.endswith("/matches") else None
                if body is FILE:
                    upload = {"file": ("劫持.png", PNG, "image/png")}
                    response = await client.request(method, path, files=upload, headers=headers)
                else:
                    response = await client.request(method, path, json=body, headers=headers, params=query)
                label = f"{who} {method} {template} ({id_key}) -> {response.status_code}"
                if (
                    method == "GET"
                    and template == "/demands/{demand_id}/quotes"
                    and response.status_code == 200
                ):
                    # A stranger sees only its own quotes on a public demand: none here.
                    assert response.json()["items"] == [], label
                    continue
                assert response.status_code in (401, 403, 404), label
                if stranger is None:
                    assert response.status_code in (401, 404), label
    assert await _snapshot(db, world.ids) == before
    assert (await db.scalars(select(MatchFeedback))).all() == []


async def test_owners_can_do_what_strangers_cannot(client: httpx.AsyncClient, world: World) -> None:
    """The same calls succeed for the rightful owner, so the refusals above are about ownership."""
    owner = world.owners
    assert (
        await client.get(f"/demands/{world.ids['draft_demand']}", headers=owner["enterprise"].headers)
    ).status_code == 200
    assert (
        await client.get(f"/products/{world.ids['draft_product']}", headers=owner["supplier"].headers)
    ).status_code == 200
    assert (
        await client.get(f"/quotes/{world.ids['quote']}", headers=owner["supplier"].headers)
    ).status_code == 200
    assert (
        await client.get(f"/quotes/{world.ids['quote']}", headers=owner["enterprise"].headers)
    ).status_code == 200
    response = await client.patch(
        f"/financing-products/{world.ids['financing']}",
        headers=owner["bank"].headers,
        json={"name": "新名字"},
    )
    assert response.status_code == 200
    assert (
        await client.get(f"/organizations/{world.ids['pending_org']}", headers=owner["pending"].headers)
    ).status_code == 200
    for demand in ("draft_demand", "live_demand"):
        response = await client.get(
            f"/demands/{world.ids[demand]}/matches",
            params={"kind": "product"},
            headers=owner["enterprise"].headers,
        )
        assert response.status_code == 200
    for product in ("draft_product", "live_product"):
        response = await client.get(
            f"/products/{world.ids[product]}/matching-demands", headers=owner["supplier"].headers
        )
        assert response.status_code == 200
    response = await client.post(
        f"/notifications/{world.ids['notification']}/read", headers=owner["supplier"].headers
    )
    assert response.status_code == 200
