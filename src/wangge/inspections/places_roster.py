"""`places.csv`: the places a user may inspect, the roster a checklist's place is chosen from in
ODK Collect (`select_one_from_file places.csv`). Collect cannot fill the hidden `task_id` or
`place_id` the workbench fills, so without this list a checklist it sent could never name its
place.

The rows are the places the user inspects: those of the grids under their inspecting roles
(grid worker, community officer, street officer), and of those only the ones they hold the
right to change (record hazards at), as the hazards service checks it. A district role (the
district grid centre, a superuser) inspects nowhere in person: it is given no places, or the
whole district's would go to its phone. Only what finds the door: the place's number (`name`,
what the answer sends), its name and kind, its address, its grid. Never the responsible person
or phone (personal data handed out in bulk to every phone).

At most `MAX_PLACES` rows: a roster longer than that is of no use in a pick list on a phone and
would be built, cached and sent whole on every change. Beyond it, and for a district role, the
file holds one row instead, `name` = `NOTICE_ID` (no place has it), whose label says in Chinese
why there is no list and what to do (open the checklist from an inspection task on the
workbench); a checklist sent with it chosen is refused with those words (submitted.py). The
count is asked before any row is read, and the rows are read in chunks, so building the file
never holds more than `MAX_PLACES` rows.

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
from django.utils.translation import gettext as _

from wangge.access.models import Role, RoleAssignment
from wangge.access.scoping import Right, scope_for, visible_to
from wangge.geo.models import Region, RegionLevel
from wangge.inspections.models import Place

PLACES_FILE = "places.csv"
HEADER = ["name", "label", "kind", "address", "grid"]
# The roles that inspect places in person; the district grid centre does not.
INSPECTING_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_OFFICER, Role.STREET_OFFICER})
MAX_PLACES = 5000
NOTICE_ID = 0  # the one row of a roster not handed out; autoincrement ids start at 1


def inspected_grids(user: Any) -> list[int]:
    """The grids under `user`'s inspecting roles (none for a district role or a superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    codes = RoleAssignment.objects.filter(user=user, role__in=INSPECTING_ROLES).values_list(
        "region__code", flat=True
    )
    roots = sorted(set(codes))
    if not roots:
        return []
    return sorted(
        Region.objects.subtree(*roots).filter(level=RegionLevel.GRID).values_list("pk", flat=True)
    )


def places_in_scope(user: Any) -> QuerySet[Place]:
    """The places `user` inspects: in the grids of their inspecting roles, and of those the
    ones they may record hazards at (the right the checklist's applier asks)."""
    grids = inspected_grids(user)
    return visible_to(user, Place.objects.filter(grid_id__in=grids), Right.CHANGE)


def _district_only(user: Any) -> bool:
    """A user who inspects nowhere but holds a district role: told so, not left guessing at
    an empty list."""
    scope = scope_for(user)
    return not inspected_grids(user) and (scope.unrestricted or Role.DISTRICT_ADMIN in scope.roles)


def roster_key(user: Any) -> str:
    """Moves whenever `build` would answer differently for `user`: their writable grids, and
    the count, newest change and highest id of the places in them (a deletion moves the
    count, a rename or a move to another grid the newest change)."""
    scope = scope_for(user)
    seen = places_in_scope(user).aggregate(n=Count("pk"), at=Max("updated_at"), top=Max("pk"))
    at = seen["at"].isoformat() if seen["at"] else ""
    grids = ",".join(str(g) for g in inspected_grids(user))
    writable = ",".join(str(g) for g in sorted(scope.writable_grid_ids))
    return (
        f"{user.pk}|{_district_only(user)}|{grids}|{writable}"
        f"|{seen['n']}|{at}|{seen['top']}|{MAX_PLACES}"
    )


def build(user: Any) -> bytes:
    """The CSV, in Chinese whatever language the user chose for their pages: what Collect
    shows, like every OpenRosa answer, and cached for the user whatever they choose later."""
    with translation.override(settings.LANGUAGE_CODE):
        return _build(user)


def _build(user: Any) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    places = places_in_scope(user)
    if _district_only(user):
        writer.writerow(_notice(_("区级账号不做现场检查，不下发场所名单")))
        return out.getvalue().encode("utf-8")
    count = places.count()
    if count > MAX_PLACES:
        writer.writerow(
            _notice(
                _("您负责的场所有%(count)d个，超过名单上限%(limit)d个，未下发")
                % {"count": count, "limit": MAX_PLACES}
            )
        )
        return out.getvalue().encode("utf-8")
    rows = (
        places.select_related("grid", "building", "room__building", "room__unit")
        .order_by("grid__code", "kind", "name", "pk")
        .iterator(chunk_size=2000)
    )
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


def notice_words() -> str:
    """What to do instead of choosing from the roster (the notice row, the refusal of it)."""
    return _("请在工作台从检查任务打开检查表")


def _notice(why: str) -> list[Any]:
    """The one row of a roster not handed out: chosen, the checklist is refused with `why`."""
    text = f"{why}；{notice_words()}"
    return [NOTICE_ID, text, "", "", ""]


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
