"""What each role in an organization may do. One order, one check: a role may do what every role below
it may do.

- `member` reads everything the organization may see, and drafts: demands, products, answers in
  conversations, attachments, match feedback.
- `manager` also publishes and commits the organization: publishing or editing what is public, quotes,
  accepting or declining, financing products, leads, lead subscriptions (webhooks) and saved searches,
  the organization's profile.
- `owner` also manages the team: invitations, roles, removing members, handing over ownership.
"""

from __future__ import annotations

from typing import Literal

Role = Literal["owner", "manager", "member"]
RANK: dict[str, int] = {"member": 0, "manager": 1, "owner": 2}
ROLE_NAMES_ZH: dict[str, str] = {"owner": "所有者", "manager": "管理者", "member": "成员"}


def may(role: str | None, needed: str) -> bool:
    """Whether a member with `role` may do what needs `needed` (no role: nothing)."""
    return role is not None and RANK.get(role, -1) >= RANK[needed]
