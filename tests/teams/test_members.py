"""Organizations as teams: invitations by mail (read from a real SMTP server), roles and what each may do,
the last-owner rule, leaving and removal, and moving an existing account between organizations."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Demand, Invitation, Notification, User
from app.models.base import utcnow
from app.models.mail import MailMessage
from tests.fixtures.factories import (
    PASSWORD,
    Account,
    create_demand,
    financing_payload,
    login,
    published_demand,
    team_member,
    unique_email,
)
from tests.fixtures.smtp import Mailbox


async def _invite(
    client: httpx.AsyncClient, owner: Account, email: str, role: str = "member"
) -> httpx.Response:
    return await client.post(
        f"/organizations/{owner.organization_id}/invitations",
        headers=owner.headers,
        json={"email": email, "role": role},
    )


async def _members(client: httpx.AsyncClient, who: Account) -> dict[str, str]:
    response = await client.get(f"/organizations/{who.organization_id}/members", headers=who.headers)
    assert response.status_code == 200, response.text
    return {m["user"]["email"]: m["role"] for m in response.json()["items"]}


async def test_an_invitation_is_mailed_in_chinese_and_accepted_by_a_new_user(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, mailbox: Mailbox
) -> None:
    email = unique_email("finance")
    response = await _invite(client, enterprise, email.upper(), role="manager")
    assert response.status_code == 201, response.text
    invitation = response.json()
    assert invitation["email"] == email and invitation["role"] == "manager"
    assert invitation["status"] == "pending" and invitation["invited_by"]["id"] == enterprise.user_id
    inbox = await mailbox.deliver()
    [message] = inbox.to(email)
    assert "邀请您加入" in message["Subject"]
    assert "管理者" in message.get_content()
    token = inbox.token_for(email)
    # The token is not stored: only its hash.
    stored = await db.scalar(select(Invitation).where(Invitation.id == invitation["id"]))
    assert stored is not None and token.encode() not in stored.token_hash

    accepted = await client.post(
        "/invitations/accept", json={"token": token, "name": "王会计", "password": PASSWORD}
    )
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["organization"]["id"] == enterprise.organization_id
    assert body["role"] == "manager" and body["new_account"] is True
    tokens = await login(client, email)
    me = await client.get("/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["membership"] == {"role": "manager"}
    assert me.json()["user"]["email_verified"] is True  # the token came to that address
    assert me.json()["organization"]["id"] == enterprise.organization_id
    assert await _members(client, enterprise) == {enterprise.email: "owner", email: "manager"}
    listed = await client.get(
        f"/organizations/{enterprise.organization_id}/invitations", headers=enterprise.headers
    )
    assert listed.json()["items"][0]["status"] == "accepted"
    joined = await db.scalar(
        select(Notification).where(
            Notification.organization_id == enterprise.organization_id, Notification.kind == "member_joined"
        )
    )
    assert joined is not None and "王会计" in joined.body

    # Single use: the same token again changes nothing.
    users = await db.scalar(select(func.count()).select_from(User))
    again = await client.post(
        "/invitations/accept", json={"token": token, "name": "冒名", "password": PASSWORD}
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["loc"] == ["body", "token"]
    assert await db.scalar(select(func.count()).select_from(User)) == users


async def test_forged_expired_and_revoked_tokens_and_missing_fields_are_refused(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, mailbox: Mailbox
) -> None:
    forged = await client.post(
        "/invitations/accept", json={"token": "x" * 43, "name": "某", "password": PASSWORD}
    )
    assert forged.status_code == 422 and forged.json()["errors"][0]["loc"] == ["body", "token"]

    email = unique_email("late")
    invitation = (await _invite(client, enterprise, email)).json()
    token = await mailbox.token_for(email)
    missing = await client.post("/invitations/accept", json={"token": token})
    assert missing.status_code == 422
    assert {tuple(e["loc"]) for e in missing.json()["errors"]} == {("body", "password"), ("body", "name")}
    await db.execute(
        update(Invitation).where(Invitation.id == invitation["id"]).values(expires_at=utcnow() - timedelta(1))
    )
    await db.commit()
    expired = await client.post(
        "/invitations/accept", json={"token": token, "name": "迟", "password": PASSWORD}
    )
    assert expired.status_code == 422 and "已过期" in expired.json()["detail"]
    assert await db.scalar(select(User).where(User.email == email)) is None
    # An expired invitation no longer blocks a new one to the same address.
    assert (await _invite(client, enterprise, email)).status_code == 201

    other = unique_email("revoked")
    revoked = (await _invite(client, enterprise, other)).json()
    token = await mailbox.token_for(other)
    response = await client.delete(
        f"/organizations/{enterprise.organization_id}/invitations/{revoked['id']}", headers=enterprise.headers
    )
    assert response.status_code == 204
    refused = await client.post(
        "/invitations/accept", json={"token": token, "name": "撤", "password": PASSWORD}
    )
    assert refused.status_code == 422 and "已被撤销" in refused.json()["detail"]
    assert await db.scalar(select(User).where(User.email == other)) is None


async def test_a_resend_mails_a_new_token_and_the_old_one_dies(
    client: httpx.AsyncClient, enterprise: Account, mailbox: Mailbox
) -> None:
    email = unique_email("resend")
    invitation = (await _invite(client, enterprise, email)).json()
    first = await mailbox.token_for(email)
    duplicate = await _invite(client, enterprise, email)
    assert duplicate.status_code == 409 and duplicate.json()["errors"][0]["loc"] == ["body", "email"]
    resent = await client.post(
        f"/organizations/{enterprise.organization_id}/invitations/{invitation['id']}/resend",
        headers=enterprise.headers,
    )
    assert resent.status_code == 200, resent.text
    second = await mailbox.token_for(email)
    assert second != first
    old = await client.post("/invitations/accept", json={"token": first, "name": "旧", "password": PASSWORD})
    assert old.status_code == 422
    new = await client.post("/invitations/accept", json={"token": second, "name": "新", "password": PASSWORD})
    assert new.status_code == 200
    again = await client.post(
        f"/organizations/{enterprise.organization_id}/invitations/{invitation['id']}/resend",
        headers=enterprise.headers,
    )
    assert again.status_code == 409


async def test_only_owners_invite_and_change_roles(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, mailbox: Mailbox
) -> None:
    manager = await team_member(client, enterprise, mailbox, role="manager")
    mails = await db.scalar(select(func.count()).select_from(MailMessage))
    refused = await _invite(client, manager, unique_email("x"), role="owner")
    assert refused.status_code == 403 and refused.json()["needed_role"] == "owner"
    assert await db.scalar(select(func.count()).select_from(MailMessage)) == mails
    promote = await client.patch(
        f"/organizations/{enterprise.organization_id}/members/{manager.user_id}",
        headers=manager.headers,
        json={"role": "owner"},
    )
    assert promote.status_code == 403
    listed = await client.get(
        f"/organizations/{enterprise.organization_id}/invitations", headers=manager.headers
    )
    assert listed.status_code == 403
    # Members still see who is on the team.
    assert await _members(client, manager) == {enterprise.email: "owner", manager.email: "manager"}


async def test_a_member_drafts_but_only_a_manager_publishes_and_commits(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, mailbox: Mailbox
) -> None:
    member = await team_member(client, enterprise, mailbox, role="member")
    draft = await create_demand(client, member)  # drafting is a member's work
    edited = await client.patch(f"/demands/{draft['id']}", headers=member.headers, json={"title": "新标题"})
    assert edited.status_code == 200
    publish = await client.post(f"/demands/{draft['id']}/publish", headers=member.headers)
    assert publish.status_code == 403 and publish.json()["needed_role"] == "manager"
    live = await published_demand(client, enterprise)
    for method, path, body in [
        ("PATCH", f"/demands/{live['id']}", {"title": "成员改已发布的需求"}),
        ("POST", f"/demands/{live['id']}/close", None),
        ("PATCH", f"/organizations/{enterprise.organization_id}", {"description": "成员改资料"}),
    ]:
        response = await client.request(method, path, headers=member.headers, json=body)
        assert response.status_code == 403, (method, path, response.text)
    db.expire_all()
    rows = {str(d.id): (d.status, d.title) for d in await db.scalars(select(Demand))}
    assert rows[draft["id"]] == ("draft", "新标题")
    assert rows[live["id"]] == ("published", live["title"])

    # Promoted, the same member may.
    promoted = await client.patch(
        f"/organizations/{enterprise.organization_id}/members/{member.user_id}",
        headers=enterprise.headers,
        json={"role": "manager"},
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "manager"
    publish = await client.post(f"/demands/{draft['id']}/publish", headers=member.headers)
    assert publish.status_code == 200, publish.text


async def test_bank_members_read_leads_and_managers_act_on_them(
    client: httpx.AsyncClient, enterprise: Account, bank: Account, mailbox: Mailbox
) -> None:
    member = await team_member(client, bank, mailbox, role="member")
    hook = {"name": "全省技改", "webhook_url": "https://93.184.216.34/hooks/leads"}
    refused = await client.post("/lead-subscriptions", headers=member.headers, json=hook)
    assert refused.status_code == 403
    subscription = await client.post("/lead-subscriptions", headers=bank.headers, json=hook)
    assert subscription.status_code == 201
    await published_demand(client, enterprise)
    leads = await client.get("/leads", headers=member.headers)
    assert leads.status_code == 200 and leads.json()["items"]
    lead = leads.json()["items"][0]
    assert (await client.get(f"/leads/{lead['id']}", headers=member.headers)).status_code == 200
    for method, path, body in [
        ("PATCH", f"/leads/{lead['id']}", {"status": "contacted"}),
        ("POST", f"/lead-subscriptions/{subscription.json()['id']}/rotate-secret", None),
        ("DELETE", f"/lead-subscriptions/{subscription.json()['id']}", None),
        ("POST", "/financing-products", financing_payload()),
    ]:
        response = await client.request(method, path, headers=member.headers, json=body)
        assert response.status_code == 403, (method, path, response.text)
    assert (await client.get(f"/leads/{lead['id']}", headers=member.headers)).json()["status"] == lead[
        "status"
    ]
    done = await client.patch(f"/leads/{lead['id']}", headers=bank.headers, json={"status": "contacted"})
    assert done.status_code == 200


async def test_the_last_owner_can_neither_leave_nor_step_down_until_another_owns(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, mailbox: Mailbox
) -> None:
    org = enterprise.organization_id
    leave = await client.delete(
        f"/organizations/{org}/members/{enterprise.user_id}", headers=enterprise.headers
    )
    assert leave.status_code == 409
    down = await client.patch(
        f"/organizations/{org}/members/{enterprise.user_id}",
        headers=enterprise.headers,
        json={"role": "member"},
    )
    assert down.status_code == 409
    manager = await team_member(client, enterprise, mailbox, role="manager")
    handed = await client.post(
        f"/organizations/{org}/ownership-transfer",
        headers=enterprise.headers,
        json={"user_id": manager.user_id},
    )
    assert handed.status_code == 200 and handed.json()["role"] == "owner"
    assert await _members(client, manager) == {enterprise.email: "manager", manager.email: "owner"}
    # The former owner is a manager now: managing members is refused at once, on the same token.
    refused = await client.patch(
        f"/organizations/{org}/members/{manager.user_id}", headers=enterprise.headers, json={"role": "member"}
    )
    assert refused.status_code == 403
    leave = await client.delete(f"/organizations/{org}/members/{manager.user_id}", headers=manager.headers)
    assert leave.status_code == 409  # the new owner is the last one now


async def test_a_removed_member_is_logged_out_at_once_and_can_be_invited_back(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, mailbox: Mailbox
) -> None:
    member = await team_member(client, enterprise, mailbox)
    removed = await client.delete(
        f"/organizations/{enterprise.organization_id}/members/{member.user_id}", headers=enterprise.headers
    )
    assert removed.status_code == 204
    assert (await client.get("/me", headers=member.headers)).status_code == 401
    refresh = await client.post("/auth/refresh", json={"refresh_token": member.refresh_token})
    assert refresh.status_code == 401
    login_again = await client.post("/auth/token", data={"username": member.email, "password": PASSWORD})
    assert login_again.status_code == 401
    assert member.email not in await _members(client, enterprise)
    again = await client.delete(
        f"/organizations/{enterprise.organization_id}/members/{member.user_id}", headers=enterprise.headers
    )
    assert again.status_code == 404

    assert (await _invite(client, enterprise, member.email, role="manager")).status_code == 201
    token = await mailbox.token_for(member.email)
    back = await client.post(
        "/invitations/accept", json={"token": token, "name": "李工", "password": "a new passphrase here"}
    )
    assert back.status_code == 200 and back.json()["user"]["id"] == member.user_id
    tokens = await login(client, member.email, "a new passphrase here")
    me = await client.get("/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json()["membership"]["role"] == "manager"


async def test_a_member_leaves_by_their_own_id(
    client: httpx.AsyncClient, enterprise: Account, mailbox: Mailbox
) -> None:
    member = await team_member(client, enterprise, mailbox)
    other = await team_member(client, enterprise, mailbox, name="赵工")
    cannot = await client.delete(
        f"/organizations/{enterprise.organization_id}/members/{other.user_id}", headers=member.headers
    )
    assert cannot.status_code == 403
    left = await client.delete(
        f"/organizations/{enterprise.organization_id}/members/{member.user_id}", headers=member.headers
    )
    assert left.status_code == 204
    assert set(await _members(client, enterprise)) == {enterprise.email, other.email}


async def test_an_existing_account_moves_only_when_logged_in_as_the_invited_address(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, supplier: Account, mailbox: Mailbox
) -> None:
    # The supplier's only owner cannot leave it for the enterprise.
    assert (await _invite(client, enterprise, supplier.email)).status_code == 201
    token = await mailbox.token_for(supplier.email)
    anonymous = await client.post("/invitations/accept", json={"token": token})
    assert anonymous.status_code == 401
    wrong = await client.post("/invitations/accept", json={"token": token}, headers=enterprise.headers)
    assert wrong.status_code == 403
    last_owner = await client.post("/invitations/accept", json={"token": token}, headers=supplier.headers)
    assert last_owner.status_code == 409

    engineer = await team_member(client, supplier, mailbox, role="manager", name="销售工程师")
    assert (await _invite(client, enterprise, engineer.email, role="member")).status_code == 201
    token = await mailbox.token_for(engineer.email)
    moved = await client.post("/invitations/accept", json={"token": token}, headers=engineer.headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["new_account"] is False and moved.json()["role"] == "member"
    # Every session of the old organization ended with the move: the user logs in again, into the new one.
    assert (await client.get("/me", headers=engineer.headers)).status_code == 401
    engineer.access_token = (await login(client, engineer.email))["access_token"]
    me = (await client.get("/me", headers=engineer.headers)).json()
    assert me["organization"]["id"] == enterprise.organization_id and me["membership"]["role"] == "member"
    assert engineer.email not in await _members(client, supplier)
    # What the supplier's manager could do there, the enterprise's member cannot do here.
    demand = await published_demand(client, enterprise)
    quote = await client.post(
        f"/demands/{demand['id']}/quotes", headers=engineer.headers, json={"price_cny": 1, "delivery_days": 1}
    )
    assert quote.status_code == 403


async def test_admins_read_a_team_but_cannot_be_invited_or_invite(
    client: httpx.AsyncClient, admin: Account, enterprise: Account, mailbox: Mailbox
) -> None:
    assert set(await _members(client, admin)) >= {admin.email}
    listed = await client.get(f"/organizations/{enterprise.organization_id}/members", headers=admin.headers)
    assert listed.status_code == 200 and listed.json()["items"][0]["role"] == "owner"
    own = await _invite(client, admin, unique_email("admin2"))
    assert own.status_code == 403
    assert (await _invite(client, enterprise, admin.email)).status_code == 201
    token = await mailbox.token_for(admin.email)
    refused = await client.post("/invitations/accept", json={"token": token}, headers=admin.headers)
    assert refused.status_code == 403


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["user"]["id"] for item in items]


async def test_the_member_list_pages_in_joining_order(
    client: httpx.AsyncClient, enterprise: Account, mailbox: Mailbox
) -> None:
    joined = [enterprise.user_id]
    for name in ("甲", "乙", "丙"):
        joined.append((await team_member(client, enterprise, mailbox, name=name)).user_id)
    first = await client.get(
        f"/organizations/{enterprise.organization_id}/members",
        headers=enterprise.headers,
        params={"limit": 2},
    )
    second = await client.get(
        f"/organizations/{enterprise.organization_id}/members",
        headers=enterprise.headers,
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
    )
    assert _ids(first.json()["items"]) + _ids(second.json()["items"]) == joined
    assert second.json()["next_cursor"] is None
