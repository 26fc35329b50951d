"""Linkage: which person-rows are one person, and when the model must not guess."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from wangge.fusion.linkage import link_records
from wangge.fusion.normalise import ACCEPTED, DOUBTFUL, RECORD_SCHEMA, Normaliser
from wangge.people.idnumber import make_id_number

_PINYIN = Normaliser(None)


def records(*rows: dict[str, Any]) -> pl.DataFrame:
    full = []
    for i, row in enumerate(rows):
        base: dict[str, Any] = dict.fromkeys(RECORD_SCHEMA)
        base.update(
            source_file="a.csv",
            source_sheet="",
            source_row=i + 2,
            ledger=0,
            address_candidates="",
            birth_year_exact=True,
            status=ACCEPTED,
            reasons="",
        )
        base.update(row)
        base["name_key"] = _PINYIN.pinyin_key(base["name"])
        if base.get("birth_date") and base.get("birth_year") is None:
            base["birth_year"] = int(base["birth_date"][:4])
        full.append(base)
    return pl.DataFrame(full, schema=RECORD_SCHEMA).with_row_index("rid")


ID_A = make_id_number("110105", __import__("datetime").date(1990, 1, 1), 123, "男")
ID_B = make_id_number("110105", __import__("datetime").date(1990, 1, 1), 125, "男")


def same(result: Any, a: int, b: int) -> bool:
    return bool(result.cluster[a] == result.cluster[b] and result.cluster[a] >= 0)


def test_two_valid_different_id_numbers_never_merge() -> None:
    result = link_records(
        records(
            {"name": "王伟", "id_number": ID_A, "phone": "13812345678", "address_code": "R1"},
            {"name": "王伟", "id_number": ID_B, "phone": "13812345678", "address_code": "R1"},
        )
    )
    assert not same(result, 0, 1)


def test_a_row_without_id_joins_the_person_its_name_phone_and_room_agree_with() -> None:
    result = link_records(
        records(
            {"name": "李娜", "id_number": ID_A, "phone": "13812345678", "address_code": "R1"},
            {"name": "李娜", "phone": "13812345678", "address_code": "R1"},
        )
    )
    assert same(result, 0, 1)
    assert "电话相同" in result.notes[1][0] and "合计" in result.notes[1][0]


def test_homophone_name_typo_still_links_on_phone_and_room() -> None:
    result = link_records(
        records(
            {"name": "王伟", "id_number": ID_A, "phone": "13812345678", "address_code": "R1"},
            {"name": "王玮", "phone": "13812345678", "address_code": "R1"},
        )
    )
    assert same(result, 0, 1)
    assert "同音" in result.notes[1][0]


def test_family_members_sharing_one_phone_stay_apart() -> None:
    result = link_records(
        records(
            {"name": "张建国", "id_number": ID_A, "phone": "13812345678", "address_code": "R1"},
            {"name": "刘秀英", "phone": "13812345678", "address_code": "R1"},
            {"name": "张小明", "phone": "13812345678", "address_code": "R1"},
        )
    )
    assert len({result.cluster[0], result.cluster[1], result.cluster[2]}) == 3


def test_common_names_born_the_same_year_are_not_merged() -> None:
    rows: list[dict[str, Any]] = [
        {
            "name": "王伟",
            "id_number": make_id_number(
                "110105", __import__("datetime").date(1980 + i, 1, 1), 11, "男"
            ),
        }
        for i in range(30)
    ]
    rows.append(
        {"name": "王伟", "birth_year": 1985, "birth_year_exact": False, "address_code": "R9"}
    )
    result = link_records(records(*rows))
    assert all(not same(result, 30, i) for i in range(30))


def test_one_wrong_digit_is_repaired_when_the_name_points_to_one_person() -> None:
    typo = ID_A[:10] + str((int(ID_A[10]) + 1) % 10) + ID_A[11:]
    result = link_records(
        records(
            {"name": "赵敏", "id_number": ID_A},
            {"name": "赵敏", "id_typed": typo, "phone": "13900000000"},
        )
    )
    assert same(result, 0, 1)
    assert result.repaired_id[1] == ID_A


def test_a_family_members_number_in_the_wrong_row_is_held_for_review() -> None:
    result = link_records(
        records(
            {"name": "陈红", "id_number": ID_A},
            {"name": "陈红", "id_number": ID_A},
            {"name": "林小梅", "id_number": ID_A},
        )
    )
    assert same(result, 0, 1)
    assert not same(result, 0, 2)
    assert result.status[2] == DOUBTFUL
    assert "姓名不符" in result.notes[2][0]


def test_grey_zone_pairs_go_to_review_instead_of_being_guessed() -> None:
    result = link_records(
        records(
            {"name": "周杰", "id_number": ID_A, "address_code": "R1"},
            {"name": "周杰", "address_code": "R1", "phone": "13700000000"},
        )
    )
    # same rare name in the same room but nothing else: linked or reviewed, never silently split
    assert same(result, 0, 1) or (result.status[1] == DOUBTFUL and result.review)


def test_rows_without_ids_group_among_themselves_on_strong_evidence() -> None:
    result = link_records(
        records(
            {"name": "孙丽", "phone": "13611112222", "address_code": "R5"},
            {"name": "孙丽", "phone": "13611112222", "address_code": "R5"},
            {
                "name": "孙丽",
                "phone": "13633334444",
                "address_code": "R6",
                "birth_date": "1970-01-01",
            },
        )
    )
    assert same(result, 0, 1)
    assert not same(result, 0, 2)


def test_typo_variants_cover_every_changed_digit_and_swapped_pair() -> None:
    from wangge.fusion.id_typos import one_typo_apart, one_typo_variants

    swapped = ID_A[:3] + ID_A[4] + ID_A[3] + ID_A[5:]
    changed = ID_A[:8] + ("0" if ID_A[8] != "0" else "1") + ID_A[9:]
    assert ID_A in one_typo_variants(swapped) and ID_A in one_typo_variants(changed)
    assert one_typo_apart(swapped, ID_A) and one_typo_apart(changed, ID_A)
    assert not one_typo_apart(ID_B[:5] + "9" + ID_B[6:], ID_A)


@pytest.mark.parametrize("seq", [0, 1, 2, 5, 7, 9, 123, 345])
def test_typo_codes_over_a_column_are_exactly_the_typo_variants(seq: int) -> None:
    from wangge.fusion.id_typos import number_code, one_typo_codes, one_typo_variants

    number = make_id_number("110105", __import__("datetime").date(1988, 7, 30), seq, "女")
    typed = number[:5] + number[6] + number[5] + number[7:]  # a typed number to vary
    for text in (number, typed, number[:17] + ("X" if number[17] != "X" else "1")):
        frame = pl.DataFrame({"rid": [0], "id_typed": [text]})
        codes = set(one_typo_codes(frame).get_column("code").to_list())
        expected = pl.DataFrame({"n": one_typo_variants(text)}).select(number_code(pl.col("n")))
        # A variant with X before the end is no number anybody holds, and has no code.
        assert codes == set(expected.to_series().drop_nulls().to_list())


def test_scores_and_evidence_over_columns_are_what_score_pair_gives() -> None:
    from wangge.fusion.linkage import _USED, DEFAULT_MODEL, score_pair, score_pairs

    frame = records(
        {"name": "王伟", "id_number": ID_A, "phone": "13812345678", "address_code": "R1"},
        {"name": "王玮", "phone": "13812345678", "address_code": "R1", "birth_year": 1990},
        {"name": "王伟", "id_typed": ID_A[:5] + "9" + ID_A[6:], "address_text": "幸福路1号"},
        {"name": "李娜", "phone": "13900000000", "birth_date": "1990-01-01", "gender": "女"},
        {"name": "李丽", "address_text": "幸福路1号", "birth_year": 1991, "gender": "男"},
        {"name": "王伟", "id_number": ID_B, "birth_year": 1990, "birth_year_exact": False},
    ).with_columns(pl.col("rid").cast(pl.Int64))
    pairs = [(a, b) for a in range(frame.height) for b in range(frame.height) if a != b]
    frequency = {"wang wei": 3}
    cols = {c: dict(enumerate(frame.get_column(c).to_list())) for c in _USED}
    expected = [score_pair(a, b, cols, DEFAULT_MODEL, frequency, 10) for a, b in pairs]
    got = score_pairs(pairs, frame.select("rid", *_USED), DEFAULT_MODEL, frequency, 10)
    assert got.get_column("score").to_list() == [score for score, _ in expected]
    assert got.get_column("detail").to_list() == [
        "，".join(str(e) for e in evidence) for _, evidence in expected
    ]


# --- bounds: linear whatever the ledger's shape (issue 13) ---------------------------------


def test_rows_beyond_the_block_cap_are_flagged_for_review_not_compared() -> None:
    from dataclasses import replace

    from wangge.fusion.linkage import DEFAULT_MODEL, _candidate_pairs

    model = replace(DEFAULT_MODEL, block_cap=5)
    row = {"name": "王建国", "phone": "13812345678", "address_code": "R1"}
    frame = records({**row, "id_number": ID_A}, *([row] * 11))
    candidates = _candidate_pairs(frame, list(range(1, 12)), model)
    # Only the first five rows of the key are paired among themselves.
    assert {r for pair in candidates.pairs for r in pair} == set(range(5))
    assert set(candidates.unchecked) == set(range(5, 12))
    result = link_records(frame, model)
    for rid in range(1, 5):
        assert same(result, 0, rid)
    for rid in range(5, 12):
        assert result.status[rid] == DOUBTFUL and not same(result, 0, rid)
        assert any("超过逐一比对的上限（5条）" in note for note in result.notes[rid])
    # Without the cap the same ledger links every row to the person.
    unbounded = link_records(frame)
    assert all(same(unbounded, 0, rid) for rid in range(1, 12))


def test_rows_beyond_the_pair_budget_are_flagged_in_row_order() -> None:
    from dataclasses import replace

    from wangge.fusion.linkage import DEFAULT_MODEL

    model = replace(DEFAULT_MODEL, pair_budget_per_row=0, pair_budget_min=3)
    frame = records(
        {"name": "李娜", "phone": "13800000001", "address_code": "R1", "id_number": ID_A},
        {"name": "李娜", "phone": "13800000001", "address_code": "R1"},
        {"name": "张伟", "phone": "13800000002", "address_code": "R2", "id_number": ID_B},
        {"name": "张伟", "phone": "13800000002", "address_code": "R2"},
    )
    result = link_records(frame, model)
    assert same(result, 0, 1)  # row 1 costs 2 pairs (phone, room): within the budget of 3
    assert not same(result, 2, 3)
    assert result.status[3] == DOUBTFUL
    assert any("记录对超过上限（3对）" in note for note in result.notes[3])


def test_one_person_on_many_rows_and_one_address_stay_linear() -> None:
    """Thousands of rows sharing every key: the pairs compared grow with the rows, not their
    square."""
    from wangge.fusion.linkage import DEFAULT_MODEL, _candidate_pairs

    row = {
        "name": "王建国",
        "phone": "13812345678",
        "address_code": "R1",
        "address_text": "幸福路1号",
    }
    frame = records({**row, "id_number": ID_A}, *([row] * 3000))
    candidates = _candidate_pairs(frame, list(range(1, 3001)))
    assert len(candidates.pairs) <= DEFAULT_MODEL.block_cap**2
    assert len(candidates.unchecked) == 3001 - DEFAULT_MODEL.block_cap
