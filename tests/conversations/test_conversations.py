"""Conversations on a demand through HTTP: who may start one, one thread per counterpart, messages with
files, unread counts and notifications, closing, and admins reading only on the record."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditEvent, ConversationMessage, Notification
from tests.attachments import files
from tests.fixtures.factories import Account, create_demand, published_demand, register_account, team_member
from tests.fixtures.smtp import Mailbox


async def _start(client: httpx.AsyncClient, who: Account, demand_id: str, message: str) -> httpx.Response:
    return await client.post(
        f"/demands/{demand_id}/conversations", headers=who.headers, json={"message": message}
    )


async def _messages(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(ConversationMessage)) or 0)


async def test_a_supplier_asks_and_the_enterprise_answers(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, supplier: Account
) -> None:
    demand = await published_demand(client, enterprise)
    started = await _start(client, supplier, demand["id"], "请问单晶炉的产能要求是多少？")
    assert started.status_code == 201, started.text
    thread = started.json()
    assert thread["demand_id"] == demand["id"] and thread["status"] == "open"
    assert thread["counterpart"]["id"] == enterprise.organization_id and thread["unread_count"] == 0
    assert started.headers["location"] == f"/api/v1/conversations/{thread['id']}"
    note = await db.scalar(
        select(Notification).where(
            Notification.organization_id == enterprise.organization_id,
            Notification.kind == "conversation_message",
        )
    )
    assert note is not None and note.data["conversation_id"] == thread["id"]

    mine = (await client.get("/conversations", headers=enterprise.headers)).json()["items"]
    assert [(t["id"], t["counterpart"]["id"], t["unread_count"]) for t in mine] == [
        (thread["id"], supplier.organization_id, 1)
    ]
    reply = await client.post(
        f"/conversations/{thread['id']}/messages", headers=enterprise.headers, json={"body": "月产 20 台。"}
    )
    assert reply.status_code == 201 and reply.json()["mine"] is True
    assert reply.json()["sender"]["organization"]["id"] == enterprise.organization_id
    read = await client.post(f"/conversations/{thread['id']}/read", headers=enterprise.headers)
    assert read.json()["unread_count"] == 0
    theirs = await client.get(f"/conversations/{thread['id']}", headers=supplier.headers)
    assert theirs.json()["unread_count"] == 1
    listed = await client.get(f"/conversations/{thread['id']}/messages", headers=supplier.headers)
    bodies = [(m["body"], m["mine"]) for m in listed.json()["items"]]
    assert bodies == [("月产 20 台。", False), ("请问单晶炉的产能要求是多少？", True)]  # newest first

    # One thread per counterpart: a second start adds to it.
    again = await _start(client, supplier, demand["id"], "另外，交货期呢？")
    assert again.status_code == 200 and again.json()["id"] == thread["id"]
    assert await _messages(db) == 3


async def test_who_may_not_start_a_thread_and_nothing_is_written(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin: Account,
    enterprise: Account,
    supplier: Account,
    bank: Account,
) -> None:
    draft = await create_demand(client, enterprise)
    live = await published_demand(client, enterprise, share_with_banks=False)
    pending = await register_account(client, "supplier")
    cases = [
        (supplier, draft["id"], 404),  # a draft is its owner's alone
        (enterprise, draft["id"], 403),  # the owner answers, it does not start
        (enterprise, live["id"], 403),
        (pending, live["id"], 403),  # not vetted yet
        (bank, live["id"], 403),  # no lead on it
        (admin, live["id"], 403),
    ]
    for who, demand_id, status in cases:
        response = await _start(client, who, demand_id, "你好")
        assert response.status_code == status, (who.email, response.text)
    assert await _messages(db) == 0


async def test_a_bank_with_a_lead_may_talk_about_the_demand(
    client: httpx.AsyncClient, enterprise: Account, bank: Account
) -> None:
    hook = {"name": "全省技改", "webhook_url": "https://93.184.216.34/hooks/leads"}
    assert (await client.post("/lead-subscriptions", headers=bank.headers, json=hook)).status_code == 201
    demand = await published_demand(client, enterprise)  # shares its financing need: a lead
    started = await _start(client, bank, demand["id"], "我行技改贷可以支持，方便沟通吗？")
    assert started.status_code == 201, started.text


async def test_files_in_messages_are_the_senders_own_uploads_to_the_thread(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, supplier: Account, admin: Account
) -> None:
    demand = await published_demand(client, enterprise)
    thread = (await _start(client, supplier, demand["id"], "附上报价单")).json()
    upload = await client.post(
        f"/conversations/{thread['id']}/attachments",
        headers=supplier.headers,
        files={"file": ("报价单.pdf", files.pdf(), "application/pdf")},
        data={"purpose": "message"},
    )
    assert upload.status_code == 201, upload.text
    file_id = upload.json()["id"]
    # The enterprise cannot send the supplier's file as its own.
    theirs = await client.post(
        f"/conversations/{thread['id']}/messages",
        headers=enterprise.headers,
        json={"body": "转发", "attachment_ids": [file_id]},
    )
    assert theirs.status_code == 422 and theirs.json()["errors"][0]["loc"] == ["body", "attachment_ids", 0]
    sent = await client.post(
        f"/conversations/{thread['id']}/messages",
        headers=supplier.headers,
        json={"body": "请查收", "attachment_ids": [file_id]},
    )
    assert sent.status_code == 201 and [a["id"] for a in sent.json()["attachments"]] == [file_id]
    # Both sides download it; nobody else does, admins included.
    url = upload.json()["url"].removeprefix("/api/v1")
    assert (await client.get(url, headers=enterprise.headers)).status_code == 200
    other = await client.get(url, headers=admin.headers)
    assert other.status_code == 404
    assert await _messages(db) == 2


async def test_strangers_and_admins_see_no_thread_but_admins_read_on_the_record(
    client: httpx.AsyncClient, db: AsyncSession, admin: Account, enterprise: Account, supplier: Account
) -> None:
    demand = await published_demand(client, enterprise)
    thread = (await _start(client, supplier, demand["id"], "价格可以谈")).json()
    from tests.fixtures.factories import vetted_account

    stranger = await vetted_account(client, admin, "supplier")
    for who in (stranger, admin):
        for path in (f"/conversations/{thread['id']}", f"/conversations/{thread['id']}/messages"):
            assert (await client.get(path, headers=who.headers)).status_code == 404
        post = await client.post(
            f"/conversations/{thread['id']}/messages", headers=who.headers, json={"body": "x"}
        )
        assert post.status_code == 404
    assert (await client.get("/conversations", headers=stranger.headers)).json()["items"] == []
    no_reason = await client.post(
        f"/admin/conversations/{thread['id']}/audited-read", headers=admin.headers, json={"reason": "x"}
    )
    assert no_reason.status_code == 422
    # Other admin writes (vetting the organizations) are in the log too; the read is not, yet.
    reads = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "read_conversation")
    assert await db.scalar(reads) == 0
    audited = await client.post(
        f"/admin/conversations/{thread['id']}/audited-read",
        headers=admin.headers,
        json={"reason": "企业投诉报价欺诈，核查沟通记录"},
    )
    assert audited.status_code == 200, audited.text
    assert [m["body"] for m in audited.json()["messages"]["items"]] == ["价格可以谈"]
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "read_conversation"))
    assert event is not None and str(event.actor_user_id) == admin.user_id
    assert str(event.subject_id) == thread["id"] and "欺诈" in event.reason
    refused = await client.post(
        f"/admin/conversations/{thread['id']}/audited-read",
        headers=supplier.headers,
        json={"reason": "想看看别人"},
    )
    assert refused.status_code == 403


async def test_the_enterprise_closes_a_thread_and_nobody_writes_in_it_again(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, supplier: Account, mailbox: Mailbox
) -> None:
    demand = await published_demand(client, enterprise)
    thread = (await _start(client, supplier, demand["id"], "您好")).json()
    member = await team_member(client, enterprise, mailbox)
    assert (
        await client.post(f"/conversations/{thread['id']}/close", headers=supplier.headers)
    ).status_code == 403
    refused = await client.post(f"/conversations/{thread['id']}/close", headers=member.headers)
    assert refused.status_code == 403 and refused.json()["needed_role"] == "manager"
    # A member still answers.
    answered = await client.post(
        f"/conversations/{thread['id']}/messages", headers=member.headers, json={"body": "请讲"}
    )
    assert answered.status_code == 201
    closed = await client.post(f"/conversations/{thread['id']}/close", headers=enterprise.headers)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    before = await _messages(db)
    for who in (supplier, enterprise):
        late = await client.post(
            f"/conversations/{thread['id']}/messages", headers=who.headers, json={"body": "还在吗"}
        )
        assert late.status_code == 409
    assert (await _start(client, supplier, demand["id"], "再问一下")).status_code == 409
    assert await _messages(db) == before
    assert (
        await client.get(f"/conversations/{thread['id']}/messages", headers=supplier.headers)
    ).status_code == 200


async def test_the_message_list_pages_back_through_history(
    client: httpx.AsyncClient, enterprise: Account, supplier: Account
) -> None:
    demand = await published_demand(client, enterprise)
    thread = (await _start(client, supplier, demand["id"], "第0条")).json()
    for i in range(1, 5):
        await client.post(
            f"/conversations/{thread['id']}/messages", headers=supplier.headers, json={"body": f"第{i}条"}
        )
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get(
                f"/conversations/{thread['id']}/messages", headers=supplier.headers, params=params
            )
        ).json()
        seen += [m["body"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"第{i}条" for i in range(4, -1, -1)]


async def test_a_retried_message_with_its_idempotency_key_is_posted_once(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, supplier: Account
) -> None:
    demand = await published_demand(client, enterprise)
    headers = {**supplier.headers, "Idempotency-Key": "start-1"}
    path = f"/demands/{demand['id']}/conversations"
    first = await client.post(path, headers=headers, json={"message": "您好"})
    retry = await client.post(path, headers=headers, json={"message": "您好"})
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.headers["idempotent-replayed"] == "true" and retry.json()["id"] == first.json()["id"]
    thread = first.json()["id"]
    headers = {**supplier.headers, "Idempotency-Key": "msg-1"}
    sent = await client.post(f"/conversations/{thread}/messages", headers=headers, json={"body": "在吗"})
    again = await client.post(f"/conversations/{thread}/messages", headers=headers, json={"body": "在吗"})
    assert sent.status_code == again.status_code == 201 and again.json()["id"] == sent.json()["id"]
    assert await _messages(db) == 2
    other = await client.post(f"/conversations/{thread}/messages", headers=headers, json={"body": "另一条"})
    assert other.status_code == 422


async def test_a_sent_file_stays_and_a_closed_thread_takes_no_new_files(
    client: httpx.AsyncClient, db: AsyncSession, enterprise: Account, supplier: Account
) -> None:
    demand = await published_demand(client, enterprise)
    thread = (await _start(client, supplier, demand["id"], "附件")).json()["id"]

    async def upload() -> httpx.Response:
        return await client.post(
            f"/conversations/{thread}/attachments",
            headers=supplier.headers,
            files={"file": ("图.pdf", files.pdf(), "application/pdf")},
        )

    sent = (await upload()).json()
    await client.post(
        f"/conversations/{thread}/messages",
        headers=supplier.headers,
        json={"body": "见附件", "attachment_ids": [sent["id"]]},
    )
    deleted = await client.delete(sent["url"].removeprefix("/api/v1"), headers=supplier.headers)
    assert deleted.status_code == 409
    unsent = (await upload()).json()
    assert (
        await client.delete(unsent["url"].removeprefix("/api/v1"), headers=supplier.headers)
    ).status_code == 204
    await client.post(f"/conversations/{thread}/close", headers=enterprise.headers)
    assert (await upload()).status_code == 409
