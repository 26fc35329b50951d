"""Person names: spacing, full-width letters, traditional characters, minority-name dots."""

from __future__ import annotations

import re
from functools import lru_cache

_DOTS = re.compile(r"[•・‧∙･．.]")
_CJK_SPACE = re.compile(r"(?<=[\u3400-\u9fff·])\s+(?=[\u3400-\u9fff·])")
_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=200_000)
def _to_simplified(text: str) -> str:
    return str(_t2s().convert(text))


def normalize_name(raw: str | None) -> str:
    if not raw:
        return ""
    text = str(raw).translate(_FULLWIDTH).strip()
    text = _DOTS.sub("·", text)
    text = _CJK_SPACE.sub("", text)
    text = re.sub(r"\s+", " ", text)
    if not text.isascii():
        text = _to_simplified(text)
    return text


def is_plausible_name(name: str) -> tuple[bool, str | None]:
    if not name:
        return False, "姓名为空"
    if any(ch.isdigit() for ch in name):
        return False, "姓名中含有数字"
    if len(name) > 20:
        return False, "姓名过长（超过20个字符）"
    if not any(ch.isalpha() for ch in name):
        return False, "姓名中没有文字"
    return True, None
