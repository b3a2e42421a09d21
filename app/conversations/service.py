"""Conversations on a published demand: a supplier, a provider, or a bank with a lead on it starts one
thread with the demand's enterprise (one per counterpart organization); both sides write, with files;
each side's unread count lives on the thread; the enterprise may close it. Admins read a thread only
through `read_audited`, which records who read it and why."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.attachments import service as attachments
from app.auth.principal import Principal, Viewer
from app.conversations import repository
from app.conversations.schemas import AuditedThread, ConversationOut, MessageList, MessageOut, Sender
from app.demands import service as demands
from app.errors import Conflict, FieldError, Forbidden, InvalidFields, NotFound
from app.kernel import OrganizationRef
from app.kit.integrity import flush_or_conflict
from app.kit.pagination import PageParams
from app.models.base import utcnow
from app.models.conversation import AuditEvent, Conversation, ConversationMessage
from app.notifications import service as notifications
from app.organizations import repository as organization_names

NO_SUCH = "No such conversation."
NO_SUCH_ZH = "没有这个会话。"


def _other_side(conversation: Conversation, organization_id: uuid.UUID) -> uuid.UUID:
    return conversation.counterpart_id if organization_id == conversation.owner_id else conversation.owner_id


def _unread_for(conversation: Conversation, organization_id: uuid.UUID) -> int:
    if organization_id == conversation.owner_id:
        return conversation.owner_unread
    return conversation.counterpart_unread


def _thread_out(
    row: Conversation, organization_id: uuid.UUID, *, title: str, owner: str, counterpart: str
) -> ConversationOut:
    mine = organization_id == row.owner_id
    return ConversationOut(
        id=row.id,
        demand_id=row.demand_id,
        demand_title=title,
        counterpart=OrganizationRef(
            id=row.counterpart_id if mine else row.owner_id, name=counterpart if mine else owner
        ),
        status=row.status,
        unread_count=_unread_for(row, organization_id),
        last_message_at=row.last_message_at,
        created_at=row.created_at,
    )


def threads_out(rows: list[Any], organization_id: uuid.UUID) -> list[ConversationOut]:
    """(thread, demand title, owner's name, counterpart's name) rows, as `organization_id` sees them."""
    return [
        _thread_out(row, organization_id, title=title, owner=owner, counterpart=counterpart)
        for row, title, owner, counterpart in rows
    ]


async def to_out(
    session: AsyncSession, rows: list[Conversation], organization_id: uuid.UUID
) -> list[ConversationOut]:
    """Threads as `organization_id` sees them (its counterpart, its unread count)."""
    names = await organization_names.get_names(
        session, {o for row in rows for o in (row.owner_id, row.counterpart_id)}
    )
    titles = await repository.demand_titles(session, {row.demand_id for row in rows})
    return [
        _thread_out(
            row,
            organization_id,
            title=titles.get(row.demand_id, ""),
            owner=names.get(row.owner_id, ""),
            counterpart=names.get(row.counterpart_id, ""),
        )
        for row in rows
    ]


def _participant(conversation: Conversation | None, viewer: Viewer) -> Conversation:
    """The thread, if the viewer's organization is one of its two sides (everyone else, admins too: 404)."""
    if conversation is None or viewer.organization_id not in (
        conversation.owner_id,
        conversation.counterpart_id,
    ):
        raise NotFound(NO_SUCH, zh=NO_SUCH_ZH)
    return conversation


@attachments.resolver("conversation")
async def _as_parent(session: AsyncSession, parent_id: uuid.UUID, viewer: Viewer) -> attachments.Parent:
    conversation = _participant(await repository.get(session, parent_id), viewer)
    sides = frozenset({conversation.owner_id, conversation.counterpart_id})
    return attachments.Parent(
        "conversation", conversation.id, sides, "member", closed=conversation.status == "closed"
    )


async def _may_start(session: AsyncSession, demand_id: uuid.UUID, principal: Principal) -> uuid.UUID:
    """The demand's owner, once the caller may open a thread on it."""
    demand = await demands.get_visible(session, demand_id, principal.viewer)
    organization = principal.organization
    if demand.organization_id == organization.id:
        raise Forbidden(
            "Your organization posted this demand: answer the threads others start on it.",
            zh="本机构发布了该需求：请回复其他机构发起的会话。",
        )
    if demand.status != "published":
        raise Conflict(
            f"Conversations start on published demands; this one is {demand.status}.",
            zh=f"只能在已发布的需求上发起会话；该需求状态为 {demand.status}。",
        )
    if organization.kind not in ("supplier", "provider", "bank"):
        raise Forbidden(
            "Suppliers, providers and banks (with a lead on the demand) start conversations.",
            zh="只有供应商、服务商和（持有该需求线索的）金融机构可以发起会话。",
        )
    if organization.vetting_status != "vetted":
        raise Forbidden("Your organization must be vetted first.", zh="本机构需先通过审核。")
    is_lead = organization.kind != "bank" or await repository.has_lead(session, demand.id, organization.id)
    if not is_lead:
        raise Forbidden(
            "A bank talks about a demand once the demand is one of its leads.",
            zh="金融机构只能就其线索中的需求发起会话。",
        )
    return demand.organization_id


async def start(
    session: AsyncSession, demand_id: uuid.UUID, message: str, *, principal: Principal
) -> tuple[Conversation, bool]:
    """The caller's thread on the demand, with the message added; whether it was created now."""
    owner_id = await _may_start(session, demand_id, principal)
    conversation = await repository.for_counterpart(session, demand_id, principal.organization.id)
    created = conversation is None
    if conversation is None:
        conversation = Conversation(
            demand_id=demand_id, owner_id=owner_id, counterpart_id=principal.organization.id, status="open"
        )
        session.add(conversation)
        taken = (["body"], "A thread was opened at the same moment; retry.", "会话刚刚被同时创建，请重试。")
        await flush_or_conflict(session, {"uq_conversations_demand_counterpart": taken})
    await post(session, conversation, message, [], principal=principal)
    return conversation, created


