from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from app.kit.inputs import StrictInput

# A mainland mobile number: 11 digits from 1 (the second 3–9), optionally written with +86 (or 86), with
# spaces or hyphens between groups as people type them. Stored and shown as +86XXXXXXXXXXX.
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


def normalize_phone(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value)
    found = _MOBILE.match(digits)
    if found is None:
        raise ValueError("must be a mainland mobile number: 11 digits starting with 1, optionally +86")
    return f"+86{found.group(1)}"


Phone = Annotated[
    str,
    Field(min_length=11, max_length=20, examples=["+8613800138000", "13800138000"]),
    AfterValidator(normalize_phone),
]
Code = Annotated[str, Field(pattern=r"^\d{6}$", description="The 6-digit code from the text.")]


class PhoneIn(StrictInput):
    phone: Phone


class PhoneCodeIn(StrictInput):
    phone: Phone
    code: Code
