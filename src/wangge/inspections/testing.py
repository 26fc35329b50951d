"""Test helpers: a few places, an issuing unit and a department in the sample district."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wangge.cases.models import Department, DepartmentMembership
from wangge.core.testing import PASSWORD, PNG, SampleDistrict
from wangge.forms.tests.openrosa_client import OpenRosaClient
from wangge.inspections import services
from wangge.inspections.checklists import CHECKLISTS
from wangge.inspections.models import IssuingUnit, Place, PlaceKind
from wangge.inspections.submitted import PLACE_REF
from wangge.tasks.models import TaskKind
from wangge.tasks.services import create_task


def photo(name: str = "p.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def photo_stream() -> io.BytesIO:
    return io.BytesIO(PNG)


@dataclass
class SamplePlaces:
    unit: IssuingUnit
    department: Department
    places: list[Place] = field(default_factory=list)


def build_sample_places(sample: SampleDistrict, department_index: int = 0) -> SamplePlaces:
    """One place per grid; the department (the `police` user's) is in charge of the place at
    `department_index` (0: outside the handler's region, to show the department's reach)."""
    department = Department.objects.create(
        code="fire-jgl", name="京广路消防救援站", region=sample.street
    )
    DepartmentMembership.objects.create(user=sample.users["police"], department=department)
    unit = IssuingUnit.objects.create(
        code="jgl-fire", name="京广路街道消防安全办公室", prefix="京广消字", region=sample.street
    )
    made = SamplePlaces(unit, department)
    kinds = [PlaceKind.RENTAL_SITE, PlaceKind.CHARGING, PlaceKind.SHOP, PlaceKind.COMPOUND]
    for index, grid in enumerate(sample.grids):
        room = grid.rooms.order_by("pk").first()
        made.places.append(
            services.create_place(
                None,
                name=f"测试场所{index}",
                kind=kinds[index % len(kinds)],
                room=room,
                responsible_person=f"负责人{index}",
                responsible_phone=f"1380000{index:04d}",
                department=department if index == department_index else None,
            )
        )
    return made


def build_walk_data(sample: SampleDistrict) -> None:
    """For the every-URL walkers: a place, a hazard with a photo and a notice in every grid,
    the department in charge of a place in its handler's own region (so region scope and
    department scope coincide)."""
    from wangge.inspections import notices

    made = build_sample_places(sample, department_index=2)
    for place in made.places:
        hazard = services.record_hazard(None, place, category="clutter", photos=[photo()])
        notice = notices.issue_notice(None, unit=made.unit, hazards=[hazard], kind="immediate")
        notices.attach_signed(None, notice, photo("signed.png"))
    # a started campaign of the street: its places have inspection tasks
    import datetime

    from django.utils import timezone

    from wangge.inspections import campaigns

    today = timezone.localdate()
    campaign = campaigns.create_campaign(
        None,
        name="三清四查",
        place_kinds=["rental_site", "charging"],
        checklist="fire_rental_site",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=14),
        region=sample.street,
        night_check=True,
        members=[campaigns.Member(sample.users["grid"], unit="幸福一村社区")],
    )
    campaigns.start_campaign(None, campaign)


def walk_values() -> dict[str, list[tuple[Any, str | None]]]:
    """The walkers' path values for this app, each with the code of the grid that owns it."""
    from wangge.inspections.models import Campaign, Hazard, HazardPhoto, Notice

    places = list(Place.objects.select_related("grid").order_by("pk"))
    hazards = list(Hazard.objects.select_related("grid").order_by("pk"))
    issued = list(Notice.objects.select_related("grid").order_by("pk"))
    pics = list(HazardPhoto.objects.select_related("hazard__grid").order_by("pk"))
    organised = list(Campaign.objects.select_related("region").order_by("pk"))
    return {
        "place_id": [(p.pk, p.grid.code if p.grid else None) for p in places],
        "hazard_id": [(h.pk, h.grid.code if h.grid else None) for h in hazards],
        "hazard_photo_id": [(p.pk, p.hazard.grid.code if p.hazard.grid else None) for p in pics],
        "notice_id": [(n.pk, n.grid.code if n.grid else None) for n in issued],
        "number": [(n.number, n.grid.code if n.grid else None) for n in issued],
        # a campaign belongs to the street (or district) that organises it
        "campaign_id": [(c.pk, c.region.code) for c in organised],
    }


def collect(username: str = "grid") -> OpenRosaClient:
    """An OpenRosa client, written from the spec, logged in as a sample user."""
    return OpenRosaClient(Client(), username=username, password=PASSWORD)


def checklist_answers(code: str, failed: dict[str, str], **extra: str) -> dict[str, str]:
    """Every item passed but `failed` (item → note); `extra` sets other fields by name. The
    place question (`place`, chosen from places.csv in Collect) is not shown on the workbench:
    left empty unless `extra` names it."""
    out = {"/data/place": ""}
    for item in CHECKLISTS[code].items:
        out[f"/data/{item.name}"] = "fail" if item.name in failed else "pass"
        out[f"/data/{item.name}_note"] = failed.get(item.name, "")
        if item.name not in failed:
            out[f"/data/{item.name}_photo"] = ""
    return out | {f"/data/{k}": v for k, v in extra.items()}


def xform_of(rosa: OpenRosaClient, code: str) -> str:
    """The checklist's XForm as the workbench downloads it."""
    _answer, forms = rosa.form_list(workbench=True)
    entry = next(f for f in forms if f.form_id == code)
    got = rosa.request("GET", entry.download_url)
    assert got.status == 200
    return got.body.decode()


def place_task(sample: SampleDistrict, place: Place, form_code: str, **fields: Any) -> Any:
    """An open task of the first grid's community officer to inspect `place` with a checklist."""
    return create_task(
        sample.users["community"],
        kind=TaskKind.OTHER,
        region=sample.grids[0],
        form_code=form_code,
        subject_ref=f"{PLACE_REF}{place.pk}",
        **fields,
    )
