"""Chinese first: which language a response speaks, and validation messages in Chinese.

The app's default is Chinese (`zh`), as its users are; `Accept-Language` asks for English with `en`.
Only what the API itself says is translated (problem titles and details, validation messages);
catalog names and users' own text stay as they are.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic_core import PydanticCustomError

Language = Literal["zh", "en"]
DEFAULT_LANGUAGE: Language = "zh"
SUPPORTED: tuple[Language, ...] = ("zh", "en")


def negotiate(accept_language: str | None) -> Language:
    """The supported language the client prefers most (RFC 9110 §12.5.4); Chinese when nothing fits.

    A malformed header is read as far as it makes sense and never refused: a wrong language header is
    no reason to fail a request.
    """
    if not accept_language:
        return DEFAULT_LANGUAGE
    weights: dict[Language, tuple[float, int]] = {}  # language -> (q, position first named)
    wildcard: tuple[float, int] | None = None
    for position, part in enumerate(accept_language[:500].split(",")[:30]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:  # also NaN
                    q = 0.0
        primary = tag.split("-", 1)[0]
        if tag == "*":
            wildcard = wildcard or (q, position)
        elif primary in SUPPORTED:
            language: Language = "zh" if primary == "zh" else "en"
            seen = weights.get(language)
            weights[language] = (max(q, seen[0]), seen[1]) if seen else (q, position)
    # `*` stands for the languages the client did not name (a named q=0 stays refused).
    for language in SUPPORTED:
        if language not in weights and wildcard is not None:
            weights[language] = wildcard
    acceptable = [
        (-q, position, SUPPORTED.index(language), language)
        for language, (q, position) in weights.items()
        if q > 0
    ]
    if acceptable:
        return min(acceptable)[3]  # the highest weight; between equals the one named first, then Chinese
    refused = {language for language, (q, _) in weights.items() if q <= 0}
    return next((language for language in SUPPORTED if language not in refused), DEFAULT_LANGUAGE)


def invalid(en: str, zh: str) -> PydanticCustomError:
    """A validator's error in both languages (raise it where a validator would raise ValueError)."""
    return PydanticCustomError("value_error", "{en}", {"en": en, "zh": zh})


# Pydantic's error types that requests here can meet, in Chinese (the English comes from pydantic).
_ZH: dict[str, str] = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不接受此字段",
    "string_type": "应为字符串",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符合要求（{pattern}）",
    "string_nul": "文本不能包含 NUL（U+0000）字符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能带小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_digits": "最多 {max_digits} 位数字",
    "decimal_max_places": "最多 {decimal_places} 位小数",
    "decimal_whole_digits": "整数部分最多 {whole_digits} 位",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应小于或等于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "literal_error": "应为以下取值之一：{expected}",
    "enum": "应为以下取值之一：{expected}",
    "list_type": "应为数组",
    "set_type": "应为数组",
    "tuple_type": "应为数组",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "uuid_version": "应为 UUID",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期（YYYY-MM-DD），不含时间",
    "datetime_type": "应为 RFC 3339 时间",
    "datetime_parsing": "应为 RFC 3339 时间",
    "datetime_from_date_parsing": "应为 RFC 3339 时间",
    "timezone_aware": "时间应带时区",
    "json_invalid": "请求体不是有效的 JSON",
    "json_type": "应为 JSON",
    "url_type": "应为网址",
    "url_parsing": "应为有效的网址",
    "url_scheme": "网址协议应为 {expected_schemes}",
    "url_too_long": "网址最多 {max_length} 个字符",
    "union_tag_invalid": "类型标记应为 {expected_tags}",
    "union_tag_not_found": "缺少类型标记 {discriminator}",
    "frozen_field": "此字段不可修改",
    "bytes_type": "应为字节串",
    "conflict": "与已有数据冲突",
}


def validation_message(error: dict[str, Any], language: Language) -> str:
    """One validation error's `msg` in the response language."""
    msg = str(error.get("msg", ""))
    if language == "en":
        return msg
    ctx = error.get("ctx") or {}
    if "zh" in ctx:
        return str(ctx["zh"])
    template = _ZH.get(str(error.get("type", "")))
    if template is None:
        return f"取值无效（{msg}）" if msg else "取值无效"
    try:
        return template.format(**{k: _ctx_text(v) for k, v in ctx.items()})
    except (KeyError, IndexError, ValueError):
        return template.split("{", 1)[0].rstrip("（：(") or "取值无效"


def _ctx_text(value: Any) -> str:
    text = str(value)
    # pydantic quotes literal choices as "'a' or 'b'"; Chinese uses 、 and 或.
    return text.replace("' or '", "'或'").replace("', '", "'、'")
