"""Name keys read pypinyin's character table directly and say what `lazy_pinyin` says."""

from __future__ import annotations

import pytest
from pypinyin import Style, lazy_pinyin

from wangge.people import pinyin
from wangge.people.pinyin import syllable


def test_every_character_pypinyin_knows_has_its_toneless_syllable() -> None:
    table = pinyin._table()
    assert table is not None and len(table) > 40_000
    differ = [
        chr(int(code))
        for code in table
        if syllable(chr(int(code)))
        != lazy_pinyin(chr(int(code)), style=Style.NORMAL, errors="default")[0].lower()
    ]
    assert differ == []


@pytest.mark.parametrize(
    ("ch", "expected"),
    [("王", "wang"), ("吕", "lv"), ("略", "lve"), ("嗯", "n"), ("A", "a"), ("·", "·"), ("1", "1")],
)
def test_syllables_of_name_characters(ch: str, expected: str) -> None:
    assert (
        syllable(ch) == expected == lazy_pinyin(ch, style=Style.NORMAL, errors="default")[0].lower()
    )


def test_without_the_table_lazy_pinyin_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pinyin, "_table", lambda: None)
    assert syllable("王") == "wang" and syllable("吕") == "lv"
