"""Person names, normalised so that spelling variants do not split one person in two.

Ledgers from different offices write the same resident as "王 伟", "王伟", "王偉"
or, for minority names, "阿卜杜拉.买买提" / "阿卜杜拉•买买提".  Linkage compares
normalised names, so these must collapse to one string; display code may still
show what was typed.

Speed matters: this runs on every row of a million-row import.  Pure-ASCII names
take a short path, the whole function is memoised (names repeat a lot), and
traditional→simplified conversion is done per character through a cache, so
OpenCC itself runs at most once for each distinct character.

Traditional→simplified is character by character on purpose.  OpenCC's phrase
table is meant for running text and corrupts names: it turns the name 沈默
(surname Shen) into 沉默.  A few characters that are also standard simplified
characters and appear in names (乾 as in 乾坤, the surname 於) are never
converted, because OpenCC would turn them into 干 and 于.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any

__all__ = ["is_plausible_name", "normalize_name"]

MAX_NAME_LENGTH = 20

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_CHAR = re.compile(f"[{_CJK}]")
# Middle-dot look-alikes people type between the parts of a transliterated
# minority or foreign name.  Mapped before NFKC, which would otherwise turn the
# full-width full stop into an ASCII "." that is indistinguishable from an initial.
_DOT_VARIANTS = str.maketrans(dict.fromkeys("·•・‧∙⋅･．\u0387\u2024", "·"))
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# An ASCII full stop or 。 only means a name separator when it sits between Chinese
# characters; in "J. Smith" it is an initial and must stay.
_DOT_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])\\s*[.。]\\s*(?=[{_CJK}])")
_SPACE_AROUND_DOT = re.compile(r"\s*·[\s·]*")
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")

# Characters OpenCC would convert but that are correct, distinct simplified
# characters when they appear in a name.
_KEEP_IN_NAMES = frozenset("乾於")

_PLACEHOLDERS = frozenset(
    {"无", "不详", "未知", "待定", "暂无", "空", "测试", "null", "none", "n/a", "na", "test"}
)
_ALLOWED_SYMBOLS = frozenset("· -'.")

_converter: Any = None


def normalize_name(raw: str | None) -> str:
    """Return the comparable form of a name ('' for empty input)."""
    if not raw:
        return ""
    return _normalize(raw)


def is_plausible_name(s: str | None) -> tuple[bool, str | None]:
    """Say whether a value can be a person's name, and if not why (in Chinese).

    Used at import to flag rows such as "王伟2", "——" or "不详" for a worker to
    check rather than creating a person nobody can find again.  The value is
    normalised first so that harmless spacing or script variants are not flagged.
    """
    name = normalize_name(s)
    if not name:
        return False, "姓名为空"
    if any(ch.isdigit() for ch in name):
        return False, "姓名中含有数字"
    if len(name) > MAX_NAME_LENGTH:
        return False, f"姓名过长：超过{MAX_NAME_LENGTH}个字符（实际{len(name)}个）"
    if not any(ch.isalpha() for ch in name):
        return False, "姓名只有标点符号，没有文字"
    if name.lower() in _PLACEHOLDERS:
        return False, f"姓名像是占位词：{name}"
    for ch in name:
        if not (ch.isalpha() or ch in _ALLOWED_SYMBOLS or unicodedata.category(ch) == "Mn"):
            return False, f"姓名中含有不该出现的符号：{ch}"
    if len(name) == 1 and _CJK_CHAR.match(name):
        return False, "姓名只有一个汉字，可能不完整"
    return True, None


@lru_cache(maxsize=200_000)
def _normalize(raw: str) -> str:
    if raw.isascii():
        # Latin-script names: nothing to convert, only spacing to tidy.
        return " ".join(raw.split())
    text = raw.translate(_INVISIBLE).translate(_DOT_VARIANTS)
    # NFKC folds full-width Latin and ideographic spaces to ASCII and maps CJK
    # compatibility ideographs to their unified forms.
    text = unicodedata.normalize("NFKC", text)
    text = " ".join(text.split())
    text = _DOT_BETWEEN_CJK.sub("·", text)
    text = _SPACE_AROUND_DOT.sub("·", text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    text = text.strip(" ·")
    if not text.isascii():
        text = "".join(_to_simplified(ch) if ord(ch) > 0x2FFF else ch for ch in text)
    return text


@cache
def _to_simplified(ch: str) -> str:
    """Convert one character; cached, so each distinct character reaches OpenCC once."""
    if ch in _KEEP_IN_NAMES:
        return ch
    global _converter
    if _converter is None:
        from opencc import OpenCC

        _converter = OpenCC("t2s")
    converted = str(_converter.convert(ch))
    return converted if converted else ch
