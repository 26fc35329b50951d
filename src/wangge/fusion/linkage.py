"""Which person-rows are the same real person: certain rules first, a scored model for the rest.

The model reads like Splink's (comparisons with levels, each level a weight in bits, blocking
keys that decide which pairs are compared at all) but is tuned to how Chinese ledgers go wrong:

1. A valid ID number is the person. Two different valid numbers are never merged, whatever the
   names say; a row whose name shares no character with its number's other rows is held back
   for review (a family member's number typed into the wrong row).
2. An invalid number one typo away (one wrong digit, two swapped) from exactly one known
   person whose name agrees is repaired to it; a number Excel rounded to scientific notation
   is matched by its surviving leading digits the same way.
3. Rows without a usable number are compared with rows that share a blocking key
   (pinyin of the name + phone, + room, + birth date, + written address) and scored. Name
   agreement is worth less for common names (王伟 shares a phone with nobody by chance, but a
   birth date with many), phones shared by a family never suffice without the name, and a row
   joins a person only if the best match clears the threshold by a margin over the second:
   otherwise the pair goes to review rather than being guessed.

Every decision keeps its explanation. Pure Python + Polars, no Django.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import polars as pl
from rapidfuzz.fuzz import ratio

from wangge.fusion.id_typos import number_code, one_typo_apart, one_typo_codes
from wangge.fusion.normalise import ACCEPTED, DOUBTFUL, REJECTED
from wangge.people.idnumber import mask_id_number

# --- the model as data -------------------------------------------------------------------


@dataclass(frozen=True)
class LinkModel:
    link_threshold: float = 13.0  # bits of evidence needed to join a person
    review_threshold: float = 8.0  # below link_threshold but at least this: ask a person
    margin: float = 4.0  # best match must beat the second-best person by this much
    name_m: float = 0.95  # P(names agree | same person)
    name_weight_min: float = 4.0
    name_weight_max: float = 12.0
    homophone_penalty: float = 3.0
    similar_name: float = 1.0
    different_name: float = -12.0
    phone_same: float = 8.0
    phone_different: float = -1.5
    room_same: float = 6.0
    room_different: float = -1.0
    address_text_same: float = 5.0
    birth_same: float = 9.0
    birth_year_same: float = 2.0
    birth_year_close: float = 1.0  # within a year, when one side is estimated from an age
    birth_different: float = -9.0
    gender_different: float = -8.0
    id_one_typo: float = 8.0
    id_different: float = -6.0
    # Bounds that keep linkage linear in the input whatever its shape (one person's daily
    # records, a placeholder typed on every row, a whole ledger at one address): rows sharing a
    # blocking key are compared only within the first `block_cap` of them (in row order), and a
    # batch compares at most `pair_budget_per_row` pairs per row read (never fewer than
    # `pair_budget_min`). A row left out by either bound, and claimed by nobody, goes to review.
    block_cap: int = 100
    pair_budget_per_row: int = 10
    pair_budget_min: int = 500_000


DEFAULT_MODEL: Final = LinkModel()


@dataclass(frozen=True)
class Evidence:
    label: str
    weight: float

    def __str__(self) -> str:
        return f"{self.label} {self.weight:+.1f}"


@dataclass(frozen=True)
class ReviewPair:
    """A grey-zone pair for a person to decide: the row and the person it might be."""

    rid: int
    other_rid: int
    score: float
    evidence: tuple[Evidence, ...]

    def explain(self) -> str:
        return "，".join(str(e) for e in self.evidence) + f"，合计 {self.score:+.1f}"


@dataclass
class LinkResult:
    cluster: list[int]  # per rid: cluster id, -1 for rejected rows
    status: list[str]
    notes: dict[int, list[str]] = field(default_factory=dict)
    repaired_id: dict[int, str] = field(default_factory=dict)
    review: list[ReviewPair] = field(default_factory=list)


# --- linkage -------------------------------------------------------------------------------


def link_records(records: pl.DataFrame, model: LinkModel = DEFAULT_MODEL) -> LinkResult:
    """Cluster the records (RECORD_SCHEMA plus `rid` = 0..n-1 in order).

    The ID steps run over whole columns (Polars joins); only the rows they leave open and the
    pairs blocking proposes are looked at one by one.
    """
    n = records.height
    records = records.with_columns(pl.col("rid").cast(pl.Int64))
    # One shared string per status, not a million copies of three strings.
    statuses = (ACCEPTED, DOUBTFUL, REJECTED)
    codes = records.get_column("status").replace_strict(statuses, range(3), return_dtype=pl.Int8)
    status: list[str] = [statuses[c] for c in codes.to_list()]
    live = (records.get_column("status") != REJECTED).to_numpy()
    cluster = np.full(n, -1, dtype=np.int64)
    notes: dict[int, list[str]] = defaultdict(list)
    result = LinkResult([], status, notes)

    # 1. A valid ID number is the person: one cluster per number, numbered by first row. The
    # most common name under each number tells a family member's number in the wrong row.
    identified = (
        records.lazy()
        .filter((pl.col("status") != REJECTED) & pl.col("id_number").is_not_null())
        .select("rid", "id_number", "name", "name_key")
        .collect()
    )
    numbered = (
        identified.lazy()
        .group_by("id_number")
        .agg(pl.col("rid").min().alias("first"))
        .sort("first")
        .with_row_index("cid")
        .select(pl.col("cid").cast(pl.Int64), "id_number")
        .join(_dominant_names(identified).lazy(), on="id_number")
        .sort("cid")
        .collect()
    )
    cluster_key: list[str] = numbered.get_column("d_key").to_list()
    dominant_names: list[str] = numbered.get_column("d_name").to_list()
    with_id = identified.join(numbered.select("cid", "id_number", "d_key"), on="id_number")
    del identified
    cluster[with_id.get_column("rid").to_numpy()] = with_id.get_column("cid").to_numpy()
    stray = sorted(
        (rid, cid, number)
        for rid, cid, number, name in with_id.filter(pl.col("name_key") != pl.col("d_key"))
        .select("rid", "cid", "id_number", "name")
        .iter_rows()
        if not set(name) & set(dominant_names[cid])
    )
    next_cluster = numbered.height
    for rid, cid, number in stray:
        # Kept apart and asked about rather than merged.
        cluster[rid] = next_cluster
        next_cluster += 1
        status[rid] = DOUBTFUL
        notes[rid].append(
            f"身份证号{mask_id_number(number)}还登记在“{dominant_names[cid]}”名下，"
            "姓名不符，未合并，请核实"
        )
    del with_id

    # 2. Repair typed-wrong and Excel-rounded numbers against known persons.
    _repair_numbers(records, numbered, cluster, live, cluster_key, status, notes, result)

    # 3. Score the rest against everyone who shares a blocking key.
    frequency = _name_frequency(records, cluster)
    persons = max(1, next_cluster or n)  # the clusters so far are numbered 0..next_cluster-1
    pending = np.flatnonzero(live & (cluster < 0)).tolist()
    if pending:
        candidates = _candidate_pairs(records, pending, model)
        pairs = candidates.pairs
        involved = sorted({r for pair in pairs for r in pair})
        subset = records.join(
            pl.DataFrame({"rid": involved}, schema={"rid": pl.Int64}),
            on="rid",
            how="semi",
        ).select("rid", *_USED)
        scored = score_pairs(pairs, subset, model, frequency, persons)
        scores = scored.get_column("score").to_list()
        details = scored.get_column("detail").to_list()
        position = {rid: n for n, rid in enumerate(subset.get_column("rid").to_list())}

        def explain(a: int, b: int) -> tuple[Evidence, ...]:
            # Only review pairs are explained as objects: the two rows are read when asked.
            rows = {r: subset.row(position[r], named=True) for r in (a, b)}
            cols = {c: {r: rows[r][c] for r in rows} for c in _USED}
            return score_pair(a, b, cols, model, frequency, persons)[1]

        _attach_or_group(pairs, scores, details, explain, cluster, status, notes, result, model)
        for rid, why in candidates.unchecked.items():
            # Left out by a bound and claimed by nobody: a person decides, not a guess.
            if cluster[rid] < 0 and status[rid] != DOUBTFUL:
                status[rid] = DOUBTFUL
                notes[rid].append(why)
    rest = np.flatnonzero(live & (cluster < 0))
    base = int(cluster.max(initial=-1)) + 1
    cluster[rest] = np.arange(base, base + rest.size)
    result.cluster = cluster.tolist()
    result.notes = dict(notes)
    return result


def _repair_numbers(
    records: pl.DataFrame,
    numbered: pl.DataFrame,
    cluster: np.ndarray[Any, Any],
    live: np.ndarray[Any, Any],
    cluster_key: list[str],
    status: list[str],
    notes: dict[int, list[str]],
    result: LinkResult,
) -> None:
    """An invalid number one typo from a known number, or a rounded number whose surviving
    digits start one, joins that person when exactly one such person's name agrees.

    Candidates come from joins: every one-typo variant of each typed number against the known
    numbers, every known number's leading digits against the rounded prefixes."""
    open_rows = pl.Series(live & (cluster < 0))
    todo = records.select("rid", "name_key", "id_typed", "id_prefix").filter(open_rows)
    known = numbered.select("cid", "id_number")
    typed = todo.filter(pl.col("id_typed").is_not_null())
    known_codes = known.select("cid", number_code(pl.col("id_number")).alias("code"))
    hits = [  # a few thousand rows at a time: each has ~200 variants
        one_typo_codes(typed.slice(start, _TYPO_SLICE))
        .join(known_codes, on="code")
        .select("rid", "cid")
        for start in range(0, typed.height, _TYPO_SLICE)
    ]
    rounded = todo.filter(pl.col("id_typed").is_null() & pl.col("id_prefix").is_not_null())
    for length in sorted(set(rounded.get_column("id_prefix").str.len_chars().to_list())):
        hits.append(
            rounded.filter(pl.col("id_prefix").str.len_chars() == length)
            .join(
                known.with_columns(pl.col("id_number").str.slice(0, length).alias("id_prefix")),
                on="id_prefix",
            )
            .select("rid", "cid")
        )
    found: dict[int, set[int]] = defaultdict(set)
    for rid, cid in (row for frame in hits for row in frame.iter_rows()):
        found[rid].add(cid)
    keys = dict(todo.select("rid", "name_key").iter_rows())
    typed_rows = set(typed.get_column("rid").to_list())
    number_of = numbered.get_column("id_number").to_list()
    for rid in sorted(found):
        how = (
            "身份证号有一位录错或相邻两位颠倒"
            if rid in typed_rows
            else "身份证号被Excel转成科学计数法"
        )
        agreeing = {cid for cid in found[rid] if _names_agree(keys[rid], cluster_key[cid])}
        if len(agreeing) == 1:
            cid = agreeing.pop()
            cluster[rid] = cid
            repaired = number_of[cid]
            result.repaired_id[rid] = repaired
            notes[rid].append(f"{how}，按同名记录修复为{mask_id_number(repaired)}")
        elif len(agreeing) > 1:
            status[rid] = DOUBTFUL
            notes[rid].append(f"{how}，可能是{len(agreeing)}个不同的人，请核实")


