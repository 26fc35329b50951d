"""Chinese phone numbers: mobiles and fixed lines as ledgers write them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９＋－（）"}
_SPLIT = re.compile(r"[/／、,，;；|]|\s{2,}|或")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE][+]?\d+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 010, 02X, or 0 + 3 digits starting 3-9; local numbers have 7 or 8 digits.
_LANDLINE = re.compile(r"^(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})(\d{1,6})?$")
_LOCAL = re.compile(r"^[2-9]\d{6,7}$")

PhoneKind = Literal["mobile", "landline"]


@dataclass(frozen=True)
class PhoneCheck:
    raw: str
    normalized: str | None
    kind: PhoneKind | None
    valid: bool
    reason: str | None
    others: tuple[str, ...] = ()


def _clean(part: str) -> tuple[str, str | None]:
    """Return (digits with a hyphen kept after a bracketed/hyphenated area code, extension)."""
    text = part.translate(_FULLWIDTH).strip()
    if text.endswith(".0"):
        text = text[:-2]
    extension = None
    m = re.search(r"(?:转|ext\.?|x)\s*(\d{1,6})$", text, re.IGNORECASE)
    if m:
        extension = m.group(1)
        text = text[: m.start()]
    text = re.sub(r"^(\+|00)?86[\s\-]*", "", text) if re.match(r"^(\+|00)86", text) else text
    digits = re.sub(r"\D", "", text)
    if len(digits) == 13 and digits.startswith("86") and _MOBILE.match(digits[2:]):
        digits = digits[2:]
    return digits, extension


def _check_one(part: str) -> tuple[str | None, PhoneKind | None, str | None]:
    stripped = part.translate(_FULLWIDTH).strip()
    if _SCIENTIFIC.match(stripped):
        return None, None, "数字被Excel转成科学计数法，后几位已丢失"
    digits, extension = _clean(part)
    if not digits:
        return None, None, "电话号码为空或不含数字"
    if _MOBILE.match(digits):
        return digits, "mobile", None
    if digits.startswith("1") and len(digits) == 11:
        return None, None, f"手机号码号段无效：{digits[:3]}"
    if digits.startswith("1"):
        return None, None, f"手机号码应为11位，实际为{len(digits)}位"
    m = _LANDLINE.match(digits)
    if m:
        area, local, ext = m.group(1), m.group(2), m.group(3) or extension
        if len(local) == 7 and ext and len(area) == 3:
            # 010 numbers are 8 digits: a 7-digit split means the first ext digit belongs to local.
            local, ext = local + ext[0], ext[1:] or None
        normalized = f"{area}-{local}" + (f"-{ext}" if ext else "")
        return normalized, "landline", None
    if _LOCAL.match(digits):
        return digits + (f"-{extension}" if extension else ""), "landline", None
    return None, None, f"无法识别的电话号码：{part.strip()[:30]}"


def check_phone(raw: str | int | float | None) -> PhoneCheck:
    if raw is None or (isinstance(raw, float) and raw != raw):
        return PhoneCheck("", None, None, False, "电话号码为空")
    raw_text = f"{raw:.0f}" if isinstance(raw, float) else str(raw)
    parts = [p for p in _SPLIT.split(raw_text) if p and p.strip()]
    if not parts:
        return PhoneCheck(raw_text, None, None, False, "电话号码为空")
    results = [_check_one(p) for p in parts]
    valid = [(n, k) for n, k, _ in results if n]
    if not valid:
        return PhoneCheck(raw_text, None, None, False, results[0][2])
    mobiles = [v for v in valid if v[1] == "mobile"]
    first = mobiles[0] if mobiles else valid[0]
    others = tuple(n for n, _ in valid if n != first[0])
    return PhoneCheck(raw_text, first[0], first[1], True, None, others)


def mask_phone(value: str) -> str:
    """`138****5678` for mobiles, `010-****5678` for fixed lines; never the full number."""
    text = value.strip()
    if _MOBILE.match(text):
        return text[:3] + "****" + text[-4:]
    if "-" in text:
        area, _, rest = text.partition("-")
        local = rest.split("-")[0]
        return f"{area}-****{local[-4:]}" if len(local) > 4 else f"{area}-****"
    if len(text) <= 2:
        return "*" * len(text)
    return "*" * (len(text) - 2) + text[-2:]
