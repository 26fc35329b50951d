"""Scoped reads of what field forms wrote: the household file's update history.

The household page shows, beside each household's members, which values came from a visit form:
who sent it, which form and version, from which device, when. Whoever may open the household
file may see where its values came from (as the person page shows the ledgers behind each value);
the values themselves are shown as the file shows them: phones masked, birth dates not at all
(with a masked ID number a birth date rebuilds the whole number).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q

from wangge.forms.applying import HELD_NEWCOMER
from wangge.forms.conflicts import FIELD_NAMES as CONFLICT_FIELD_NAMES
from wangge.forms.models import Change, ChangeStatus
from wangge.people.phone import mask_phone

# The conflict inbox's names, and what only the history shows: a note is appended, never in
# conflict, so it reads as the visit's record here.
FIELD_NAMES = {
    **CONFLICT_FIELD_NAMES,
    "note": "走访记录",
    "tags": "标签",
    "moved_in": "迁入",
    "moved_out": "迁出",
}
HIDDEN_VALUES = {"birth_date", "id_number"}
WRITTEN = (ChangeStatus.APPLIED, ChangeStatus.ACCEPTED)


@dataclass(frozen=True)
class FieldUpdate:
    at: datetime.datetime
    whose: str  # a member's name, or "" for the household itself
    field: str
    value: str
    status: str
    username: str
    form: str
    device: str


def shown_value(field: str, value: str) -> str:
    if field in HIDDEN_VALUES:
        return "（已更新，不显示）"
    if field == HELD_NEWCOMER:  # the values sent, as JSON: only the name the visit gave
        try:
            sent = json.loads(value)
        except ValueError:
            sent = {}
        return str(sent.get("name") or "") if isinstance(sent, dict) else ""
    if field == "phone":
        return mask_phone(value)
    if field == "is_rental":
        return {"True": "是", "False": "否"}.get(value, value)
    return value[:200]


def household_updates(
    household_id: int, members: Sequence[tuple[int, str]], limit: int = 30
) -> list[FieldUpdate]:
    """The newest values forms wrote to a household and its members (`(pk, name)` pairs); the
    caller has already checked that the user may open the household file."""
    names = {str(pk): name for pk, name in members}
    rows = (
        Change.objects.filter(status__in=WRITTEN)
        .filter(
            Q(model="household", object_id=str(household_id))
            | Q(model="person", object_id__in=list(names))
        )
        .select_related("submission")
        .order_by("-at", "-pk")[:limit]
    )
    return [
        FieldUpdate(
            at=change.at,
            whose=names.get(change.object_id, "") if change.model == "person" else "",
            field=FIELD_NAMES.get(change.field, change.field),
            value=shown_value(change.field, change.submitted_value),
            status=change.get_status_display(),
            username=change.submission.username,
            form=" ".join(filter(None, (change.submission.form_code, change.submission.version))),
            device=change.submission.device_id[:40],
        )
        for change in rows
    ]