_USED: Final = (
    "name",
    "name_key",
    "id_number",
    "id_typed",
    "id_prefix",
    "phone",
    "birth_date",
    "birth_year",
    "birth_year_exact",
    "gender",
    "address_code",
    "address_text",
)


_TYPO_SLICE: Final = 5_000


def _dominant_names(identified: pl.DataFrame) -> pl.DataFrame:
    """For each valid ID number: the name key (d_key) and a name (d_name) written most often
    under it, ties to the earliest row. ``identified`` are the live rows with a valid number
    (rid, id_number, name, name_key)."""
    return (
        identified.lazy()
        .group_by("id_number", "name_key")
        .agg(pl.len().alias("n"), pl.col("name").first(), pl.col("rid").min())
        .sort(["n", "rid"], descending=[True, False])
        .group_by("id_number", maintain_order=True)
        .first()
        .select("id_number", pl.col("name_key").alias("d_key"), pl.col("name").alias("d_name"))
        .collect()
    )


def _names_agree(key: str, person_key: str) -> bool:
    """Same pinyin, or close to it with the same surname (a one-character typo)."""
    return key == person_key or (
        ratio(key, person_key) >= 80 and key.split(" ")[:1] == person_key.split(" ")[:1]
    )


def _name_frequency(records: pl.DataFrame, cluster: np.ndarray[Any, Any]) -> dict[str, int]:
    """How many distinct persons carry each name key: common names weigh less. Rows not yet
    in a cluster count as persons of their own."""
    frame = records.select("rid", "name_key", "status").with_columns(
        pl.Series("cluster", cluster, dtype=pl.Int64)
    )
    counted = (
        frame.filter(pl.col("status") != REJECTED)
        .with_columns(
            pl.when(pl.col("cluster") >= 0)
            .then(pl.col("cluster"))
            .otherwise(-1 - pl.col("rid").cast(pl.Int64))
            .alias("person")
        )
        .select("name_key", "person")
        .unique()
        .group_by("name_key")
        .len()
    )
    return dict(
        zip(
            counted.get_column("name_key").to_list(),
            counted.get_column("len").to_list(),
            strict=True,
        )
    )


