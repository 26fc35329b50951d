"""`places.csv`: the places a user may inspect, the roster a checklist's place is chosen from in
ODK Collect (`select_one_from_file places.csv`). Collect cannot fill the hidden `task_id` or
`place_id` the workbench fills, so without this list a checklist it sent could never name its
place.

The rows are the places the user holds the right to change (record hazards at): their grids'
places, as the hazards service checks it. Only what finds the door: the place's number
(`name`, what the answer sends), its name and kind, its address, its grid. Never the
responsible person or phone (personal data handed out in bulk to every phone).

Registered with the forms app (`forms.roster.register_roster`, from `InspectionsConfig.ready`),
which serves it in each checklist's manifest with its MD5; the cache key moves when a place of
the user's scope is added, changed, moved or removed, so Collect downloads it again then.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, QuerySet
from django.utils import translation

from wangge.access.scoping import Right, scope_for, visible_to
from wangge.inspections.models import Place

PLACES_FILE = "places.csv"
HEADER = ["name", "label", "kind", "address", "grid"]


def places_in_scope(user: Any) -> QuerySet[Place]:
    """The places `user` may record hazards at (the right the checklist's applier asks)."""
    return visible_to(user, Place.objects.all(), Right.CHANGE)


def roster_key(user: Any) -> str:
    """Moves whenever `build` would answer differently for `user`: their writable grids, and
    the count, newest change and highest id of the places in them (a deletion moves the
    count, a rename or a move to another grid the newest change)."""
    scope = scope_for(user)
    seen = places_in_scope(user).aggregate(n=Count("pk"), at=Max("updated_at"), top=Max("pk"))
    at = seen["at"].isoformat() if seen["at"] else ""
    grids = ",".join(str(g) for g in sorted(scope.writable_grid_ids))
    return (
        f"{user.pk}|{scope.unrestricted}|{scope.writes_unplaced}|{grids}"
        f"|{seen['n']}|{at}|{seen['top']}"
    )


def build(user: Any) -> bytes:
    """The CSV, in Chinese whatever language the user chose for their pages: what Collect
    shows, like every OpenRosa answer, and cached for the user whatever they choose later."""
    with translation.override(settings.LANGUAGE_CODE):
        return _build(user)


def _build(user: Any) -> bytes:
    rows = (
        places_in_scope(user)
        .select_related("grid", "building", "room__building", "room__unit")
        .order_by("grid__code", "kind", "name", "pk")
        .iterator(chunk_size=2000)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for place in rows:
        address = place.address.strip() or _address_of(place)
        label = f"{place.name}（{address}）" if address else place.name
        writer.writerow(
            [
                place.pk,
                label,
                place.get_kind_display(),
                address,
                place.grid.name if place.grid else "",
            ]
        )
    return out.getvalue().encode("utf-8")


def register() -> None:
    from wangge.forms.roster import register_roster

    register_roster(PLACES_FILE, build, roster_key)


def _address_of(place: Place) -> str:
    """A place registered without an address text: its room's or building's."""
    if place.room is not None:
        return place.room.label
    if place.building is not None:
        return place.building.label
    return ""
