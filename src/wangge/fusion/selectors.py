"""Read-only views of import batches and provenance, shaped for the pages and the API.

Callers pass a batch they already obtained through ``services.get_batch`` (which checks the
actor may see it) or a person from ``people.services.get_person`` (scoped and audited), so
nothing here checks permissions again. Staged records hold full ID numbers and phones; the
shapes returned here leave them out on purpose.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from wangge.addresses.models import Room
from wangge.fusion.fields import FIELDS, ROLES
from wangge.fusion.models import ImportBatch, SourceRecord, ValueSource
from wangge.fusion.normalise import ACCEPTED, DOUBTFUL, REJECTED
from wangge.fusion.services import staged_records
from wangge.people.models import Person

STATUS_LABELS = {ACCEPTED: "通过", DOUBTFUL: "待核实", REJECTED: "拒绝"}
ROW_COLUMNS = (
    "rid",
    "source_file",
    "source_sheet",
    "source_row",
    "name",
    "address_text",
    "address_code",
    "grid_code",
    "status",
    "reason",
)
PAGE_SIZE = 50


def sheet_key(file_name: str, sheet_name: str) -> str:
    return f"{file_name}|{sheet_name}"


def sheets_of(batch: ImportBatch) -> list[dict[str, Any]]:
    """Per file and sheet: header rows, notes and the column mapping with its evidence."""
    out = []
    for n_file, f in enumerate(batch.files):
        for n_sheet, s in enumerate(f["sheets"]):
            columns = []
            for c in s["columns"]:
                columns.append(
                    {
                        **c,
                        "value": f"{c['role']}:{c['field']}",
                        "role_label": ROLES.get(c["role"], c["role"]),
                        "field_label": FIELDS.get(c["field"], "（不导入）"),
                    }
                )
            out.append(
                {
                    "key": sheet_key(f["name"], s["name"]),
                    "slot": f"{n_file}-{n_sheet}",
                    "file": f["name"],
                    "sheet": s["name"],
                    "header_rows": s["header_rows"],
                    "rows": s["rows"],
                    "imported": s["imported"],
                    "notes": s["notes"],
                    "columns": columns,
                }
            )
    return out


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    rows = frame.select(ROW_COLUMNS).to_dicts()
    for row in rows:
        row["status_label"] = STATUS_LABELS.get(row["status"], row["status"])
        row["line"] = row["rid"] + 1
    return rows


@dataclass
class RowPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    status: str

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def rows_page(
    batch: ImportBatch, status: str = REJECTED, page: int = 1, size: int = PAGE_SIZE
) -> RowPage:
    """One page of the staged rows with a given status ('' for all), without identifiers."""
    frame = staged_records(batch) if batch.staged_file else None
    if frame is None:
        return RowPage([], 0, 1, 1, status)
    if status:
        frame = frame.filter(pl.col("status") == status)
    total = frame.height
    pages = max(1, math.ceil(total / size))
    page = min(max(1, page), pages)
    return RowPage(_rows(frame.slice((page - 1) * size, size)), total, page, pages, status)


def review_pairs(batch: ImportBatch) -> list[dict[str, Any]]:
    """The grey-zone pairs side by side, with the evidence and any decision taken."""
    review = batch.summary.get("review", [])
    if not review or not batch.staged_file:
        return []
    frame = staged_records(batch)
    wanted = {p["rid"] for p in review} | {p["other_rid"] for p in review}
    by_rid = {r["rid"]: r for r in _rows(frame.filter(pl.col("rid").is_in(list(wanted))))}
    return [
        {
            **pair,
            "row": by_rid.get(pair["rid"], {}),
            "other": by_rid.get(pair["other_rid"], {}),
            "decision": batch.decisions.get(str(pair["rid"]), ""),
        }
        for pair in review
    ]


def unmatched_addresses(batch: ImportBatch, limit: int = 200) -> list[dict[str, Any]]:
    """Rows whose address found no room, with the rooms the matcher suggests."""
    if not batch.staged_file:
        return []
    frame = staged_records(batch).filter(
        (pl.col("status") != REJECTED)
        & pl.col("address_text").is_not_null()
        & pl.col("address_code").is_null()
    )
    rows = frame.select([*ROW_COLUMNS, "address_candidates"]).head(limit).to_dicts()
    for row in rows:
        row["address_candidates"] = [c for c in (row["address_candidates"] or "").split("|") if c]
    codes = {code for row in rows for code in row["address_candidates"]}
    labels = {
        room.address_code: room.label
        for room in Room.objects.filter(address_code__in=codes).select_related("building", "unit")
    }
    for row in rows:
        row["line"] = row["rid"] + 1
        row["candidates"] = [
            {"code": code, "label": labels.get(code, "")}
            for code in row["address_candidates"] or []
        ]
    return rows


# -- provenance on the person page ----------------------------------------------------------

PROVENANCE_FIELDS = (
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("phone", "电话"),
    ("gender", "性别"),
    ("birth_date", "年龄"),
)


@dataclass
class FieldSource:
    field: str
    label: str
    value: str
    record: SourceRecord | None


@dataclass
class RecordValues:
    record: SourceRecord
    values: dict[str, str]
    differs: set[str] = field(default_factory=set)

    def cells(self) -> list[tuple[str, bool]]:
        return [(self.values[f], f in self.differs) for f, _ in PROVENANCE_FIELDS]


@dataclass
class Provenance:
    fields: list[FieldSource]
    records: list[RecordValues]
    labels: list[str]

    @property
    def conflicts(self) -> int:
        return sum(1 for r in self.records if r.differs)


def _birth(value: Any) -> str:
    """A full birth date plus a masked ID number gives most of the ID away, and the age shown
    on the page together with a birth year would halve the days left: the age only, for
    everyone. Those who may reveal see the full date through the audited reveal."""
    if not value:
        return ""
    today = datetime.date.today()
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    return f"{age}岁"


def person_provenance(person: Person) -> Provenance:
    """Where each value on the person came from, and every ledger row that named them."""
    records = list(
        SourceRecord.objects.filter(person=person)
        .select_related("batch")
        .order_by("-batch__created_at", "file_name", "sheet", "row")
    )
    sources = {
        vs.field: vs.record
        for vs in ValueSource.objects.filter(entity="person", entity_id=person.pk).select_related(
            "record__batch"
        )
    }
    current = {
        "name": person.name,
        "id_number": person.id_number_masked,
        "phone": person.phone_masked,
        "gender": person.gender or "",
        "birth_date": _birth(person.birth_date),
    }
    rows = []
    for record in records:
        values = {
            "name": record.name,
            "id_number": record.id_number_masked,
            "phone": record.phone_masked,
            "gender": record.gender,
            "birth_date": _birth(record.birth_date),
        }
        differs = {f for f, v in values.items() if v and current[f] and v != current[f]}
        # Masks hide the middle digits: the blind index tells whether the full values agree.
        if record.id_number_masked and person.id_number:
            differs.discard("id_number")
            if record.id_number_index != person.id_number_index:
                differs.add("id_number")
        if record.phone_masked and person.phone:
            differs.discard("phone")
            if record.phone_index != person.phone_index:
                differs.add("phone")
        if record.birth_date and person.birth_date and record.birth_date != person.birth_date:
            differs.add("birth_date")
        rows.append(RecordValues(record, values, differs))
    # A value no ValueSource names (a person an import created) came from the newest of the
    # person's rows that says it, as the commit chose it; a value no row says any more
    # (changed by hand or on a visit since) names no row.
    newest_first = sorted(
        rows,
        key=lambda r: (
            r.record.record_date or datetime.date.min,
            r.record.batch.created_at,
            r.record.pk,
        ),
        reverse=True,
    )
    for fld, _ in PROVENANCE_FIELDS:
        says = (r.record for r in newest_first if r.values[fld] and fld not in r.differs)
        if fld not in sources and current[fld] and (found := next(says, None)) is not None:
            sources[fld] = found
    fields = [FieldSource(f, label, current[f], sources.get(f)) for f, label in PROVENANCE_FIELDS]
    return Provenance(fields, rows, [label for _, label in PROVENANCE_FIELDS])