_BLOCKS: Final = (
    ("phone", pl.col("phone")),
    ("address_code", pl.col("address_code")),
    ("birth_date", pl.col("birth_date")),
    ("address_text", pl.col("address_text").str.replace_all(r"\s+", "")),
)
_BLOCK_LABELS: Final = {
    "phone": "姓名读音和电话",
    "address_code": "姓名读音和户室",
    "birth_date": "姓名读音和出生日期",
    "address_text": "姓名读音和地址",
}


@dataclass
class Candidates:
    """The pairs blocking proposes, and the pending rows some bound kept from being compared
    (row → why, in Chinese), to be sent to review if nobody claims them."""

    pairs: list[tuple[int, int]]
    unchecked: dict[int, str]


def _candidate_pairs(
    records: pl.DataFrame, pending: Sequence[int], model: LinkModel = DEFAULT_MODEL
) -> Candidates:
    """Pairs (pending row, any other row) sharing a blocking key: name pinyin plus one of
    phone, room, birth date, written address.

    Keys are 64-bit hashes, one block at a time, so a million rows never hold four columns of
    long strings at once; a hash collision only adds a pair that scoring then rejects.

    Bounded so that memory and time stay linear whatever the ledger's shape: within a key only
    the first `model.block_cap` rows (row order) are paired, and the pairs are counted before
    any is made, so that rows beyond `pair_budget` (in row order) are not paired at all. Both
    leave rows in `unchecked`.
    """
    cap = max(2, model.block_cap)
    budget = max(model.pair_budget_min, model.pair_budget_per_row * records.height)
    live = records.select("rid", "status", "name_key", *(column for column, _ in _BLOCKS)).filter(
        pl.col("status") != REJECTED
    )
    mine_rids = pl.DataFrame({"rid": list(pending)}, schema={"rid": pl.Int64})
    unchecked: dict[int, str] = {}
    blocks: list[pl.DataFrame] = []  # per block: rid, key, place in key, size of key
    for column, expr in _BLOCKS:
        keys = (
            live.filter(pl.col(column).is_not_null())
            .select(
                pl.col("rid").cast(pl.Int64),
                pl.concat_str([pl.col("name_key"), expr], separator="|").hash().alias("key"),
            )
            .with_columns(
                pl.int_range(pl.len(), dtype=pl.Int64).over("key").alias("place"),
                pl.len().over("key").cast(pl.Int64).alias("size"),
            )
        )
        beyond = keys.filter(pl.col("place") >= cap).join(mine_rids, on="rid", how="semi")
        for rid, size in beyond.select("rid", "size").iter_rows():
            unchecked.setdefault(
                rid,
                f"与另外{size - 1}条记录{_BLOCK_LABELS[column]}相同，超过逐一比对的上限"
                f"（{cap}条），未比对，请核实",
            )
        blocks.append(keys.filter(pl.col("place") < cap))
    # What each pending row would cost (an upper bound: a pair two blocks share counts twice),
    # and where the budget runs out in row order.
    cost = (
        pl.concat(
            [
                block.join(mine_rids, on="rid", how="semi").select(
                    "rid", (pl.min_horizontal("size", pl.lit(cap)) - 1).alias("pairs")
                )
                for block in blocks
            ]
        )
        .group_by("rid")
        .agg(pl.col("pairs").sum())
        .sort("rid")
        .with_columns(pl.col("pairs").cum_sum().alias("spent"))
    )
    over = cost.filter(pl.col("spent") > budget).get_column("rid")
    for rid in over.to_list():
        unchecked.setdefault(rid, f"本批待比对的记录对超过上限（{budget}对），此行未比对，请核实")
    mine_rids = mine_rids.join(over.to_frame(), on="rid", how="anti")
    found = []
    for keys in blocks:
        keys = keys.select("rid", "key")
        mine = keys.join(mine_rids, on="rid", how="semi")
        found.append(
            mine.join(keys, on="key", suffix="_other")
            .filter(pl.col("rid") != pl.col("rid_other"))
            .select("rid", "rid_other")
        )
    joined = pl.concat(found).unique().sort("rid", "rid_other")  # ties break the same way every run
    pairs = list(
        zip(
            joined.get_column("rid").to_list(),
            joined.get_column("rid_other").to_list(),
            strict=True,
        )
    )
    return Candidates(pairs, unchecked)


