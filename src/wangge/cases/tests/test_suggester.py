"""The category suggester and the data it ships with."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter

import pytest

from wangge.cases.suggester import (
    CATEGORIES_CSV,
    CORPUS_CSV,
    CategorySuggester,
    ModelFileError,
    Suggestion,
    default_suggester,
    load_categories,
    load_corpus,
    normalise,
)

HEADER = "code,name,name_en,parent_code,kind,source,department,response_hours,handle_working_days"


def codes(suggestions: list[Suggestion]) -> list[str]:
    return [s.code for s in suggestions]


# ---- the catalogue ---------------------------------------------------------------------------


def test_catalogue_header_is_the_documented_one():
    with CATEGORIES_CSV.open(encoding="utf-8") as f:
        assert f.readline().strip() == HEADER


def test_catalogue_codes_are_unique_and_parents_exist():
    categories = load_categories()
    all_codes = [c.code for c in categories]
    assert len(all_codes) == len(set(all_codes))
    majors = {c.code for c in categories if not c.parent_code}
    for category in categories:
        assert category.parent_code in majors | {""}, category
        assert category.code.startswith(category.parent_code)


def test_catalogue_rows_are_complete_and_plausible():
    rows = list(csv.DictReader(CATEGORIES_CSV.open(encoding="utf-8")))
    for row in rows:
        assert all(row[column] for column in HEADER.split(",") if column != "parent_code"), row
    for category in load_categories():
        assert category.kind in {"component", "event", "complaint"}
        assert category.source == ("12345" if category.kind == "complaint" else "GB/T 30428.2")
        assert 0 < category.response_hours <= 72
        assert 0 < category.handle_working_days <= 30


def test_catalogue_has_the_gb_major_classes_and_the_hotline_types():
    names = {(c.kind, c.name) for c in load_categories() if not c.parent_code}
    for name in (
        "公用设施类",
        "道路交通类",
        "市容环境类",
        "园林绿化类",
        "房屋土地类",
        "其他设施类",
    ):
        assert ("component", name) in names
    for name in (
        "市容环境类",
        "宣传广告类",
        "施工管理类",
        "街面秩序类",
        "突发事件类",
        "其他事件类",
    ):
        assert ("event", name) in names
    for name in ("噪音扰民", "物业管理", "垃圾分类", "违章停车", "电动自行车充电", "疫情防控"):
        assert ("complaint", name) in names


def test_catalogue_has_every_first_level_class_of_the_message_boards():
    """The seven first-level labels of municipal message boards (TipDM 2020 C) each have a home:
    教育文体 and 商贸旅游 were missing."""
    majors = {c.name: c for c in load_categories() if not c.parent_code}
    for name, department in (("教育文体", "教育"), ("商贸旅游", "商务")):
        assert majors[name].kind == "complaint" and majors[name].department == department
        minors = [c for c in load_categories() if c.parent_code == majors[name].code]
        assert len(minors) >= 5
        assert {c.code for c in minors} <= {code for _, code in load_corpus()}


# ---- the corpus ------------------------------------------------------------------------------


def test_every_corpus_label_is_a_minor_category():
    minors = {c.code for c in load_categories() if c.parent_code}
    labels = Counter(code for _, code in load_corpus())
    assert set(labels) <= minors
    assert len(labels) >= 40
    assert sum(labels.values()) >= 3000


def test_held_out_split_shares_no_phrase_family_with_training():
    rows = list(csv.DictReader(CORPUS_CSV.open(encoding="utf-8")))
    train = {row["family"] for row in rows if row["split"] == "train"}
    test = {row["family"] for row in rows if row["split"] == "test"}
    assert train and test and not train & test
    assert not {r["text"] for r in rows if r["split"] == "train"} & {
        r["text"] for r in rows if r["split"] == "test"
    }


def test_corpus_is_imbalanced_like_the_hotline():
    labels = Counter(code for _, code in load_corpus())
    ranked = [code for code, _ in labels.most_common()]
    assert ranked[0] == "TS0101"  # renovation noise leads, as in 12345 statistics
    assert labels.most_common()[0][1] > 10 * labels.most_common()[-1][1]


# ---- features --------------------------------------------------------------------------------


def test_full_width_text_is_normalised():
    assert normalise("ＫＴＶ唱到凌晨") == "ktv唱到凌晨"


def test_importing_the_module_does_not_load_scikit_learn():
    """Web processes import the cases app at start; scikit-learn loads on first suggestion."""
    code = "import sys, wangge.cases.suggester; print('sklearn' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# ---- the shipped suggester -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("楼上装修电钻声太吵", "TS0101"),  # 装修噪音, under 噪音扰民
        ("有辆车堵在我家门口出不去了", "TS0401"),
        ("楼道里停着电动车在充电", "TS0502"),
        ("家里暖气一点都不热", "TS0701"),
        ("路边有人推车卖水果", "SJ0501"),
        ("工地半夜还在打桩施工", "SJ0301"),
        ("京广路的井盖没了", "SJ0603"),
        ("楼下饭店油烟太大", "TS1601"),
        ("电梯坏了好几天没人修", "TS1101"),
        ("孩子户口在学区内却被划到别的小学", "TS2101"),
        ("培训机构收了学费关门跑路了", "TS2103"),
        ("办的美容卡店铺关门了预付的钱退不回来", "TS2201"),
        ("跟团旅游被导游强制购物", "TS2204"),
    ],
)
def test_suggests_the_right_category_in_the_top_three(text, code):
    assert code in codes(default_suggester().suggest(text))


def test_renovation_noise_belongs_to_noise_nuisance():
    top = default_suggester().suggest("楼上装修电钻声太吵", k=1)[0]
    parent = {c.code: c.parent_code for c in load_categories()}[top.code]
    assert parent == "TS01"  # 噪音扰民
    assert top.name == "装修噪音"


def test_categories_without_corpus_are_found_by_their_name():
    assert "BJ0115" in codes(default_suggester().suggest("消火栓"))


@pytest.mark.parametrize(
    "text", ["", "   ", "。。。！", "12345", "asdfgh", "你好", "谢谢", "啊啊啊"]
)
def test_empty_or_meaningless_text_gets_no_suggestion(text):
    assert default_suggester().suggest(text) == []


def test_suggestions_are_ranked_scores_between_zero_and_one():
    suggestions = default_suggester().suggest("小区物业费涨价了", k=5)
    assert len(suggestions) == 5
    scores = [s.score for s in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_k_limits_the_number_of_suggestions():
    assert len(default_suggester().suggest("路灯不亮", k=1)) == 1
    assert default_suggester().suggest("路灯不亮", k=0) == []


def test_default_suggester_is_trained_once():
    assert default_suggester() is default_suggester()


# ---- training --------------------------------------------------------------------------------

TOY_TEXTS = [
    "楼上装修太吵",
    "装修电钻噪音",
    "路灯不亮了",
    "路灯坏了一排",
    "垃圾没人清运",
    "垃圾桶满了",
]
TOY_LABELS = ["noise", "noise", "light", "light", "rubbish", "rubbish"]


def test_training_is_deterministic():
    first = CategorySuggester().train(TOY_TEXTS, TOY_LABELS).suggest("装修太吵了", k=3)
    second = CategorySuggester().train(TOY_TEXTS, TOY_LABELS).suggest("装修太吵了", k=3)
    assert first == second
    assert first[0].code == "noise"


def test_untrained_suggester_suggests_nothing():
    assert CategorySuggester().suggest("路灯不亮") == []


def test_training_needs_one_label_per_text():
    with pytest.raises(ValueError):
        CategorySuggester().train(["路灯不亮"], [])


def test_training_needs_two_categories():
    with pytest.raises(ValueError):
        CategorySuggester().train(["路灯不亮", "路灯坏了"], ["light", "light"])


def test_two_categories_are_enough():
    suggester = CategorySuggester().train(TOY_TEXTS[:4], TOY_LABELS[:4])
    assert [s.code for s in suggester.suggest("装修太吵", k=2)] == ["noise", "light"]


def test_a_stored_model_suggests_what_the_trained_one_did():
    trained = CategorySuggester({"light": "路灯"}).train(TOY_TEXTS, TOY_LABELS)
    loaded = CategorySuggester.from_bytes(trained.to_bytes(), {"light": "路灯"})
    for text in ("装修太吵了", "路灯坏了", "垃圾桶"):
        assert loaded.suggest(text) == trained.suggest(text)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: b"PK" + data[2:100],
        lambda data: data[: len(data) // 2] + b"\x00" * 64 + data[len(data) // 2 + 64 :],
    ],
)
def test_a_damaged_model_file_is_refused(damage):
    data = CategorySuggester().train(TOY_TEXTS, TOY_LABELS).to_bytes()
    with pytest.raises(ModelFileError):
        CategorySuggester.from_bytes(damage(data))


def test_a_model_of_another_format_is_refused():
    import io

    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, header=np.array('{"format": "wangge-suggester/9"}'))
    with pytest.raises(ModelFileError):
        CategorySuggester.from_bytes(buffer.getvalue())


def test_a_pickle_is_never_loaded():
    """A model file is a NumPy archive read with allow_pickle=False: a pickle runs no code."""
    import io
    import pickle

    import numpy as np

    buffer = io.BytesIO()
    np.savez(buffer, header=np.array([{"format": "wangge-suggester/1"}], dtype=object))
    with pytest.raises(ModelFileError):
        CategorySuggester.from_bytes(buffer.getvalue())
    with pytest.raises(ModelFileError):
        CategorySuggester.from_bytes(pickle.dumps(CategorySuggester()))


def test_names_are_shown_when_known():
    suggester = CategorySuggester({"light": "路灯不亮"}).train(TOY_TEXTS, TOY_LABELS)
    [top] = suggester.suggest("路灯", k=1)
    assert (top.code, top.name) == ("light", "路灯不亮")
