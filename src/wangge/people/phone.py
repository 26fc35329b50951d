"""Chinese phone numbers as community ledgers actually contain them.

A phone column in a 台账 holds mobiles with or without +86, fixed lines written
``(010)62345678`` or ``0371-6612345转8``, full-width digits, Excel damage
(``13812345678.0``, ``1.38123E+10``) and often two numbers in one cell.  Phones are
matched through a blind index, so every spelling of one number has to become the
same canonical string, and anything rejected must say why in Chinese so the grid
worker can correct the sheet.

Canonical forms:

* mobile: 11 digits, ``13812345678`` (second digit 3-9);
* fixed line with area code: ``010-62345678`` / ``0371-6612345``, plus ``-123`` for
  an extension;
* fixed line without area code: just the 7-8 local digits (the area is unknown, so
  nothing is invented).

After this module's own cleaning (full width, ``(+86)``, ``tel:``, 转/分机, Excel damage) the
number is checked against Google's libphonenumber metadata (the ``phonenumbers`` package): it
knows which mobile prefixes are allocated (140-144, 154, 179… are not) and how long local numbers
are in each area (0371 has 8 digits, 0991 has 7). A local number written without its area code
cannot be checked there, so for those only the length and first digit are ours.

No Django import, so importers and tests can use it anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

import phonenumbers

from wangge.core.reasons import Reason

__all__ = [
    "MOBILE_ALLOCATED_PATTERN",
    "PhoneCheck",
    "PhoneKind",
    "check_phone",
    "mask_phone",
]

PhoneKind = Literal["mobile", "landline"]

# Area codes with three digits (all other mainland codes have four).  Every city
# behind them moved to 8-digit local numbers in the 1990s.
THREE_DIGIT_AREAS: frozenset[str] = frozenset(
    {"010", "020", "021", "022", "023", "024", "025", "026", "027", "028", "029"}
)

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
# Separators between several numbers in one cell.  Whitespace is not one of them
# because "138 1234 5678" is a single number; see _parse_segment for that case.
_SPLIT = re.compile(r"[/、,;|\n\r]+|或|及")
_EXCEL_TRAILING_ZERO = re.compile(r"^(\d+)\.0+$")
_SCIENTIFIC = re.compile(r"^(\d+)(?:\.(\d+))?E\+?(\d+)$")
_EXTENSION_WORDS = re.compile(r"转|分机|ext\.?|x|#", re.IGNORECASE)
_LABEL_WORDS = re.compile(r"tel|phone|mobile|mob|cell|fax", re.IGNORECASE)
_CJK_OR_COLON = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff:]+")
_INTERNATIONAL = re.compile(r"^(?:\+|00)\s*86")
# "(+86) 138…", "[+86]…", "tel:+86-…": the country code in brackets or behind a URI scheme.
_BRACKETED_COUNTRY = re.compile(r"^\s*(?:tel:)?\s*[(\[]\s*(\+|00)?\s*86\s*[)\]]\s*", re.IGNORECASE)
# The allocated mobile ranges, from libphonenumber's metadata for China; also used by the
# column-wise checks in wangge.fusion.vector_checks, so both paths agree.
_CN = phonenumbers.PhoneMetadata.metadata_for_region("CN")
assert _CN is not None and _CN.mobile is not None
MOBILE_ALLOCATED_PATTERN: str = str(_CN.mobile.national_number_pattern)
MOBILE_ALLOCATED = re.compile(MOBILE_ALLOCATED_PATTERN)
assert _CN.fixed_line is not None
# Fixed lines by area code and local length, matched on the national number without the trunk 0
# (what `phonenumbers.is_valid_number` does, at a tenth of the cost of parsing).
_FIXED_LINE = re.compile(str(_CN.fixed_line.national_number_pattern))
_TEL_SCHEME = re.compile(r"^\s*tel:\s*", re.IGNORECASE)
_ALLOWED_PUNCTUATION = frozenset(" -()[].")
_DIGIT_GROUPS = re.compile(r"\d+")

_SCIENTIFIC_REASON = Reason("数字被Excel转成科学计数法，后几位已丢失")
_EMPTY_REASON = Reason("电话号码为空")


@dataclass(frozen=True)
class PhoneCheck:
    """Outcome of reading one phone cell.

    ``normalized`` is the preferred number (the first valid mobile, else the first
    valid number); other valid numbers from the same cell are kept in ``others`` so
    nothing a resident gave is silently lost.
    """

    raw: str | int | float | None
    normalized: str | None
    kind: PhoneKind | None
    valid: bool
    reason: str | None
    others: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Parsed:
    normalized: str | None
    kind: PhoneKind | None
    reason: str | None


def check_phone(raw: str | int | float | None) -> PhoneCheck:
    """Parse a phone cell, preferring a mobile when the cell holds several numbers.

    A mobile is preferred because it reaches the person rather than a household or
    workplace, which is what grid workers need when they follow up.
    """
    text = _to_text(raw)
    segments = [seg for seg in _SPLIT.split(text) if seg.strip()]
    parsed: list[_Parsed] = []
    for segment in segments:
        parsed.extend(_parse_segment(segment))
    valid = [p for p in parsed if p.normalized is not None]
    if not valid:
        reason = next((p.reason for p in parsed if p.reason), _EMPTY_REASON)
        return PhoneCheck(raw=raw, normalized=None, kind=None, valid=False, reason=reason)
    primary = next((p for p in valid if p.kind == "mobile"), valid[0])
    others: list[str] = []
    for p in valid:
        if p.normalized and p.normalized != primary.normalized and p.normalized not in others:
            others.append(p.normalized)
    return PhoneCheck(
        raw=raw,
        normalized=primary.normalized,
        kind=primary.kind,
        valid=True,
        reason=None,
        others=tuple(others),
    )


def mask_phone(s: str) -> str:
    """Hide the subscriber digits so a shown number cannot be guessed back.

    Mobiles keep the carrier prefix and the last two digits (``138******78``): a million
    numbers fit that mask, where the old prefix-and-last-four mask left ten thousand, few
    enough to try through exact-phone search. Fixed lines keep the area code (useful to spot
    an out-of-town number) and the last two digits; anything else keeps only its last two
    characters. The full value is never returned.
    """
    check = check_phone(s)
    if check.valid and check.normalized:
        return "/".join(_mask_normalized(n) for n in (check.normalized, *check.others))
    text = "".join(unicodedata.normalize("NFKC", s).split())
    if len(text) <= 2:
        return "*" * len(text)
    return "*" * (len(text) - 2) + text[-2:]


def _mask_normalized(number: str) -> str:
    if number.startswith("1"):
        return number[:3] + "******" + number[-2:]
    if number.startswith("0"):
        area, local = number.split("-")[:2]
        return f"{area}-{'*' * (len(local) - 2)}{local[-2:]}"
    local = number.split("-")[0]
    return "*" * (len(local) - 2) + local[-2:]


def _to_text(raw: str | int | float | None) -> str:
    if raw is None or isinstance(raw, bool):
        return ""
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return ""
        return f"{raw:.0f}" if raw.is_integer() else repr(raw)
    if isinstance(raw, int):
        return str(raw)
    return unicodedata.normalize("NFKC", raw.translate(_ZERO_WIDTH))


def _parse_segment(segment: str) -> list[_Parsed]:
    """Parse one separator-delimited piece, splitting on spaces only as a fallback.

    "13812345678 010-62345678" is two numbers, but "010 6234 5678" is one; trying
    the whole piece first and accepting a whitespace split only when every part is
    valid on its own keeps both readings right.
    """
    whole = _parse_one(segment)
    if whole.normalized is not None:
        return [whole]
    tokens = segment.split()
    if len(tokens) >= 2:
        parts = [_parse_one(token) for token in tokens]
        if all(p.normalized is not None for p in parts):
            return parts
    return [whole]


def _parse_one(segment: str) -> _Parsed:
    return _allocated(_read_one(segment))


def _allocated(parsed: _Parsed) -> _Parsed:
    """Refuse what reads well but no operator has issued, with the reason in Chinese."""
    number = parsed.normalized
    if number is None or not number.startswith(("0", "1")):
        return parsed
    if parsed.kind == "mobile":
        if MOBILE_ALLOCATED.fullmatch(number):
            return parsed
        return _Parsed(
            None, None, Reason("手机号段%(prefix)s未分配，不是在用的手机号码", prefix=number[:3])
        )
    area, local = number.split("-")[:2]
    if _issued(area + local):
        return parsed
    lengths = [n for n in (7, 8) if n != len(local) and _issued(area + (local + "0" * 8)[:n])]
    if lengths:
        return _Parsed(
            None,
            None,
            Reason(
                "区号%(area)s的本地号码应为%(wanted)s位，实际为%(n)s位",
                area=area,
                wanted=lengths[0],
                n=len(local),
            ),
        )
    if not any(_issued(area + first + "2345678"[: n - 1]) for first in "2345678" for n in (7, 8)):
        return _Parsed(None, None, Reason("区号%(area)s不存在", area=area))
    return _Parsed(
        None, None, Reason("区号%(area)s下没有以%(start)s开头的号码段", area=area, start=local[:3])
    )


def _issued(national: str) -> bool:
    """A fixed line by libphonenumber's metadata for China (national form with the trunk 0)."""
    return _FIXED_LINE.fullmatch(national[1:]) is not None


