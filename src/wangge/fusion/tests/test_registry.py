"""The registry's exact-key shortcut agrees with the full matcher and never guesses."""

from __future__ import annotations

import polars as pl
import pytest

from wangge.addresses.matcher import RegistryRoom
from wangge.fusion.registry import Registry

ROOMS = [
    RegistryRoom("A301", "C1", "呼家楼西里", "3", "2", "2", "301"),
    RegistryRoom("A302", "C1", "呼家楼西里", "3", "2", "2", "302"),
    RegistryRoom("B1", "C1", "幸福路", "10", "3", "1", "101"),
    RegistryRoom("Y1", "C1", "农丰里胡同", "15", "", "", "西1"),
    RegistryRoom("J1", "C2", "金台里", "7", "1", "1", "101"),
    RegistryRoom("J2", "C2", "金台北街", "72", "2", "1", "1102"),
]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.build((room, "G1") for room in ROOMS)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("呼家楼西里3号2号楼2单元301室", "A301"),
        ("北京市朝阳区呼家楼西里3号院2-2-302", "A302"),
        ("朝阳区呼家楼街道呼家楼社区呼家楼西里３号2栋2门301", "A301"),
        ("幸福路10号3楼1门101户", "B1"),
        ("农丰里胡同15号院西1", "Y1"),
        ("金台里社区金台北街72院2-1-1102", "J2"),  # a community named like a road
        ("金台里社区金台里7号1-1-101", "J1"),
    ],
)
def test_plain_addresses_find_the_same_room_as_the_matcher(
    registry: Registry, text: str, code: str
) -> None:
    assert registry.quick_match(text) == code
    assert registry.matcher.match(text).address_code == code


@pytest.mark.parametrize(
    "text",
    [
        "呼家楼西里3号2号楼301",  # unit left out: the matcher weighs it
        "呼家楼西里三号二号楼二单元301",  # Chinese numerals
        "幸福路10号3楼101",  # "3楼" may be a floor
        "海淀区某某大厦幸福路10号3号楼1单元101",  # something other than admin levels first
        "幸福路10号3号楼1单元999",  # no such room
    ],
)
def test_anything_less_plain_is_left_to_the_matcher(registry: Registry, text: str) -> None:
    assert registry.quick_match(text) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("呼家楼西里三号二号楼二单元三〇一室", "A301"),
        ("呼家樓西里3號2號樓2單元302室", "A302"),
        ("朝阳区呼家楼社区幸福路十号三号楼一门一〇一", "B1"),
        ("农丰里胡同十五号院西1", "Y1"),
    ],
)
def test_numerals_and_traditional_characters_find_the_room_by_its_keys(
    registry: Registry, text: str, code: str
) -> None:
    assert registry.quick_match(text) is None
    assert registry.key_match(text) == code
    assert registry.matcher.match(text).address_code == code


def test_the_key_form_still_leaves_anything_unsure_to_the_matcher(registry: Registry) -> None:
    assert registry.key_match("呼家楼西里三号二号楼三〇一") is None  # unit left out
    assert registry.key_match("幸福路十号三楼一〇一") is None  # a floor?


def test_the_column_shortcut_answers_exactly_as_the_scalar_one(registry: Registry) -> None:
    texts = [
        "呼家楼西里3号2号楼2单元301室",
        "北京市朝阳区呼家楼西里3号院2-2-302",
        "朝阳区呼家楼街道呼家楼社区呼家楼西里３号2栋2门301",
        "幸福路10号3楼1门101户",
        "农丰里胡同15号院西1",
        "农丰里胡同15号院西01",
        "呼家楼西里03号02号楼2单元0301",
        "呼家楼西里3号2号楼301",
        "幸福路10号3楼101",
        "幸福路10号3楼1-101",
        "海淀区某某大厦幸福路10号3号楼1单元101",
        "幸福路10号3号楼1单元999",
        "幸福路 10号 3号楼 1单元 101",
        "金台里社区金台北街72院2-1-1102",
        "北京市朝阳区京广路街道金台里社区金台里7号1-1-101",
        "",
        "幸福路",
    ]
    column = registry.quick_match_column(pl.Series("a", texts)).to_list()
    assert column == [registry.quick_match(t) for t in texts]
    assert column[0] == "A301" and column[6] == "A301"


def test_the_column_key_match_answers_exactly_as_the_scalar_one(registry: Registry) -> None:
    texts = [
        "呼家楼西里三号二号楼二单元三〇一室",
        "呼家樓西里3號2號樓2單元302室",
        "朝阳区呼家楼社区幸福路十号三号楼一门一〇一",
        "农丰里胡同十五号院西1",
        "农丰里胡同十五号院西一",
        "呼家楼西里三号二号楼三〇一",
        "幸福路十号三楼一〇一",
        "幸福路十号三楼一门一〇一",
        "幸福路 十号 三号楼 一单元 一〇一",
        "幸福路１０号３号楼１单元１０１",
        "幸福路三四十号三号楼一单元一〇一",  # not a numeral: left as written
        "金台里社区金台北街七十二院2-1-1102",
        "",
        "呼家楼西里",
    ]
    column = registry.key_match_column(pl.Series("a", texts)).to_list()
    assert column == [registry.key_match(t) for t in texts]
    assert column[0] == "A301" and column[11] == "J2"
