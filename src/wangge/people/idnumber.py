"""Citizen ID numbers (公民身份号码) per GB 11643-1999, as pure functions.

Ledgers carry ID numbers typed by hand, pasted from other systems and mangled by Excel, so the
rules here separate three questions: can the text be cleaned into a candidate (normalise), is the
candidate a possible number (check), and if it fails only its check digit, which valid numbers are
one typo away (repair_candidates) — the caller decides whether other evidence picks exactly one.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level codes (71 台湾, 81 香港, 82 澳门 appear on numbers issued to residents
# of those regions; 83 is the Taiwan residence-permit prefix).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＸｘＡＢＣＤＥＦ"}
_SEPARATORS = re.compile(r"[\s\-‐‑–—_.·'\"`]+")
_EARLIEST_BIRTH = datetime.date(1880, 1, 1)

Gender = Literal["男", "女"]


def normalize_id_number(raw: str | int | float | None) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float):
        if raw != raw:  # NaN from an empty spreadsheet cell
            return ""
        raw = f"{raw:.0f}"
    text = str(raw).translate(_FULLWIDTH).strip()
    if text.endswith(".0"):
        text = text[:-2]
    text = text.lstrip("'")  # Excel's "store as text" apostrophe
    text = _SEPARATORS.sub("", text)
    return text.upper()


def check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def upgrade_15_to_18(id15: str) -> str:
    body = id15[:6] + "19" + id15[6:15]
    return body + check_digit(body)


def _birth(digits8: str) -> datetime.date | None:
    try:
        return datetime.date(int(digits8[:4]), int(digits8[4:6]), int(digits8[6:8]))
    except ValueError:
        return None


@dataclass(frozen=True)
class IdNumberCheck:
    raw: str
    normalized: str | None
    valid: bool
    reason: str | None
    birth_date: datetime.date | None = None
    gender: Gender | None = None
    region_code: str | None = None
    upgraded_from_15: bool = False


def _invalid(raw: str, reason: str) -> IdNumberCheck:
    return IdNumberCheck(raw=raw, normalized=None, valid=False, reason=reason)


def check_id_number(
    raw: str | int | float | None, *, today: datetime.date | None = None
) -> IdNumberCheck:
    raw_text = "" if raw is None else str(raw)
    text = normalize_id_number(raw)
    if not text:
        return _invalid(raw_text, "身份证号码为空")
    if "E+" in text or "E-" in text:
        return _invalid(raw_text, "身份证号码被Excel转成了科学计数法，后几位已丢失，请核对原始证件")
    upgraded = False
    if len(text) == 15:
        if not text.isdigit():
            return _invalid(raw_text, "15位旧身份证号码只能由数字组成")
        birth15 = _birth("19" + text[6:12])
        if birth15 is None:
            return _invalid(raw_text, f"出生日期无效：19{text[6:12]}")
        text = upgrade_15_to_18(text)
        upgraded = True
    if len(text) != 18:
        return _invalid(raw_text, f"长度应为18位（或15位旧号），实际为{len(text)}位")
    if not (text[:17].isdigit() and (text[17].isdigit() or text[17] == "X")):
        return _invalid(raw_text, "含非法字符：前17位应为数字，最后一位为数字或X")
    if text[:2] not in PROVINCE_CODES:
        return _invalid(raw_text, f"行政区划代码无效：前两位 {text[:2]} 不是省级代码")
    birth = _birth(text[6:14])
    if birth is None:
        return _invalid(raw_text, f"出生日期无效：{text[6:14]}")
    today = today or datetime.date.today()
    if birth > today or birth < _EARLIEST_BIRTH:
        return _invalid(raw_text, f"出生日期不合理：{birth.isoformat()}")
    expected = check_digit(text[:17])
    if text[17] != expected:
        return _invalid(raw_text, f"校验位错误：应为 {expected}，实际为 {text[17]}")
    return IdNumberCheck(
        raw=raw_text,
        normalized=text,
        valid=True,
        reason=None,
        birth_date=birth,
        gender="男" if int(text[16]) % 2 == 1 else "女",
        region_code=text[:6],
        upgraded_from_15=upgraded,
    )


def is_valid_id_number(raw: str | int | float | None) -> bool:
    return check_id_number(raw).valid


def repair_candidates(raw: str) -> list[str]:
    """Valid numbers one substitution or one adjacent swap away from an 18-character typo."""
    text = normalize_id_number(raw)
    if len(text) != 18 or is_valid_id_number(text):
        return []
    found: set[str] = set()
    chars = list(text)
    for i in range(18):
        original = chars[i]
        for replacement in "0123456789X" if i == 17 else "0123456789":
            if replacement == original:
                continue
            chars[i] = replacement
            candidate = "".join(chars)
            if is_valid_id_number(candidate):
                found.add(candidate)
        chars[i] = original
    for i in range(17):
        if chars[i] == chars[i + 1]:
            continue
        swapped = chars[:]
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        candidate = "".join(swapped)
        if is_valid_id_number(candidate):
            found.add(candidate)
    return sorted(found)


def mask_id_number(value: str) -> str:
    """`110101********123X`: region and last four stay, birth date and sequence are hidden."""
    text = normalize_id_number(value)
    if len(text) == 18:
        return text[:6] + "*" * 8 + text[-4:]
    if len(text) == 15:
        return text[:6] + "*" * 6 + text[-3:]
    if len(text) <= 2:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 2) + text[-1]


def make_id_number(region_code: str, birth: datetime.date, sequence: int, gender: str) -> str:
    """Build a valid number: the 3-digit sequence's last digit is odd for men, even for women."""
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError("行政区划代码应为6位数字")
    seq = sequence % 1000
    male = gender in ("男", "M", "m", "male")
    if (seq % 2 == 1) != male:
        seq = (seq + 1) % 1000 if seq < 999 else 998 if not male else 997
    body = f"{region_code}{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)