def _read_one(segment: str) -> _Parsed:
    text = segment.strip()
    match = _EXCEL_TRAILING_ZERO.match(text)
    if match:
        text = match.group(1)
    if _SCIENTIFIC.match(text.upper()):
        recovered = _recover_scientific(text.upper())
        if recovered is None:
            return _Parsed(None, None, _SCIENTIFIC_REASON)
        text = recovered

    text = _BRACKETED_COUNTRY.sub("+86 ", text)
    text = _TEL_SCHEME.sub("", text)
    international = False
    stripped = text.lstrip()
    intl_match = _INTERNATIONAL.match(stripped)
    if intl_match:
        international = True
        text = stripped[intl_match.end() :]
    elif stripped.startswith("+") or re.match(r"^00\d", stripped):
        return _Parsed(None, None, Reason("不支持境外号码（国家代码不是86）"))

    # Extension markers become '#'; labels and annotations such as 手机：or （本人）
    # carry no digits and are dropped.
    text = re.sub(r"转|分机", "#", text)
    text = _LABEL_WORDS.sub("", text)
    text = _EXTENSION_WORDS.sub("#", text)
    text = _CJK_OR_COLON.sub("", text)
    main, marker, extension_text = text.partition("#")
    extension: str | None = None
    if marker:
        extension = "".join(_DIGIT_GROUPS.findall(extension_text))
        if not 1 <= len(extension) <= 6 or not _only_allowed(extension_text):
            return _Parsed(None, None, Reason("分机号无效：应为1-6位数字"))
    for ch in main:
        if not (ch.isascii() and ch.isdigit()) and ch not in _ALLOWED_PUNCTUATION:
            return _Parsed(None, None, Reason("含非法字符：%(char)s", char=ch))

    groups = _DIGIT_GROUPS.findall(main)
    digits = "".join(groups)
    if not digits:
        return _Parsed(None, None, _EMPTY_REASON)

    if international:
        if digits[0] != "0" and not (
            len(digits) >= 2 and digits[0] == "1" and digits[1] in "3456789"
        ):
            # +86 drops the trunk 0 of a fixed line: +86 10 62345678 is 010-62345678.
            digits = "0" + digits
            groups[0] = "0" + groups[0]
    elif len(digits) == 13 and digits.startswith("86") and _is_mobile(digits[2:]):
        return _Parsed(digits[2:], "mobile", None) if extension is None else _mobile_extension()
    if len(digits) == 12 and digits.startswith("01") and _is_mobile(digits[1:]):
        # A 0 dialled before a mobile from another city (long-distance habit).
        digits = digits[1:]

    if digits[0] == "1":
        return _parse_mobile(digits, extension)
    if digits[0] == "0":
        return _parse_landline(digits, groups, extension)
    # 400/800 numbers are one 10-digit run (or 3-3-4); "40000000-00" is a local line + extension.
    if len(digits) == 10 and digits[:3] in ("400", "800") and len(groups[0]) not in (7, 8):
        return _Parsed(None, None, Reason("400/800开头的是企业客服号码，不是个人电话"))
    options = _split_local(digits, groups, extension)
    if not options:
        return _Parsed(None, None, Reason("号码位数不对：实际为%(n)s位", n=len(digits)))
    local, ext = options[0]
    if local[0] in "01":
        return _Parsed(None, None, Reason("本地号码不能以0或1开头"))
    return _Parsed(local + (f"-{ext}" if ext else ""), "landline", None)


