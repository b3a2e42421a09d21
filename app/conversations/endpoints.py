from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, status

from app.conversations import repository, service
from app.conversations.schemas import (
    AuditedReadIn,
    AuditedThread,
    ConversationList,
    ConversationOut,
    ConversationStart,
    MessageIn,
    MessageList,
    MessageOut,
)
from app.deps import AdminPrincipal, CurrentPrincipal, SessionDep
from app.kit.idempotency import IdempotencyKeyHeader, idempotent_create
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems
from app.kit.responses import FastJSONResponse
from app.models.conversation import Conversation

router = APIRouter(tags=["conversations"])


async def _one(
    session: SessionDep, conversation: Conversation, organization_id: uuid.UUID
) -> ConversationOut:
    [out] = await service.to_out(session, [conversation], organization_id)
    return out


@router.post(
    "/demands/{demand_id}/conversations",
    status_code=status.HTTP_201_CREATED,
    response_model=ConversationOut,
    operation_id="start_conversation",
    responses={
        200: {"model": ConversationOut, "description": "The caller's thread existed already."},
        **problems(401, 403, 404, 409, 413, 422),
    },
    summary="Start (or continue) the caller's conversation with a demand's enterprise",
)
async def start_conversation(
    demand_id: uuid.UUID,
    body: ConversationStart,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FastJSONResponse:
    """A vetted supplier or provider, or a bank with a lead on the demand (403 for others; 409 for a
    demand that is not published; 404 for one the caller cannot see). One thread per counterpart
    organization: the first message opens it (201), a later call adds its message to the same thread
    and answers 200 (409 once it is closed). The enterprise is notified. Send an `Idempotency-Key` so a
    retry over a flaky network does not post the message twice."""
    created = False

    async def create() -> ConversationOut:
        nonlocal created
        conversation, created = await service.start(session, demand_id, body.message, principal=principal)
        return await _one(session, conversation, principal.organization.id)

    return await idempotent_create(
        session,
        user_id=principal.user.id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
        create=create,
        status_code=lambda: status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        location="/api/v1/conversations/{id}",
    )


@router.get(
    "/conversations",
    operation_id="list_conversations",
    responses=problems(401, 422),
    summary="The caller's conversations, on both sides",
)
async def list_conversations(
    session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep
) -> ConversationList:
    """Any logged-in caller: the threads of the caller's organization, those it started and those on its
    demands, the most recently active first, each with the counterpart and the unread count."""
    rows, cursor = await repository.page_for(session, principal.organization.id, page)
    return ConversationList(items=service.threads_out(rows, principal.organization.id), next_cursor=cursor)


@router.get(
    "/conversations/{conversation_id}",
    operation_id="get_conversation",
    responses=problems(401, 404, 422),
    summary="One of the caller's conversations",
)
async def get_conversation(
    conversation_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> ConversationOut:
    """Its two sides only (404 for anyone else, admins included: they use the audited route)."""
    conversation = await service.get_for(session, conversation_id, principal.viewer)
    return await _one(session, conversation, principal.organization.id)


@router.get(
    "/conversations/{conversation_id}/messages",
    operation_id="list_conversation_messages",
    responses=problems(401, 404, 422),
    summary="A conversation's messages, newest first",
)
async def list_messages(
    conversation_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, page: PageParamsDep
) -> MessageList:
    """Its two sides: the messages, newest first, paged with `cursor` (older pages follow), each with its
    sender, whether the caller's side sent it, and its files. Reading does not mark read: `POST …/read`."""
    conversation = await service.get_for(session, conversation_id, principal.viewer)
    return await service.page_messages(session, conversation, page, reader=principal.organization.id)


@router.post(
    "/conversations/{conversation_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=MessageOut,
    operation_id="post_conversation_message",
    responses=problems(401, 404, 409, 413, 422),
    summary="Write in a conversation",
)
async def post_message(
    conversation_id: uuid.UUID,
    body: MessageIn,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    idempotency_key: IdempotencyKeyHeader = None,
) -> FastJSONResponse:
    """Its two sides, any role: a message (1 to 4,000 characters) with up to 10 files the caller's
    organization uploaded to this conversation first (`POST /conversations/{id}/attachments`; 422
    otherwise). 409 once closed. The other side is notified and its unread count goes up. Send an
    `Idempotency-Key` so a retry does not post the message twice."""

    async def create() -> MessageOut:
        conversation = await service.locked_for(session, conversation_id, principal.viewer)
        message = await service.post(
            session, conversation, body.body, body.attachment_ids, principal=principal
        )
        row = (message, principal.organization.name, principal.user.name)
        [out] = await service.messages_out(session, [row], reader=principal.organization.id)
        return out

    return await idempotent_create(
        session,
        user_id=principal.user.id,
        key=idempotency_key,
        method="POST",
        path=request.url.path,
        body=body,
        create=create,
    )


@router.post(
    "/conversations/{conversation_id}/read",
    operation_id="read_conversation",
    responses=problems(401, 404, 422),
    summary="Mark a conversation read for the caller's side",
)
async def read_conversation(
    conversation_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> ConversationOut:
    """Its two sides: the caller's organization has read everything so far (`unread_count` 0)."""
    conversation = await service.locked_for(session, conversation_id, principal.viewer)
    await service.mark_read(session, conversation, principal.organization.id)
    return await _one(session, conversation, principal.organization.id)


@router.post(
    "/conversations/{conversation_id}/close",
    operation_id="close_conversation",
    responses=problems(401, 403, 404, 422),
    summary="Close a conversation (the demand's enterprise)",
)
async def close_conversation(
    conversation_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> ConversationOut:
    """The enterprise that posted the demand, a manager or owner (403 for the other side): no more
    messages; both sides still read it. The other side is notified. Closing a closed thread changes
    nothing."""
    conversation = await service.locked_for(session, conversation_id, principal.viewer)
    await service.close(session, conversation, principal=principal)
    return await _one(session, conversation, principal.organization.id)


@router.post(
    "/admin/conversations/{conversation_id}/audited-read",
    operation_id="read_conversation_audited",
    responses=problems(401, 403, 404, 413, 422),
    summary="Read any conversation, on the record (admin)",
)
async def read_conversation_audited(
    conversation_id: uuid.UUID,
    body: AuditedReadIn,
    session: SessionDep,
    principal: AdminPrincipal,
    page: PageParamsDep,
) -> AuditedThread:
    """Admins only, with a reason (5 to 500 characters): the thread and a page of its messages, newest
    first. Each call is recorded (`audit_events`: the admin, the thread, the reason, when) before
    anything is shown."""
    return await service.read_audited(session, conversation_id, page, reason=body.reason, principal=principal)
