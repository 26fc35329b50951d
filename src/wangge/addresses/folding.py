"""Fold hand-typed address text before it is parsed, and fold codes for comparison.

Split out of :mod:`wangge.addresses.parser` to keep that module about the grammar:
everything here is a text-to-text step that knows nothing of address components
(full-width, traditional characters, numerals, separators, leading zeros).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from wangge.addresses import numerals
from wangge.addresses.numerals import NUMERAL_CHARS, chinese_to_int

__all__ = ["fold", "prepare_text", "strip_leading_zeros"]


_LEADING_ZEROS: Final = re.compile(r"(?<![0-9])0+(?=[0-9])")


def strip_leading_zeros(text: str) -> str:
    """ "0301" → "301", "东03" → "东3", "0" stays "0": ledgers pad room numbers."""
    if "0" not in text:
        return text
    return _LEADING_ZEROS.sub("", text)


_NUMERAL_CLASS: Final = "".join(sorted(NUMERAL_CHARS))
_NUMERAL_RUN: Final = re.compile(f"[{_NUMERAL_CLASS}]+")
_SPACE: Final = re.compile(r"\s+")


def _numeral_to_digits(match: re.Match[str]) -> str:
    value = chinese_to_int(match.group())
    return match.group() if value is None else str(value)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Fold a short code (number, building, unit, room) for comparison.

    Half-width, simplified, upper-case, no spaces, every numeral run as Arabic digits
    and no leading zeros: "０３０１" → "301", "三" → "3", "东三" → "东3", "a" → "A".
    Unlike :func:`~wangge.addresses.numerals.rewrite_numerals` this converts numerals
    anywhere, which is right for codes and wrong for names, so use it on codes only.
    Cached because a registry repeats the same codes in every building.
    """
    folded = _SPACE.sub("", numerals.normalize_text(text))
    if not folded.isascii():
        folded = _NUMERAL_RUN.sub(_numeral_to_digits, folded)
    return strip_leading_zeros(folded)


_MORE: Final = str.maketrans({"#": "号", "°": ""})
_NUMERAL_OR_DIGIT: Final = "0-9" + "".join(sorted(NUMERAL_CHARS))
# Brackets carry no address information; their content is kept ("(3号楼)").
_BRACKETS: Final = re.compile(r"[()\[\]{}<>（）【】〔〕《》「」『』\"'“”‘’]")
# Between two numbers, any run of spaces and punctuation separates them ("3 2 301",
# "3/2/301", "3，2，301" → "3-2-301"); elsewhere punctuation just goes.
_SEPARATORS: Final = r"\s/\\._,，、。;；:：!！?？*…·"
_BETWEEN_DIGITS: Final = re.compile(
    f"(?<=[A-Z{_NUMERAL_OR_DIGIT}])[{_SEPARATORS}]+(?=[{_NUMERAL_OR_DIGIT}])"
)
_DROP: Final = re.compile(f"[{_SEPARATORS}]+")
_LABEL: Final = re.compile(
    r"^(?:家庭|现|现居|户籍|居住|常住|联系|详细|通讯|实际居住)?(?:住址|地址)(?:为|是)?"
)
# "5一6一1443": 一 typed for a dash between two numbers (an input method's habit); after a
# marker too ("734号一70一8号"): no one writes 170 as "一70".
_YI_DASH: Final = re.compile(r"(?<=[0-9A-Z号栋幢])一(?=[0-9])")
_DASHES: Final = re.compile(r"-{2,}")
# "576九楼", "55五单元", "5三栋", "870四号": a Chinese numeral glued after Arabic digits, before
# a floor, building, unit or 号 marker (not 号院, a courtyard's name: A6一号院), starts a number
# of its own (no one writes 59 as "5九"); 号 keeps the two apart, as they would be written with
# digits (576号9楼, 55号5单元, 870号4号).
_GLUED_NUMERAL: Final = re.compile(
    f"(?<=[0-9])(?=[{_NUMERAL_CLASS}]{{1,3}}(?:楼|层|栋|幢|单元|号(?!院)))"
)
# "94懂8单元": 懂 typed for 栋 (the same sound, dòng) right after a number, before a unit,
# a room or the end; 懂 is no marker of anything else.
_DONG_TYPO: Final = re.compile(r"(?<=[0-9])懂")
# 八区, 二期, 六街21701: the numbered parts of a compound or market.
_NUMERAL_SUBAREA: Final = re.compile(
    f"(?<![{_NUMERAL_CLASS}])[{_NUMERAL_CLASS}]{{1,3}}(?=[区期排]|街[0-9])"
)


def _counted_to_digits(match: re.Match[str]) -> str:
    """八 → 8, 十二 → 12, but 二七 (郑州's 二七区) is a name, not a count."""
    run = match.group()
    if len(run) > 1 and "十" not in run:
        return run
    return _numeral_to_digits(match)