def _parse_mobile(digits: str, extension: str | None) -> _Parsed:
    mobile_prefix = len(digits) >= 2 and digits[1] in "3456789"
    if len(digits) != 11:
        if not mobile_prefix:
            # 110, 12345 and the like: service numbers, not a mangled mobile.
            return _Parsed(None, None, Reason("号码位数不对：实际为%(n)s位", n=len(digits)))
        return _Parsed(None, None, Reason("手机号应为11位，实际为%(n)s位", n=len(digits)))
    if not mobile_prefix:
        return _Parsed(
            None, None, Reason("手机号号段无效：第二位应为3-9，实际为%(digit)s", digit=digits[1])
        )
    if extension is not None:
        return _mobile_extension()
    return _Parsed(digits, "mobile", None)


def _mobile_extension() -> _Parsed:
    return _Parsed(None, None, Reason("手机号不能带分机号"))


def _parse_landline(digits: str, groups: list[str], extension: str | None) -> _Parsed:
    if digits.startswith("00"):
        return _Parsed(None, None, Reason("不支持境外号码（国家代码不是86）"))
    if digits.startswith("01") and not digits.startswith("010"):
        return _Parsed(None, None, Reason("区号无效：%(area)s", area=digits[:3]))
    area_length = 3 if digits[:3] in THREE_DIGIT_AREAS else 4
    area = digits[:area_length]
    rest = digits[area_length:]
    rest_groups = _drop_prefix(groups, area_length)
    options = _split_local(rest, rest_groups, extension)
    if not options:
        return _Parsed(None, None, Reason("本地号码应为7-8位，实际为%(n)s位", n=len(rest)))
    if area_length == 3:
        # Every city with a 3-digit area code has 8-digit local numbers.
        eight = [option for option in options if len(option[0]) == 8]
        if not eight:
            return _Parsed(
                None,
                None,
                Reason(
                    "区号%(area)s的本地号码应为8位，实际为%(n)s位", area=area, n=len(options[0][0])
                ),
            )
        options = eight
    local, ext = options[0]
    if local[0] in "01":
        return _Parsed(None, None, Reason("本地号码不能以0或1开头"))
    return _Parsed(f"{area}-{local}" + (f"-{ext}" if ext else ""), "landline", None)


