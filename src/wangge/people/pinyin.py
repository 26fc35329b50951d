"""Toneless pinyin of single characters, for name keys ('王伟' and '王玮' share 'wang wei').

pypinyin's `lazy_pinyin(ch, style=Style.NORMAL)` gives the same syllable for every character
(a test compares all of them), but importing pypinyin loads its phrase dictionary, a third of
a second at the start of every fusion run. A name key needs only its single-character table,
which is read here directly; should a pypinyin release move that file, `lazy_pinyin` answers
instead. Pure Python, no Django.
"""

from __future__ import annotations

import importlib.util
import json
import unicodedata
from functools import cache
from pathlib import Path
from typing import Final

_TABLE_FILE: Final = "pinyin_dict.json"  # code point → 'wáng,wàng,yù', most common first
_U_WITH_TONE: Final = str.maketrans(dict.fromkeys("üǖǘǚǜ", "v"))


def syllable(ch: str) -> str:
    """The first reading of ``ch`` without tone, lower case ('吕' → 'lv'); a character with
    no reading comes back as itself, lower case."""
    table = _table()
    if table is None:
        from pypinyin import Style, lazy_pinyin

        return str(lazy_pinyin(ch, style=Style.NORMAL, errors="default")[0]).lower()
    reading = table.get(str(ord(ch))) if len(ch) == 1 else None
    if reading is None:
        return ch.lower()
    first = reading.split(",", 1)[0].translate(_U_WITH_TONE)
    bare = "".join(c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c))
    return bare.lower()


@cache
def _table() -> dict[str, str] | None:
    spec = importlib.util.find_spec("pypinyin")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / _TABLE_FILE
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return table if isinstance(table, dict) else None