def score_pair(
    a: int,
    b: int,
    cols: dict[str, Any],
    model: LinkModel,
    frequency: dict[str, int],
    persons: int,
) -> tuple[float, tuple[Evidence, ...]]:
    """Sum of evidence weights (bits) that rows a and b are the same person."""
    ev: list[Evidence] = []
    name_a, name_b = cols["name"][a], cols["name"][b]
    key_a, key_b = cols["name_key"][a], cols["name_key"][b]
    u = max(frequency.get(key_a, 1), 1) / persons
    name_weight = min(
        max(math.log2(model.name_m / u), model.name_weight_min), model.name_weight_max
    )
    if name_a == name_b:
        ev.append(Evidence(f"姓名相同（{name_a}）", name_weight))
    elif key_a == key_b:
        ev.append(Evidence(f"姓名同音（{name_a}/{name_b}）", name_weight - model.homophone_penalty))
    elif ratio(name_a, name_b) >= 60 and name_a[:1] == name_b[:1]:
        ev.append(Evidence(f"姓名相近（{name_a}/{name_b}）", model.similar_name))
    else:
        ev.append(Evidence(f"姓名不同（{name_a}/{name_b}）", model.different_name))

    phone_a, phone_b = cols["phone"][a], cols["phone"][b]
    if phone_a and phone_b:
        if phone_a == phone_b:
            ev.append(Evidence("电话相同", model.phone_same))
        else:
            ev.append(Evidence("电话不同", model.phone_different))

    room_a, room_b = cols["address_code"][a], cols["address_code"][b]
    if room_a and room_b:
        if room_a == room_b:
            ev.append(Evidence("同一户室", model.room_same))
        else:
            ev.append(Evidence("户室不同", model.room_different))
    elif cols["address_text"][a] and cols["address_text"][a] == cols["address_text"][b]:
        ev.append(Evidence("地址原文相同", model.address_text_same))

    birth_a, birth_b = cols["birth_date"][a], cols["birth_date"][b]
    year_a, year_b = cols["birth_year"][a], cols["birth_year"][b]
    if birth_a and birth_b:
        if birth_a == birth_b:
            ev.append(Evidence("出生日期相同", model.birth_same))
        else:
            ev.append(Evidence("出生日期不同", model.birth_different))
    elif year_a is not None and year_b is not None:
        exact = cols["birth_year_exact"][a] and cols["birth_year_exact"][b]
        if year_a == year_b:
            ev.append(Evidence("出生年份相同", model.birth_year_same))
        elif not exact and abs(year_a - year_b) <= 1:
            ev.append(Evidence("出生年份相近（由年龄推算）", model.birth_year_close))
        else:
            ev.append(Evidence("出生年份不同", model.birth_different))

    gender_a, gender_b = cols["gender"][a], cols["gender"][b]
    if gender_a and gender_b and gender_a != gender_b:
        ev.append(Evidence("性别不同", model.gender_different))

    id_a = cols["id_number"][a] or ""
    id_b = cols["id_number"][b] or ""
    if id_a and id_b and id_a != id_b:
        ev.append(Evidence("身份证号不同", -100.0))  # never: two valid numbers are two people
    elif id_a or id_b:
        typed = cols["id_typed"][b] if id_a else cols["id_typed"][a]
        if typed and one_typo_apart(typed, id_a or id_b):
            ev.append(Evidence("身份证号仅差一位", model.id_one_typo))
    return sum(e.weight for e in ev), tuple(ev)