def _split_local(
    rest: str, groups: list[str], extension: str | None
) -> list[tuple[str, str | None]]:
    """Possible (local number, extension) readings, most likely first.

    Without a marker like 转 an extension is only recognised when the writer set
    it apart as its own digit group ("010-62345678-123"); a run of digits is never
    cut at a guessed position.  "6234-5678" is one local number written in two
    halves, but "6612345-6" is a complete local number followed by an extension -
    which is also the canonical form this module produces, so it must read back
    the same way.
    """
    whole: tuple[str, str | None] | None = (rest, extension) if len(rest) in (7, 8) else None
    split: tuple[str, str | None] | None = None
    if extension is None and len(groups) >= 2:
        last = groups[-1]
        head = len(rest) - len(last)
        if 1 <= len(last) <= 6 and head in (7, 8):
            split = (rest[:head], last)
    unbroken_local = split is not None and len(groups[-2]) >= 7
    ordered = [split, whole] if unbroken_local else [whole, split]
    return [option for option in ordered if option is not None]


def _drop_prefix(groups: list[str], n: int) -> list[str]:
    """Digit groups left after removing the first ``n`` digits (the area code)."""
    remaining: list[str] = []
    for group in groups:
        if n >= len(group):
            n -= len(group)
            continue
        remaining.append(group[n:])
        n = 0
    return remaining


def _recover_scientific(text: str) -> str | None:
    """Undo Excel's scientific notation only when every digit is still present."""
    match = _SCIENTIFIC.match(text)
    # No phone number has more than ~20 digits; a larger exponent is not a phone
    # and would make the integer conversion below needlessly expensive.
    if match is None:
        return None
    exponent = match.group(3).lstrip("0")
    if len(exponent) > 2 or int(exponent or "0") > 20:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if value != value.to_integral_value():
        return None
    whole = str(int(value))
    significant = (match.group(1) + (match.group(2) or "")).lstrip("0")
    if len(significant) < len(whole):
        return None
    return whole


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789" and digits.isdigit()


def _only_allowed(text: str) -> bool:
    return all((ch.isascii() and ch.isdigit()) or ch in _ALLOWED_PUNCTUATION for ch in text)
