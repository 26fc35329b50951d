"""Chinese numerals, character width and script normalisation for hand-typed addresses.

Office ledgers write the same room as "3号楼2单元301", "三号楼二单元三〇一", "３号楼２单元３０１"
or "叁號樓貳單元301".  Before any address can be matched against the standard registry, these
spellings have to collapse to one form.  This module holds the pieces that do so and that are
useful on their own:

* :func:`chinese_to_int` / :func:`int_to_chinese` -- Chinese numerals both ways (positional
  "一百零一", colloquial "一百一", digit-by-digit "三〇一", financial "壹佰零壹");
* :func:`to_halfwidth` -- full-width digits, letters and punctuation to ASCII;
* :func:`to_simplified` -- traditional to simplified characters, char by char;
* :func:`rewrite_numerals` -- turn the numeral runs that are *address numbers* ("十号",
  "三号楼", "二单元") into Arabic digits while leaving place names ("三里屯", "一村") alone.

Everything here is pure Python with no Django import, and speed matters: the ledger import
normalises a million addresses, so the translations are precomputed ``str.translate`` tables
and compiled regular expressions.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal

__all__ = [
    "ADDRESS_MARKERS",
    "NUMERAL_CHARS",
    "chinese_to_int",
    "int_to_chinese",
    "normalize_table",
    "normalize_text",
    "numerals_to_digits",
    "rewrite_numerals",
    "to_halfwidth",
    "to_simplified",
]

# --------------------------------------------------------------------------------------------
# Numeral tables
# --------------------------------------------------------------------------------------------

#: Digit characters.  Traditional forms (兩, 貳, 陸) are listed too so the functions also work
#: on text that has not been through :func:`to_simplified`.  "幺" is the spoken "one" used when
#: reading numbers digit by digit (幺零幺); it only ever appears in digit strings.
_DIGITS: Final[dict[str, int]] = {
    "零": 0,
    "〇": 0,
    "○": 0,  # U+25CB WHITE CIRCLE: a very common stand-in for 〇 typed from symbol palettes
    "洞": 0,  # radio/spoken zero; only reached in digit-by-digit strings
    "一": 1,
    "壹": 1,
    "幺": 1,
    "二": 2,
    "贰": 2,
    "貳": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "叁": 3,
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
# "洞" is deliberately *not* part of NUMERAL_CHARS below: it is an ordinary word ("山洞") far
# more often than a zero, so rewrite_numerals never starts or extends a run with it.

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
# 廿 (20) and 卅 (30) still show up in old door plates and dates.
_TENS: Final[dict[str, int]] = {"廿": 20, "卅": 30}

#: Every character that may be part of a numeral run.
NUMERAL_CHARS: Final[frozenset[str]] = frozenset(
    (set(_DIGITS) - {"洞"}) | set(_SMALL_UNITS) | set(_BIG_UNITS) | set(_TENS)
)

_STANDARD_DIGITS: Final = "零一二三四五六七八九"
_FINANCIAL_DIGITS: Final = "零壹贰叁肆伍陆柒捌玖"
_STANDARD_UNITS: Final = ("", "十", "百", "千")
_FINANCIAL_UNITS: Final = ("", "拾", "佰", "仟")


def _digit_string(text: str) -> int | None:
    """Read a digit-by-digit numeral ("三〇一" → 301, "一零一" → 101)."""
    value = 0
    for ch in text:
        digit = _DIGITS.get(ch)
        if digit is None:
            return None
        value = value * 10 + digit
    return value


def _positional(text: str) -> int | None:
    """Read a positional numeral with 十百千万亿, including colloquial shortenings.

    Colloquial Chinese drops the last unit: "一百一" is 110 and "三万五" is 35 000.  That rule is
    applied only when no 零 was written, because "一百零一" spells out that the trailing digit
    is units (101).
    """
    total = 0  # value of completed 亿 groups
    high = 0  # value of completed 万 groups below the current 亿
    section = 0  # value below 万
    digit = -1  # pending digit, -1 when none
    last_small = 100_000  # last small unit in this section (must strictly decrease)
    last_unit = 0  # the unit that the pending digit follows (for colloquial shortening)
    zero_seen = False
    for ch in text:
        d = _DIGITS.get(ch)
        if d is not None:
            if ch == "幺" or ch == "洞":  # spoken digits never occur in positional numbers
                return None
            if digit >= 0:
                return None  # two digits in a row ("三四十") is not a positional numeral
            if d == 0:
                zero_seen = True
                continue
            digit = d
            continue
        tens = _TENS.get(ch)
        if tens is not None:
            if digit >= 0 or section % 100 != 0 or last_small <= 10:
                return None
            section += tens
            last_small = 10
            last_unit = 10
            zero_seen = False
            continue
        small = _SMALL_UNITS.get(ch)
        if small is not None:
            if small >= last_small:
                return None
            if digit < 0:
                # A bare 十 means 一十 ("十一", "三百十"?).  Bare 百/千 is not a number.
                if small != 10:
                    return None
                digit = 1
            section += digit * small
            digit = -1
            last_small = small
            last_unit = small
            zero_seen = False
            continue
        big = _BIG_UNITS.get(ch)
        if big is not None:
            if digit >= 0:
                section += digit
                digit = -1
            if big == 10_000:
                if section == 0 or high:
                    return None
                high = section * 10_000
            else:
                group = high + section
                if group == 0:
                    return None
                total = (total + group) * 100_000_000
                high = 0
            section = 0
            last_small = 100_000
            last_unit = big
            zero_seen = False
            continue
        return None
    if digit >= 0:
        if not zero_seen and last_unit >= 100:
            section += digit * (last_unit // 10)
        else:
            section += digit
    return total + high + section


def chinese_to_int(text: str) -> int | None:
    """Return the value of a Chinese numeral, or ``None`` when ``text`` is not one.

    Accepts simplified, traditional and financial characters (一/壹, 两, 十/拾, 万/萬 …),
    positional numerals ("二十", "一百零一", "一万零二十"), colloquial ones ("一百一" = 110)
    and digit-by-digit strings ("三〇一" = 301, used for room numbers).  A string made only of
    digits is always read digit by digit, so "二〇" is 20 and a single "三" is 3.  Arabic
    digits are accepted too so that callers can pass a mixed token through unchanged.
    """
    if not text:
        return None
    if text.isascii():
        return int(text) if text.isdigit() else None
    if all(ch in _DIGITS for ch in text):
        return _digit_string(text)
    return _positional(text)


def _four_digits(n: int, digits: str, units: tuple[str, ...], *, leading: bool) -> str:
    """Spell 0 < n < 10000, inserting 零 for inner gaps; ``leading`` drops 一 before 十."""
    out: list[str] = []
    zero_pending = False
    for power in (3, 2, 1, 0):
        d = n // 10**power % 10
        if d == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append(digits[0])
            zero_pending = False
        if not (leading and not out and power == 1 and d == 1 and units[1] == "十"):
            out.append(digits[d])
        out.append(units[power])
    return "".join(out)


def int_to_chinese(
    n: int, *, style: Literal["standard", "financial", "digits"] = "standard"
) -> str:
    """Spell a non-negative integer in Chinese.

    ``standard`` gives "一百零一", "十二", "二万零三十"; ``financial`` the anti-fraud forms
    "壹佰零壹" (always with 壹 before 拾); ``digits`` reads digit by digit with 〇 ("三〇一") as
    room numbers are often written.  The output is what people actually type, so it is used to
    generate test data and round-trips through :func:`chinese_to_int`.
    """
    if n < 0:
        raise ValueError("只支持非负整数")
    if style == "digits":
        return "".join("〇一二三四五六七八九"[int(c)] for c in str(n))
    financial = style == "financial"
    digits = _FINANCIAL_DIGITS if financial else _STANDARD_DIGITS
    units = _FINANCIAL_UNITS if financial else _STANDARD_UNITS
    if n == 0:
        return digits[0]
    groups: list[int] = []
    while n:
        groups.append(n % 10_000)
        n //= 10_000
    big_names = ["", "万", "亿", "万亿"]
    if len(groups) > len(big_names):
        raise ValueError("数值过大")
    out: list[str] = []
    zero_pending = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            if out:
                zero_pending = True
            continue
        if out and (zero_pending or group < 1000):
            out.append(digits[0])
        zero_pending = False
        out.append(_four_digits(group, digits, units, leading=not out))
        out.append(big_names[index])
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Width and script
# --------------------------------------------------------------------------------------------

# Full-width ASCII block U+FF01..U+FF5E maps to U+0021..U+007E; U+3000 is the ideographic space.
_HALFWIDTH: Final[dict[int, int]] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20


def to_halfwidth(text: str) -> str:
    """Replace full-width digits, letters and punctuation ("３号楼Ａ座") with ASCII ones."""
    return text.translate(_HALFWIDTH)


# A small built-in map for address vocabulary, used only if OpenCC's dictionary file cannot be
# found (the package is a declared dependency, so this is belt and braces).
_FALLBACK_T2S: Final = (
    "號号樓楼棟栋單单門门層层戶户區区縣县鄉乡鎮镇園园廣广東东陽阳華华興兴龍龙鳳凤橋桥豐丰"
    "慶庆壽寿寧宁雙双萬万兩两億亿貳贰陸陆莊庄條条衚胡衕同裡里裏里間间館馆會会員员學学鐵铁"
    "電电車车發发開开運运農农業业國国際际紅红綠绿藍蓝黃黄寶宝麗丽灣湾漢汉義义禮礼鄭郑劉刘"
    "張张陳陈楊杨趙赵孫孙馬马羅罗鄧邓許许蘇苏齊齐魯鲁遼辽蘭兰陝陕閩闽滬沪體体綜综環环線线"
    "輝辉愛爱樂乐歡欢進进遠远達达順顺榮荣聯联寬宽錦锦鄰邻衛卫網网屬属廠厂場场濱滨長长灣湾"
    "單单號号幢幢巷巷坊坊鄉乡堡堡歲岁廟庙塔塔嶺岭嶼屿灘滩溝沟窪洼澤泽湧涌興兴"
)


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, int]:
    """Build the char→char traditional→simplified table once.

    OpenCC's own converter segments phrases and is far too slow for a million rows (tens of
    microseconds per string), so only its character dictionary is used, as a ``str.translate``
    table.  Where OpenCC lists several simplified candidates and the character itself is one of
    them (乾 → 干/乾, 於 → 于/於), the character is kept: it is valid simplified text, common in
    place names (乾县), and a wrong rewrite would break matching.
    """
    table: dict[int, int] = {}
    try:
        import opencc

        path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
        lines = path.read_text(encoding="utf-8").splitlines()
    except (ImportError, OSError):
        lines = []
    for line in lines:
        key, _, values = line.partition("\t")
        options = values.split()
        if len(key) != 1 or not options or key in options:
            continue
        target = options[0]
        if len(target) == 1:
            table[ord(key)] = ord(target)
    if not table:
        pairs = _FALLBACK_T2S
        for i in range(0, len(pairs) - 1, 2):
            if pairs[i] != pairs[i + 1]:
                table[ord(pairs[i])] = ord(pairs[i + 1])
    return table


def to_simplified(text: str) -> str:
    """Traditional → simplified Chinese, character by character ("朝陽區" → "朝阳区")."""
    return text.translate(_t2s_table())


@lru_cache(maxsize=1)
def _normalize_table() -> dict[int, int | None]:
    """One combined table: half-width, simplified, upper-case letters, unified dashes."""
    table: dict[int, int | None] = dict(_t2s_table())
    table.update(_HALFWIDTH)
    # Full-width lower-case letters go straight to upper-case ASCII.
    for cp in range(ord("ａ"), ord("ｚ") + 1):
        table[cp] = cp - 0xFEE0 - 32
    for cp in range(ord("a"), ord("z") + 1):
        table[cp] = cp - 32
    # Hyphen look-alikes that people type between building, unit and room numbers.
    for ch in "－‐‑‒–—―−﹣ｰー~～〜_＿":
        table[ord(ch)] = ord("-")
    table[ord("＃")] = ord("#")
    table[ord("○")] = ord("〇")
    return table


def normalize_table() -> dict[int, int | None]:
    """The table `normalize_text` translates by, for code that applies it column-wise."""
    return dict(_normalize_table())


def normalize_text(text: str) -> str:
    """Half-width, simplified, upper-case, single kind of hyphen: the first step of parsing."""
    return text.translate(_normalize_table())


# --------------------------------------------------------------------------------------------
# Rewriting numerals inside addresses
# --------------------------------------------------------------------------------------------

#: Markers after which a numeral is an address number, longest first for the regex.
ADDRESS_MARKERS: Final[tuple[str, ...]] = (
    "单元",
    "号",
    "楼",
    "栋",
    "幢",
    "座",
    "门",
    "层",
    "室",
    "户",
    "院",
    "弄",
    "巷",
    "里",
)

# Markers that are also ordinary name characters: 三里屯, 十里河, 三门峡, 八里庄, 五层楼?  After
# these, a numeral is only rewritten when what follows the marker is not another ordinary
# Chinese character (i.e. it is a digit, a numeral, another marker, punctuation or the end).
_AMBIGUOUS_MARKERS: Final = frozenset("楼座门层院弄巷里")

_NUMERAL_CLASS: Final = "".join(sorted(NUMERAL_CHARS))
_MARKER_ALT: Final = "|".join(ADDRESS_MARKERS)
_RUN_BEFORE_MARKER: Final = re.compile(f"([{_NUMERAL_CLASS}]+)(?=({_MARKER_ALT})(.?))", re.S)
# A trailing run right after a marker: "二单元三〇一" ends with a room number without 室.
_TRAILING_RUN: Final = re.compile(
    f"(?<=号|楼|栋|幢|座|元|门|层|院)([{_NUMERAL_CLASS}]+)(?=$|[^\\u3400-\\u9fff{_NUMERAL_CLASS}])"
)
_ANY_RUN: Final = re.compile(f"[{_NUMERAL_CLASS}]+")
_MARKER_START: Final = frozenset(m[0] for m in ADDRESS_MARKERS)


def _is_plain_cjk(ch: str) -> bool:
    """A CJK ideograph that is neither a numeral nor the first character of a marker."""
    return "\u3400" <= ch <= "\u9fff" and ch not in NUMERAL_CHARS and ch not in _MARKER_START


# A household named by its side after a floor or unit (六楼西户, 三门东户): the numeral is one.
_SIDE_HOUSEHOLD: Final = re.compile("[东西南北中]户")


def _replace_before_marker(match: re.Match[str]) -> str:
    run, marker, after = match.group(1), match.group(2), match.group(3)
    if (
        marker in _AMBIGUOUS_MARKERS
        and after
        and _is_plain_cjk(after)
        and not _SIDE_HOUSEHOLD.match(match.string, match.end() + len(marker))
    ):
        return run  # 三里屯, 十里河, 三门峡: a place name, not a number
    value = chinese_to_int(run)
    return run if value is None else str(value)


def _replace_any(match: re.Match[str]) -> str:
    value = chinese_to_int(match.group(0))
    return match.group(0) if value is None else str(value)


def rewrite_numerals(text: str) -> str:
    """Rewrite Chinese numerals that are address numbers to Arabic digits.

    A numeral run is rewritten when it is immediately followed by one of
    :data:`ADDRESS_MARKERS` ("十号" → "10号", "三号楼二单元" → "3号楼2单元", "三〇一室" →
    "301室"), or when it ends the text (or precedes a non-Chinese character) right after a
    marker ("二单元三〇一" → "2单元301").

    **The ambiguity.**  Numerals are also ordinary parts of names: 三里屯, 十里河, 八里庄 and
    三门峡 have a numeral before a marker character, while 幸福一村 or 五道口 have one before
    some other character.  Runs before a non-marker are never touched, so 一村 stays.  For the
    markers that double as name characters (楼座门层院弄巷里) the run is rewritten only if the
    character after the marker is not another plain Chinese character: "三里屯" and "十里河"
    stay, but "幸福三里3号楼" becomes "幸福3里3号楼", and "北医三院" (at the end of the text)
    becomes "北医3院".  Road names are therefore compared through :func:`numerals_to_digits`,
    which rewrites *every* run, so both spellings reach the same key.  A run that is not a valid
    numeral ("百" alone, "三四十") is left as written.
    """
    if not any(ch in NUMERAL_CHARS for ch in text):
        return text
    text = _RUN_BEFORE_MARKER.sub(_replace_before_marker, text)
    return _TRAILING_RUN.sub(_replace_any, text)


def numerals_to_digits(text: str) -> str:
    """Rewrite every valid Chinese numeral run to digits ("东四十条" → "东40条").

    Too aggressive for display, but deterministic, which is what a comparison key needs: the
    registry's "幸福三里" and a ledger's "幸福3里" both become "幸福3里".
    """
    if not any(ch in NUMERAL_CHARS for ch in text):
        return text
    return _ANY_RUN.sub(_replace_any, text)