def score_pairs(
    pairs: list[tuple[int, int]],
    rows: pl.DataFrame,
    model: LinkModel,
    frequency: dict[str, int],
    persons: int,
) -> pl.DataFrame:
    """`score_pair` for every pair at once, as column expressions: `score`, the same weights
    added in the same order (so the same floats), and `detail`, its evidence as text. (Name
    weights and the rare ID-typo check are computed per distinct value in Python, as
    `score_pair` computes them.) Both are tested against `score_pair`."""
    col = pl.col
    if not pairs:
        return pl.DataFrame(schema={"score": pl.Float64, "detail": pl.Utf8})
    side = {s: rows.rename({c: f"{c}_{s}" for c in _USED}).rename({"rid": s}) for s in "ab"}
    frame = (
        pl.DataFrame(pairs, schema={"a": pl.Int64, "b": pl.Int64}, orient="row")
        .join(side["a"], on="a", how="left", maintain_order="left")
        .join(side["b"], on="b", how="left", maintain_order="left")
    )
    weights = {
        key: min(
            max(
                math.log2(model.name_m / (max(frequency.get(key, 1), 1) / persons)),
                model.name_weight_min,
            ),
            model.name_weight_max,
        )
        for key in frame.get_column("name_key_a").unique().to_list()
    }
    names_a = frame.get_column("name_a").to_list()
    names_b = frame.get_column("name_b").to_list()
    near = [
        x != y and x[:1] == y[:1] and ratio(x, y) >= 60
        for x, y in zip(names_a, names_b, strict=True)
    ]

    def given(name: str) -> pl.Expr:
        return col(name).is_not_null() & (col(name).cast(pl.Utf8) != "")

    def both(name: str) -> pl.Expr:
        return given(f"{name}_a") & given(f"{name}_b")

    def same(name: str) -> pl.Expr:
        return col(f"{name}_a") == col(f"{name}_b")

    zero = pl.lit(0.0)
    name_part = (
        pl.when(same("name"))
        .then(col("name_weight"))
        .when(same("name_key"))
        .then(col("name_weight") - model.homophone_penalty)
        .when(pl.Series(near))
        .then(pl.lit(model.similar_name))
        .otherwise(pl.lit(model.different_name))
    )
    phone_part = (
        pl.when(both("phone") & same("phone"))
        .then(pl.lit(model.phone_same))
        .when(both("phone"))
        .then(pl.lit(model.phone_different))
        .otherwise(zero)
    )
    room_part = (
        pl.when(both("address_code") & same("address_code"))
        .then(pl.lit(model.room_same))
        .when(both("address_code"))
        .then(pl.lit(model.room_different))
        .when(given("address_text_a") & same("address_text").fill_null(False))
        .then(pl.lit(model.address_text_same))
        .otherwise(zero)
    )
    years = col("birth_year_a").is_not_null() & col("birth_year_b").is_not_null()
    exact = col("birth_year_exact_a").fill_null(False) & col("birth_year_exact_b").fill_null(False)
    birth_part = (
        pl.when(both("birth_date") & same("birth_date"))
        .then(pl.lit(model.birth_same))
        .when(both("birth_date"))
        .then(pl.lit(model.birth_different))
        .when(years & same("birth_year"))
        .then(pl.lit(model.birth_year_same))
        .when(years & ~exact & ((col("birth_year_a") - col("birth_year_b")).abs() <= 1))
        .then(pl.lit(model.birth_year_close))
        .when(years)
        .then(pl.lit(model.birth_different))
        .otherwise(zero)
    )
    gender_part = (
        pl.when(both("gender") & ~same("gender"))
        .then(pl.lit(model.gender_different))
        .otherwise(zero)
    )
    frame = frame.with_columns(
        col("name_key_a").replace_strict(weights, return_dtype=pl.Float64).alias("name_weight")
    )
    # An ID number on one side only, and a typed number on the other: one typo apart?
    one_side = given("id_number_a") ^ given("id_number_b")
    typed = pl.when(given("id_number_a")).then(col("id_typed_b")).otherwise(col("id_typed_a"))
    number = pl.coalesce(pl.when(given("id_number_a")).then(col("id_number_a")), col("id_number_b"))
    checks = frame.select(
        pl.when(one_side & typed.is_not_null() & (typed != "")).then(typed).alias("typed"),
        number.alias("number"),
    )
    typo = [
        t is not None and one_typo_apart(t, n)
        for t, n in zip(
            checks.get_column("typed").to_list(), checks.get_column("number").to_list(), strict=True
        )
    ]
    id_part = (
        pl.when(both("id_number") & ~same("id_number"))
        .then(pl.lit(-100.0))
        .when(pl.Series(typo))
        .then(pl.lit(model.id_one_typo))
        .otherwise(zero)
    )
    total = name_part + phone_part + room_part + birth_part + gender_part + id_part

    def told(label: pl.Expr | str, weight: pl.Expr) -> pl.Expr:
        return pl.concat_str(
            [pl.lit(label) if isinstance(label, str) else label, _signed(weight)], separator=" "
        )

    name_label = (
        pl.when(same("name"))
        .then(pl.format("姓名相同（{}）", col("name_a")))
        .when(same("name_key"))
        .then(pl.format("姓名同音（{}/{}）", col("name_a"), col("name_b")))
        .when(pl.Series(near))
        .then(pl.format("姓名相近（{}/{}）", col("name_a"), col("name_b")))
        .otherwise(pl.format("姓名不同（{}/{}）", col("name_a"), col("name_b")))
    )
    phone_label = pl.when(both("phone")).then(
        pl.when(same("phone")).then(pl.lit("电话相同")).otherwise(pl.lit("电话不同"))
    )
    room_label = (
        pl.when(both("address_code"))
        .then(pl.when(same("address_code")).then(pl.lit("同一户室")).otherwise(pl.lit("户室不同")))
        .when(given("address_text_a") & same("address_text").fill_null(False))
        .then(pl.lit("地址原文相同"))
    )
    birth_label = (
        pl.when(both("birth_date"))
        .then(
            pl.when(same("birth_date"))
            .then(pl.lit("出生日期相同"))
            .otherwise(pl.lit("出生日期不同"))
        )
        .when(years & same("birth_year"))
        .then(pl.lit("出生年份相同"))
        .when(years & ~exact & ((col("birth_year_a") - col("birth_year_b")).abs() <= 1))
        .then(pl.lit("出生年份相近（由年龄推算）"))
        .when(years)
        .then(pl.lit("出生年份不同"))
    )
    gender_label = pl.when(both("gender") & ~same("gender")).then(pl.lit("性别不同"))
    id_label = (
        pl.when(both("id_number") & ~same("id_number"))
        .then(pl.lit("身份证号不同"))
        .when(pl.Series(typo))
        .then(pl.lit("身份证号仅差一位"))
    )
    detail = pl.concat_str(
        [
            told(name_label, name_part),
            told(phone_label, phone_part),
            told(room_label, room_part),
            told(birth_label, birth_part),
            told(gender_label, gender_part),
            told(id_label, id_part),
        ],
        separator="，",
        ignore_nulls=True,
    )
    return frame.select(total.alias("score"), detail.alias("detail"))


