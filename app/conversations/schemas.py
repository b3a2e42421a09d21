from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from app.attachments.schemas import AttachmentOut
from app.kernel import ConversationStatus, OrganizationRef
from app.kit.inputs import InputUUID, StrictInput

Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class ConversationStart(StrictInput):
    message: Body


class MessageIn(StrictInput):
    body: Body
    attachment_ids: list[InputUUID] = Field(
        default_factory=list,
        max_length=10,
        description="Files uploaded to this conversation (`POST /conversations/{id}/attachments`) by you.",
    )


class ConversationOut(BaseModel):
    id: uuid.UUID
    demand_id: uuid.UUID
    demand_title: str
    counterpart: OrganizationRef = Field(description="The organization on the other side, from the caller's.")
    status: ConversationStatus
    unread_count: int = Field(
        description="Messages from the other side the caller's organization has not read."
    )
    last_message_at: datetime
    created_at: datetime


class ConversationList(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None


class Sender(BaseModel):
    organization: OrganizationRef
    user_id: uuid.UUID | None
    user_name: str | None


class MessageOut(BaseModel):
    id: uuid.UUID
    conversation_id: uuid.UUID
    sender: Sender
    mine: bool = Field(description="Whether the caller's organization sent it.")
    body: str
    attachments: list[AttachmentOut]
    created_at: datetime


class MessageList(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None


class AuditedReadIn(StrictInput):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)] = Field(
        description="Why an admin reads this private thread; kept with the reader's name."
    )


class AuditedThread(BaseModel):
    conversation: ConversationOut
    owner: OrganizationRef
    messages: MessageList