async def get_for(session: AsyncSession, conversation_id: uuid.UUID, viewer: Viewer) -> Conversation:
    return _participant(await repository.get(session, conversation_id), viewer)


async def post(
    session: AsyncSession,
    conversation: Conversation,
    body: str,
    attachment_ids: list[uuid.UUID],
    *,
    principal: Principal,
) -> ConversationMessage:
    if conversation.status == "closed":
        raise Conflict("This conversation is closed.", zh="该会话已关闭。")
    found = await repository.attachments(session, set(attachment_ids))
    mine = principal.organization.id
    wrong = [
        i
        for i, ident in enumerate(attachment_ids)
        if ident not in found
        or found[ident].parent_type != "conversation"
        or found[ident].parent_id != conversation.id
        or found[ident].organization_id != mine
    ]
    if wrong:
        msg = "is not a file your organization uploaded to this conversation"
        zh = "不是本机构上传到该会话的附件"
        raise InvalidFields(
            f"attachment_ids: {msg}.",
            zh=f"attachment_ids：{zh}。",
            errors=[FieldError(["body", "attachment_ids", i], msg, zh) for i in wrong],
        )
    now = utcnow()
    message = ConversationMessage(
        conversation_id=conversation.id,
        sender_organization_id=mine,
        sender_user_id=principal.user.id,
        body=body,
        attachment_ids=list(dict.fromkeys(attachment_ids)),
        created_at=now,
    )
    session.add(message)
    conversation.last_message_at = now
    if mine == conversation.owner_id:
        conversation.counterpart_unread += 1
    else:
        conversation.owner_unread += 1
    await session.flush()
    await notifications.notify(
        session,
        _other_side(conversation, mine),
        "conversation_message",
        f"{principal.organization.name} 发来新消息",
        body[:200],
        {"conversation_id": str(conversation.id), "demand_id": str(conversation.demand_id)},
    )
    return message


async def locked_for(session: AsyncSession, conversation_id: uuid.UUID, viewer: Viewer) -> Conversation:
    return _participant(await repository.get(session, conversation_id, for_update=True), viewer)


async def mark_read(session: AsyncSession, conversation: Conversation, organization_id: uuid.UUID) -> None:
    if organization_id == conversation.owner_id:
        conversation.owner_unread = 0
    else:
        conversation.counterpart_unread = 0
    await session.flush()


async def close(session: AsyncSession, conversation: Conversation, *, principal: Principal) -> None:
    if principal.organization.id != conversation.owner_id:
        raise Forbidden(
            "Only the enterprise that posted the demand closes its threads.",
            zh="只有发布需求的企业才能关闭会话。",
        )
    principal.viewer.require("manager", action="Closing a conversation", action_zh="关闭会话")
    if conversation.status == "closed":
        return
    conversation.status, conversation.closed_at, conversation.closed_by_id = (
        "closed",
        utcnow(),
        principal.user.id,
    )
    await session.flush()
    await notifications.notify(
        session,
        conversation.counterpart_id,
        "conversation_closed",
        f"{principal.organization.name} 关闭了会话",
        "对方已关闭该需求上的会话，您仍可查看历史消息。",
        {"conversation_id": str(conversation.id), "demand_id": str(conversation.demand_id)},
    )


async def messages_out(
    session: AsyncSession,
    rows: list[tuple[ConversationMessage, str, str | None]],
    *,
    reader: uuid.UUID | None,
) -> list[MessageOut]:
    """(message, sender organization's name, sender's name) rows as `reader` (an organization; None
    for an audited admin read) sees them."""
    files = await repository.attachments(session, {i for row in rows for i in row[0].attachment_ids})
    return [
        MessageOut(
            id=m.id,
            conversation_id=m.conversation_id,
            sender=Sender(
                organization=OrganizationRef(id=m.sender_organization_id, name=organization),
                user_id=m.sender_user_id,
                user_name=user,
            ),
            mine=m.sender_organization_id == reader,
            body=m.body,
            attachments=[attachments.to_out(files[i]) for i in m.attachment_ids if i in files],
            created_at=m.created_at,
        )
        for m, organization, user in rows
    ]


async def page_messages(
    session: AsyncSession, conversation: Conversation, params: PageParams, *, reader: uuid.UUID | None
) -> MessageList:
    """Newest first, paged."""
    rows, cursor = await repository.page_messages(session, conversation.id, params)
    return MessageList(items=await messages_out(session, rows, reader=reader), next_cursor=cursor)


async def read_audited(
    session: AsyncSession,
    conversation_id: uuid.UUID,
    params: PageParams,
    *,
    reason: str,
    principal: Principal,
) -> AuditedThread:
    """An admin reads a thread: the reading is recorded first, with the admin and the reason."""
    conversation = await repository.get(session, conversation_id)
    if conversation is None:
        raise NotFound(NO_SUCH, zh=NO_SUCH_ZH)
    session.add(
        AuditEvent(
            actor_user_id=principal.user.id,
            action="read_conversation",
            subject_type="conversation",
            subject_id=str(conversation.id),
            reason=reason,
        )
    )
    await session.flush()
    [thread] = await to_out(session, [conversation], conversation.owner_id)
    names = await organization_names.get_names(session, {conversation.owner_id})
    return AuditedThread(
        conversation=thread,
        owner=OrganizationRef(id=conversation.owner_id, name=names.get(conversation.owner_id, "")),
        messages=await page_messages(session, conversation, params, reader=None),
    )