def _signed(weight: pl.Expr) -> pl.Expr:
    """f"{weight:+.1f}" for a column."""
    tenths = (weight * 10).round(0).cast(pl.Int64)
    size = tenths.abs()
    return pl.concat_str(
        [
            pl.when(tenths < 0).then(pl.lit("-")).otherwise(pl.lit("+")),
            (size // 10).cast(pl.Utf8),
            pl.lit("."),
            (size % 10).cast(pl.Utf8),
        ]
    )


def _attach_or_group(
    pairs: list[tuple[int, int]],
    scores: list[float],
    details: list[str],
    explain: Callable[[int, int], tuple[Evidence, ...]],
    cluster: np.ndarray[Any, Any],
    status: list[str],
    notes: dict[int, list[str]],
    result: LinkResult,
    model: LinkModel,
) -> None:
    """Decide on scores. A merge's note is its `detail`; the evidence is spelt out as objects
    only for the pairs that go to review."""
    # Best score per (pending row, known person); pending-pending pairs are grouped after.
    best: dict[int, dict[int, tuple[float, int, int]]] = defaultdict(dict)
    loose: list[tuple[float, int, int, int]] = []
    known = cluster.tolist()
    for n, ((a, b), score) in enumerate(zip(pairs, scores, strict=True)):
        cb = known[b]
        if cb >= 0:
            current = best[a].get(cb)
            if current is None or score > current[0]:
                best[a][cb] = (score, b, n)
        elif a < b:
            loose.append((score, a, b, n))

    for a, options in best.items():
        ranked = sorted(options.items(), key=lambda kv: -kv[1][0])
        (cid, (score, b, n)) = ranked[0]
        second = ranked[1][1][0] if len(ranked) > 1 else -math.inf
        if score >= model.link_threshold and score - second >= model.margin:
            cluster[a] = cid
            notes[a].append(f"按相似度合并：{details[n]}，合计 {score:+.1f}")
        elif score >= model.review_threshold:
            status[a] = DOUBTFUL
            pair = ReviewPair(a, b, score, explain(a, b))
            result.review.append(pair)
            why = "与其他人的分数接近" if score >= model.link_threshold else "证据不足"
            notes[a].append(f"疑似与第{b + 1}条记录为同一人（{why}）：{pair.explain()}，请核实")

    # Rows no known person claimed: group them among themselves.
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for score, a, b, n in sorted(loose, key=lambda t: -t[0]):
        if cluster[a] >= 0 or cluster[b] >= 0:
            continue
        if score >= model.link_threshold:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
                notes[max(a, b)].append(f"按相似度合并：{details[n]}，合计 {score:+.1f}")
        elif score >= model.review_threshold and status[b] != DOUBTFUL:
            status[b] = DOUBTFUL
            pair = ReviewPair(b, a, score, explain(a, b))
            result.review.append(pair)
            notes[b].append(f"疑似与第{a + 1}条记录为同一人（证据不足）：{pair.explain()}，请核实")
    if parent:
        base = int(cluster.max(initial=-1)) + 1
        roots: dict[int, int] = {}
        for x in list(parent):
            r = find(x)
            cid = roots.setdefault(r, base + len(roots))
            cluster[x] = cid
            cluster[r] = cid


__all__ = [
    "ACCEPTED",
    "DEFAULT_MODEL",
    "Evidence",
    "LinkModel",
    "LinkResult",
    "ReviewPair",
    "link_records",
    "score_pair",
]
