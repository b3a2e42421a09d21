"""统一社会信用代码 (USCC) per GB 32100-2015, including the embedded GB 11714 organization code."""

from __future__ import annotations

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 symbols: no I, O, S, V, Z
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
REGISTRATION_AUTHORITIES = set("123456789ANY")


class InvalidUSCC(ValueError):
    """Why a code is not a valid USCC, in words an applicant can act on (`zh`: the same in Chinese)."""

    def __init__(self, message: str, *, zh: str | None = None) -> None:
        super().__init__(message)
        self.zh = zh


def _org_code_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def org_code_check(body: str) -> str:
    """GB 11714 check character for an 8-character organization code body."""
    remainder = 11 - sum(_org_code_value(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def uscc_check(first17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def normalize_uscc(raw: str) -> str:
    return raw.strip().upper()


def validate_uscc(raw: str) -> str:
    """Return the normalised code, or raise InvalidUSCC saying what is wrong."""
    code = normalize_uscc(raw)
    if len(code) != 18:
        raise InvalidUSCC(f"must be 18 characters, got {len(code)}", zh=f"应为 18 位，实际为 {len(code)} 位")
    bad = sorted({c for c in code if c not in USCC_CHARSET})
    if bad:
        raise InvalidUSCC(
            f"contains characters not allowed in a USCC: {''.join(bad)} (I, O, S, V, Z are never used)",
            zh=f"含有统一社会信用代码不允许的字符：{''.join(bad)}（I、O、S、V、Z 从不使用）",
        )
    if code[0] not in REGISTRATION_AUTHORITIES:
        raise InvalidUSCC(
            f"unknown registration authority code {code[0]!r} in position 1",
            zh=f"第 1 位的登记管理部门代码 {code[0]!r} 不存在",
        )
    if not code[2:8].isdigit():
        raise InvalidUSCC(
            "positions 3-8 must be the 6-digit administrative division code",
            zh="第 3–8 位必须是 6 位行政区划代码",
        )
    org_body, org_check = code[8:16], code[16]
    if org_code_check(org_body) != org_check:
        raise InvalidUSCC(
            "the embedded organization code (positions 9-17) fails its GB 11714 check",
            zh="第 9–17 位的组织机构代码未通过 GB 11714 校验",
        )
    if uscc_check(code[:17]) != code[17]:
        raise InvalidUSCC(
            "the check character (position 18) does not match; check the code for typos",
            zh="第 18 位校验码不符，请检查代码是否输错",
        )
    return code


def complete_uscc(prefix8: str, org_body: str) -> str:
    """Build a valid USCC from authority+type+division (8 chars) and an 8-char org code body."""
    first17 = prefix8 + org_body + org_code_check(org_body)
    return first17 + uscc_check(first17)
