"""Chinese numerals and full-width characters in hand-typed addresses.

Office ledgers are typed by many hands: "三号楼二单元三〇一", "拾号院", "３号楼",
"一百零一号".  Before an address can be compared with the registry every number in
it has to become the same Arabic string, so this module gives three small tools:

* :func:`to_halfwidth` folds full-width digits, letters and punctuation (typed with
  a Chinese IME in full-width mode) to ASCII;
* :func:`chinese_to_int` / :func:`int_to_chinese` read and write Chinese numerals,
  both the counted style ("一百零一") and the digit-by-digit style ("一〇一",
  "幺零一") that clerks use for room numbers;
* :func:`arabize` rewrites numeral runs inside free text to Arabic digits, but only
  where the run is followed by an address unit marker (号/楼/单元/室…).

The last one is a heuristic, and the ambiguity is real: numerals are also part of
place names (三里屯, 十里河, 一村, 三门峡, 五道口, 四合院).  Converting a run only when
a marker follows leaves most names alone, because in a name the numeral is followed
by an ordinary character.  The markers 里 and 门 are "weak": 三里屯 and 三门峡 put
them right after a numeral, so a run before a weak marker is converted only when the
marker is itself followed by another number or ends the text ("二门三〇一",
"2门301").  What still goes wrong: a name that ends in a numeral and is directly
followed by a strong marker ("西四十号" is read as 西 + 40号), and names such as "九号
公馆" written with their own marker.  These are rare in ledgers and the matcher
treats an unknown road with suspicion anyway.

Everything here is pure and allocation-light: the parser runs it on every row of a
million-row import.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

__all__ = [
    "NUMERAL_CHARS",
    "arabize",
    "chinese_to_int",
    "int_to_chinese",
    "int_to_chinese_digits",
    "to_halfwidth",
]

# -- full-width → half-width --------------------------------------------------

_HALFWIDTH: Final[dict[int, int]] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20  # ideographic space
_HALFWIDTH[0xFFE5] = ord("¥")  # keep the yen/yuan sign meaningful rather than dropped


def to_halfwidth(text: str) -> str:
    """Fold full-width ASCII (U+FF01–U+FF5E) and the ideographic space to ASCII.

    Only the block that mirrors ASCII is touched; CJK punctuation such as "，" or
    "、" stays, since callers decide for themselves whether it is a separator.
    """
    if text.isascii():
        return text
    return text.translate(_HALFWIDTH)


# -- reading numerals -----------------------------------------------------------

_DIGITS: Final[dict[str, int]] = {
    "零": 0,
    "〇": 0,
    "○": 0,  # U+25CB, what many IMEs insert for 〇
    "一": 1,
    "壹": 1,
    "幺": 1,  # spoken "yao" in digit-by-digit numbers (幺零一)
    "二": 2,
    "贰": 2,
    "貳": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "叁": 3,
    "參": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "陸": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
_SMALL_UNITS: Final[dict[str, int]] = {
    "十": 10,
    "拾": 10,
    "百": 100,
    "佰": 100,
    "千": 1000,
    "仟": 1000,
}
_BIG_UNITS: Final[dict[str, int]] = {
    "万": 10_000,
    "萬": 10_000,
    "亿": 100_000_000,
    "億": 100_000_000,
}

NUMERAL_CHARS: Final[frozenset[str]] = (
    frozenset(_DIGITS) | frozenset(_SMALL_UNITS) | frozenset(_BIG_UNITS)
)
"""Every character :func:`chinese_to_int` understands (Arabic digits aside)."""

_INF: Final = 10**20


def chinese_to_int(text: str) -> int | None:
    """Read a Chinese (or plain Arabic) numeral; ``None`` when it is not one.

    Accepted forms, all of which appear in ledgers:

    * counted: "十一", "二十", "一百零一", "两千", "一万零五", "壹佰零壹", "一十一";
    * colloquial abbreviations: "一百一" = 110, "三千五" = 3500, "两万三" = 23000;
    * digit by digit, when no 十/百/千/万 occurs: "三〇一" = 301, "幺零一" = 101,
      "一一" = 11;
    * Arabic digits (after :func:`to_halfwidth`): "301", "０３０１".

    Mixed forms such as "1十" or "3〇1" are rejected rather than guessed, and so are
    malformed counts ("十十", "一百二百", "零一百"): the caller then keeps the original
    text, which is safer than inventing a number.
    """
    if not text:
        return None
    if text.isascii():
        return int(text) if text.isdigit() else None
    return _chinese_to_int(text)


@lru_cache(maxsize=4096)
def _chinese_to_int(text: str) -> int | None:
    # Cached: ledgers repeat the same few hundred numerals millions of times.
    halfwidth = to_halfwidth(text)
    if halfwidth.isascii():
        return int(halfwidth) if halfwidth.isdigit() else None
    if any(ch not in NUMERAL_CHARS for ch in text):
        return None
    if not any(ch in _SMALL_UNITS or ch in _BIG_UNITS for ch in text):
        # Digit-by-digit style: "三〇一".
        value = 0
        for ch in text:
            value = value * 10 + _DIGITS[ch]
        return value
    return _read_counted(text)


def _read_counted(text: str) -> int | None:
    """Read the counted style ("一百零一"); ``None`` for anything malformed."""
    total = 0  # sections closed by 万/亿
    section = 0  # value below the current big unit
    digit: int | None = None  # a digit waiting for its unit
    last_small = _INF  # units inside a section must strictly decrease
    last_big = _INF
    zero_seen = False  # a 零 marks a gap ("一百零一"), so no colloquial scaling
    for ch in text:
        d = _DIGITS.get(ch)
        if d is not None:
            if d == 0:
                if digit is not None or (section == 0 and total == 0):
                    return None  # "三零百" or a leading 零
                zero_seen = True
                continue
            if digit is not None:
                return None  # two digits in a row: "一二十"
            digit = d
            continue
        unit = _SMALL_UNITS.get(ch)
        if unit is not None:
            if unit >= last_small:
                return None
            if zero_seen and unit * 10 >= last_small:
                return None  # "一千零一百": the 零 stands for nothing
            if digit is None:
                if unit != 10:
                    return None  # a bare 百/千 is not a number in an address
                digit = 1  # "十一", "一百十"
            section += digit * unit
            digit = None
            last_small = unit
            zero_seen = False
            continue
        big = _BIG_UNITS[ch]
        if digit is not None:
            section += digit
            digit = None
        if section == 0 or big >= last_big:
            return None
        total += section * big
        section = 0
        last_small = _INF
        last_big = big
        zero_seen = False
    if digit is not None:
        if not zero_seen and last_small != _INF and last_small >= 100:
            section += digit * (last_small // 10)  # "一百一" = 110
        elif not zero_seen and last_small == _INF and last_big != _INF and section == 0:
            section += digit * (last_big // 10)  # "两万三" = 23000
        else:
            section += digit
    elif zero_seen:
        return None  # trailing 零: "一百零"
    return total + section


# -- writing numerals -----------------------------------------------------------

_DIGIT_CHARS: Final = "零一二三四五六七八九"
_FINANCIAL_CHARS: Final = "零壹贰叁肆伍陆柒捌玖"


def _section_to_chinese(n: int, digits: str, units: str) -> str:
    """Write 1..9999 in counted style; units is e.g. "十百千"."""
    out: list[str] = []
    zero_pending = False
    for power in (1000, 100, 10, 1):
        d = n // power % 10
        if d == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append(digits[0])
            zero_pending = False
        out.append(digits[d])
        if power > 1:
            out.append(units[{10: 0, 100: 1, 1000: 2}[power]])
    return "".join(out)


def int_to_chinese(n: int, *, financial: bool = False) -> str:
    """Write a non-negative integer in counted style: 101 → "一百零一", 10 → "十".

    The inverse of :func:`chinese_to_int` (the property tests round-trip it), used to
    generate test ledgers and to show numbers the way residents write them.
    ``financial`` selects 壹贰叁 and 拾佰仟, as on receipts.
    """
    if n < 0:
        raise ValueError("负数没有中文门牌写法")
    if n >= 10**12:
        raise ValueError("数字过大（最多写到千亿）")
    digits = _FINANCIAL_CHARS if financial else _DIGIT_CHARS
    units = "拾佰仟" if financial else "十百千"
    bigs = ("", "万", "亿")
    if n == 0:
        return digits[0]
    sections: list[int] = []
    while n:
        sections.append(n % 10_000)
        n //= 10_000
    out: list[str] = []
    zero_pending = False
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            zero_pending = bool(out)
            continue
        if out and (zero_pending or section < 1000):
            out.append(digits[0])
        zero_pending = False
        out.append(_section_to_chinese(section, digits, units))
        out.append(bigs[index])
    text = "".join(out)
    # "一十二" is written "十二" when it leads the number (not "一百一十二").
    lead = digits[1] + units[0]
    if text.startswith(lead):
        text = text[1:]
    return text


def int_to_chinese_digits(n: int) -> str:
    """Write a non-negative integer digit by digit: 301 → "三〇一" (room-number style)."""
    if n < 0:
        raise ValueError("负数没有中文门牌写法")
    return "".join("〇一二三四五六七八九"[int(ch)] for ch in str(n))


# -- rewriting numeral runs inside text -----------------------------------------

_STRONG_MARKERS: Final = (
    "单元",
    "單元",
    "号",
    "號",
    "楼",
    "樓",
    "栋",
    "棟",
    "幢",
    "座",
    "层",
    "層",
    "室",
    "户",
    "戶",
    "院",
    "弄",
    "巷",
)
_WEAK_MARKERS: Final = ("里", "裡", "门", "門")

_RUN_CHARS: Final = "".join(sorted(NUMERAL_CHARS))
_RUN_BEFORE_MARKER: Final = re.compile(
    f"[{_RUN_CHARS}]+(?=(?:{'|'.join(_STRONG_MARKERS)}))"
    f"|[{_RUN_CHARS}]+(?=(?:{'|'.join(_WEAK_MARKERS)})(?:[-0-9{_RUN_CHARS}]|$))"
)
_HAS_NUMERAL: Final = re.compile(f"[{_RUN_CHARS}]")


def _replace_run(match: re.Match[str]) -> str:
    value = chinese_to_int(match.group())
    return match.group() if value is None else str(value)


def arabize(text: str) -> str:
    """Rewrite numeral runs that stand before an address marker as Arabic numbers.

    "幸福路十号院三号楼二单元三〇一室" → "幸福路10号院3号楼2单元301室", while
    "三里屯" and "幸福一村" stay as they are.  Markers: 号 楼 栋 幢 座 单元 层 室 户 院
    弄 巷 (strong: always a number before them) and 里 门 (weak: only when another
    number or the end of the text follows, because of 三里屯 and 三门峡).  A run that
    is not a well-formed numeral (for example "十十") is left untouched.  A run at the
    very end of the text with no marker ("二单元三〇一") is left for the caller, which
    knows whether it sits in a room position.
    """
    if not _HAS_NUMERAL.search(text):
        return text
    return _RUN_BEFORE_MARKER.sub(_replace_run, text)