# 第 before a number that counts a building, floor, unit, group… (第3单元, 第九层, 第八师); not
# in a name (第一广场, 兰州大学第一医院, 第二中学), which registries write with it.
# 第 before a number in digits (第3单元; after the numerals are rewritten, 第九层 too).
_ORDINAL: Final = re.compile("第+(?=[0-9])")
# "88号之一901房": the 附号 written in numerals, the room in digits right after it; kept apart
# by a dash (88号之1-901房), not glued into one number (之1901).
_ANNEX_BEFORE_DIGITS: Final = re.compile(f"(?<=[之附])[{_NUMERAL_CLASS}]+(?=[0-9])")
_NUMERAL_AFTER_MARK: Final = re.compile(
    f"(?:(?<=[单元门楼号层室户院座栋幢\\-0-9])[{_NUMERAL_CLASS}]+$)|(?:(?<=[之附])[{_NUMERAL_CLASS}]+)"
)


# "5—8楼", "8~9层", "五至八层": a range of floors (a shop over several), written with the range
# mark of GB/T 15834 (一字线 —, 浪纹线 ～) or 至/到, which the dash folding would make a
# building's shorthand (5-8楼: building 5, floor 8). Kept as "5至8楼" for the parser.
_RANGE_NUMBER: Final = f"[0-9０-９]{{1,3}}|[{_NUMERAL_CLASS}]{{1,3}}"
_FLOOR_RANGE: Final = re.compile(
    rf"(?<![0-9０-９\-－—―~～〜])({_RANGE_NUMBER})\s*(?:[—―~～〜]{{1,2}}|至|到)\s*({_RANGE_NUMBER})"
    r"(?=\s*(?:楼|层|樓|層|F|Ｆ)(?![0-9０-９\-－—―~～〜]))"
)


def _floor_range(match: re.Match[str]) -> str:
    low, high = (
        chinese_to_int(n) if n[0] in NUMERAL_CHARS else int(numerals.to_halfwidth(n))
        for n in match.groups()
    )
    if low is None or high is None or low >= high:
        return match.group()
    return f"{low}至{high}"


def prepare_text(text: str) -> str:
    """Fold free text before parsing: the steps every ledger needs, in order.

    Half-width; simplified characters; upper-case letters ("a座" → "A座");
    dash variants and ``#`` ("3#楼" → "3号楼"); spaces, slashes and dots *between
    numbers* become dashes ("3 2 301", "3/2/301" → "3-2-301") and other spaces
    vanish ("幸 福路"); brackets and punctuation vanish but their content stays; a
    leading "地址：" label goes; numerals before markers become digits, as does a
    numeral run ending the text right after a marker ("二单元三〇一") or following
    之/附 ("10号之一"; kept apart from digits after it: "88号之一901房" → "88号之1-901房");
    "第" before a counted number goes ("第3单元", not 第一广场); 懂 typed for 栋 after a
    number ("94懂") is 栋; a numeral glued after digits before a floor, building, unit or 号
    marker starts its own number ("576九楼" → "576号9楼", "870四号" → "870号4号"); a range of
    floors written with a range mark (5—8楼, 8~9层, 五至八层) is kept as one ("5至8楼").
    """
    if any(mark in text for mark in "—―~～〜至到"):
        text = _FLOOR_RANGE.sub(_floor_range, text)
    s = _BRACKETS.sub("", numerals.normalize_text(text).translate(_MORE))
    s = _DROP.sub("", _BETWEEN_DIGITS.sub("-", s))
    s = _LABEL.sub("", s)
    if s.isascii():
        return s
    s = _ORDINAL.sub("", s)
    s = _YI_DASH.sub("-", s)
    if "懂" in s:
        s = _DONG_TYPO.sub("栋", s)
    s = _DASHES.sub("-", s)
    s = _GLUED_NUMERAL.sub("号", s)
    s = _numbers_to_digits(s)
    # 第 goes where its number is now in digits (a count rewritten above: 第九层 → 9层), and the
    # numbers are read again without it, so a second reading changes nothing; a name's numeral
    # stays a numeral with its 第 (第一广场).
    while "第" in s and (again := _ORDINAL.sub("", s)) != s:
        s = _numbers_to_digits(again)
    return s


def _annex_apart(match: re.Match[str]) -> str:
    return _numeral_to_digits(match) + "-"


def _numbers_to_digits(s: str) -> str:
    if "之" in s or "附" in s:
        s = _ANNEX_BEFORE_DIGITS.sub(_annex_apart, s)
    s = numerals.rewrite_numerals(s)
    # right to left in effect: a count before 街N is one once N is in digits (〇街十区)
    while (again := _NUMERAL_SUBAREA.sub(_counted_to_digits, s)) != s:
        s = again
    return _NUMERAL_AFTER_MARK.sub(_numeral_to_digits, s)
