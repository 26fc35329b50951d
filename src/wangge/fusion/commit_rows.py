"""How the ledger rows of one person become the values a commit writes.

Why apart from the writer (`committing.py`): these are the commit's rules about a person's
rows (which value wins, which residence type and relation the words mean, where a row was
written, what a before-image keeps), read by both the chunk writer and the publish step
(`publishing.py`), and specified one by one in the tests.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from wangge.people.models import ResidenceType

PERSON_FIELDS = ("name", "id_number", "phone", "gender", "birth_date", "ethnicity")

RESIDENCE_TYPES = {
    "户籍": ResidenceType.REGISTERED,
    "户籍人口": ResidenceType.REGISTERED,
    "常住": ResidenceType.REGISTERED,
    "流动": ResidenceType.FLOATING,
    "流动人口": ResidenceType.FLOATING,
    "暂住": ResidenceType.FLOATING,
    "租住": ResidenceType.FLOATING,
}


def resolve(group: list[dict[str, Any]]) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Each field's value and the row it came from: valid beats missing, newer beats older
    (rows come oldest first), the cluster's first ID number is kept (they agree); a full
    birth date beats a year (the pipeline already chose it)."""
    if len(group) == 1:  # most persons: one row, every value its own
        row = group[0]
        return {f: (v, row) for f in PERSON_FIELDS if (v := row[f]) is not None and v != ""}
    values: dict[str, tuple[Any, dict[str, Any]]] = {}
    for row in reversed(group):  # newest first: the first value seen is kept
        for fld in PERSON_FIELDS:
            if fld not in values and (v := row[fld]) is not None and v != "":
                values[fld] = (v, row)
    for row in group:  # but the oldest ID number
        if row["id_number"]:
            values["id_number"] = (row["id_number"], row)
            break
    return values


def raw_row(instance: Any) -> dict[str, Any]:
    """Column values as stored (ciphertexts stay encrypted), JSON-safe."""
    out: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if f.primary_key:
            continue
        value = getattr(instance, f.attname)
        if hasattr(f, "get_prep_value") and f.get_internal_type() == "TextField" and value:
            value = f.get_prep_value(value)
        if isinstance(value, datetime.datetime | datetime.date):
            value = value.isoformat()
        out[f.attname] = value
    return out


def where_written(row: dict[str, Any]) -> str:
    sheet = f"［{row['source_sheet']}］" if row["source_sheet"] else ""
    return f"{row['source_file']}{sheet}第{row['source_row']}行"


def residence_type(group: list[dict[str, Any]]) -> str:
    for row in reversed(group):
        written = row.get("residence_type")
        if written:
            found = RESIDENCE_TYPES.get(written.strip())
            if found:
                return found
    return ResidenceType.REGISTERED


@functools.lru_cache(maxsize=512)
def relation(text: str | None) -> str:
    from wangge.people.models import Relation

    value = (text or "").strip()
    for choice, label in Relation.choices:
        if value and (value in (label, choice)):
            return str(choice)
    aliases = {
        "本人": Relation.HEAD,
        "妻": Relation.SPOUSE,
        "夫": Relation.SPOUSE,
        "子": Relation.CHILD,
        "女": Relation.CHILD,
        "父": Relation.PARENT,
        "母": Relation.PARENT,
        "孙": Relation.GRANDCHILD,
        "租": Relation.TENANT,
    }
    for word, relation in aliases.items():
        if word in value:
            return str(relation)
    return str(Relation.OTHER)
