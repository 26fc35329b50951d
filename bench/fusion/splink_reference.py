"""The reference to beat: Splink (DuckDB backend) linking the generated ledgers.

Usage::

    python -m bench.fusion.splink_reference DIR [--out DIR/splink_result.csv]

Splink is given every advantage the generator can offer without giving away the truth: the
ledgers are read with ``ledgers.json`` (sheets, header and data row ranges and the role of every
column), so Splink never has to find a header or guess which column is the tenant.  Cleaning is
light, as a careful analyst would do it in an afternoon: whitespace out of names, ID numbers
upper-cased with spaces removed, phones reduced to digits without the 86 prefix, the common
"北京市朝阳区京广路街道…社区" prefix cut from addresses, the birth date taken from the ID number
(18- or 15-digit) or else from the ledger's birth column, the birth year also from 年龄.

Model: Fellegi-Sunter with five comparisons - name (exact with term-frequency adjustment, then
Jaro-Winkler levels), ID number (exact, Levenshtein ≤1, ≤2), phone (exact), birth date (Splink's
DateOfBirthComparison) and address (Jaro levels) - blocking on ID, phone, name+birth year and
name+address prefix; u from random sampling, m by EM on two blocking rules, λ from deterministic
rules.  Pairs are predicted and clustered at match probability 0.9.  Splink links persons only,
so the result's address_code and grid_code are empty.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import logging
import time
from pathlib import Path
from typing import Any

import polars as pl

PERSON_ROLES = ("name", "id_number", "phone", "address", "birth", "age")
THRESHOLD = 0.9


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime | dt.date):
        return v.strftime("%Y-%m-%d")
    return str(v)


def read_ledgers(directory: Path) -> pl.DataFrame:
    """All person rows of all ledgers, with the roles the generator's metadata names."""
    meta = json.loads((directory / "ledgers.json").read_text("utf-8"))
    frames: list[pl.DataFrame] = []
    for m in meta:
        path = directory / "ledgers" / m["file"]
        roles: list[str] = m["columns"]
        wanted = {role: i for i, role in enumerate(roles) if role in PERSON_ROLES}
        date = m["date"]
        if m["format"] == "csv":
            text = path.read_bytes().decode(m["encoding"])
            df = pl.read_csv(io.StringIO(text), infer_schema=False, has_header=True)
            cols = df.columns
            frames.append(
                pl.DataFrame(
                    {
                        "source_file": [m["file"]] * df.height,
                        "source_sheet": [""] * df.height,
                        "source_row": list(range(2, df.height + 2)),
                        **{
                            role: df[cols[wanted[role]]].to_list() if role in wanted else None
                            for role in PERSON_ROLES
                        },
                        "ledger_date": [date] * df.height,
                    },
                    schema=_SCHEMA,
                )
            )
            continue
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        for sheet in m["sheets"]:
            rows = wb.get_sheet_by_name(sheet["name"]).to_python(skip_empty_area=False)
            data: dict[str, list[Any]] = {k: [] for k in _SCHEMA}
            for r in range(sheet["first_data_row"], sheet["last_data_row"] + 1):
                row = rows[r - 1] if r - 1 < len(rows) else []
                if not any(_cell(v) for v in row):
                    continue
                data["source_file"].append(m["file"])
                data["source_sheet"].append(sheet["name"])
                data["source_row"].append(r)
                for role in PERSON_ROLES:
                    i = wanted.get(role)
                    data[role].append(_cell(row[i]) if i is not None and i < len(row) else None)
                data["ledger_date"].append(date)
            frames.append(pl.DataFrame(data, schema=_SCHEMA))
    return pl.concat(frames)


_SCHEMA = {
    "source_file": pl.Utf8,
    "source_sheet": pl.Utf8,
    "source_row": pl.Int64,
    **dict.fromkeys(PERSON_ROLES, pl.Utf8),
    "ledger_date": pl.Utf8,
}


def clean(df: pl.DataFrame) -> pl.DataFrame:
    """Light cleaning (see module docstring)."""

    def empty_to_null(e: pl.Expr) -> pl.Expr:
        return pl.when(e.is_in(["", "无", "不详"])).then(None).otherwise(e)

    idn = pl.col("id_number").fill_null("").str.replace_all(r"\s", "").str.to_uppercase()
    phone = pl.col("phone").fill_null("").str.replace_all(r"\D", "")
    phone = pl.when(phone.str.len_chars() == 13).then(phone.str.slice(2)).otherwise(phone)
    address = (
        pl.col("address")
        .fill_null("")
        .str.strip_chars()
        .str.replace(r"^(北京市)?(朝阳区)?(京广路街道)?([^\d]{2,4}社区)?", "")
    )
    df = df.with_columns(
        name=empty_to_null(pl.col("name").fill_null("").str.replace_all(r"\s", "")),
        id_number=empty_to_null(idn),
        phone=empty_to_null(phone),
        address=empty_to_null(address),
    )
    from_id = (
        pl.when(pl.col("id_number").str.contains(r"^\d{17}[\dX]$"))
        .then(pl.col("id_number").str.slice(6, 8))
        .when(pl.col("id_number").str.contains(r"^\d{15}$"))
        .then(pl.lit("19") + pl.col("id_number").str.slice(6, 6))
    )
    birth_digits = pl.col("birth").fill_null("").str.replace_all(r"\D", "")
    dob8 = pl.coalesce(from_id, pl.when(birth_digits.str.len_chars() == 8).then(birth_digits))
    dob = dob8.str.strptime(pl.Date, "%Y%m%d", strict=False)
    age_year = pl.col("ledger_date").str.slice(0, 4).cast(pl.Int32) - pl.col("age").cast(
        pl.Int32, strict=False
    )
    birth_year = pl.coalesce(
        dob.dt.year(),
        pl.when(birth_digits.str.len_chars() >= 4)
        .then(birth_digits.str.slice(0, 4).cast(pl.Int32, strict=False))
        .otherwise(None),
        age_year,
    )
    return df.with_columns(
        dob=dob.dt.strftime("%Y-%m-%d"),
        birth_year=birth_year.cast(pl.Utf8),
        addr_prefix=pl.col("address").str.slice(0, 6),
    ).with_row_index("unique_id")


def run(directory: Path, out: Path) -> dict[str, float]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    raw = read_ledgers(directory)
    times["read"] = time.perf_counter() - t0
    t = time.perf_counter()
    df = clean(raw)
    times["clean"] = time.perf_counter() - t
    t = time.perf_counter()
    keys = df.select("unique_id", "source_file", "source_sheet", "source_row")
    table = df.select(
        "unique_id", "name", "id_number", "phone", "dob", "birth_year", "address", "addr_prefix"
    ).to_arrow()

    db_api = DuckDBAPI()
    sdf = db_api.register(table, dataset_display_name="ledgers")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.85, 0.65]).configure(
                term_frequency_adjustments=True
            ),
            cl.LevenshteinAtThresholds("id_number", [1, 2]),
            cl.ExactMatch("phone"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.JaroAtThresholds("address", [0.9, 0.75]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("id_number"),
            block_on("phone"),
            block_on("name", "birth_year"),
            block_on("name", "addr_prefix"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(sdf, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("id_number"), block_on("name", "phone")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=7)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id_number"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name", "dob"))
    times["train"] = time.perf_counter() - t
    t = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD)
    times["predict"] = time.perf_counter() - t
    t = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD
    )
    # Fetch straight into Polars: no pandas round trip for a million rows.
    cl_df = db_api._con.sql(  # noqa: SLF001
        f"select unique_id, cluster_id from {clusters.physical_name}"
    ).pl()
    assert isinstance(cl_df, pl.DataFrame)
    times["cluster"] = time.perf_counter() - t
    t = time.perf_counter()
    result = (
        keys.join(
            cl_df.with_columns(pl.col("unique_id").cast(pl.UInt32)), on="unique_id", how="left"
        )
        .with_columns(
            person_key=pl.lit("S") + pl.col("cluster_id").cast(pl.Utf8),
            household_key=pl.lit(""),
            address_code=pl.lit(""),
            grid_code=pl.lit(""),
            status=pl.lit("linked"),
            reason=pl.lit(""),
        )
        .select(
            "source_file",
            "source_sheet",
            "source_row",
            "person_key",
            "household_key",
            "address_code",
            "grid_code",
            "status",
            "reason",
        )  # fmt: skip
    )
    result.write_csv(out)
    times["write"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    times["rows"] = float(df.height)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Link the generated ledgers with Splink.")
    parser.add_argument("dir", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    out = args.out or args.dir / "splink_result.csv"
    times = run(args.dir, out)
    print(json.dumps({k: round(v, 2) for k, v in times.items()}))


if __name__ == "__main__":
    main()
