"""Attack 1: writing across the scope through an import.

As `community` (幸福一村社区), an uploaded CSV with one row `王鹏,<ID of a 金台里 resident>,
13900001111,火星路1号` changed that resident's phone: the address matched nothing, so the
out-of-scope check never ran, and the person was matched by ID across the whole district. A
second batch renamed the person and changed the ethnicity. The summary "匹配到已有人员 N"
confirmed whether any ID existed anywhere in the district.

Now the scope is checked on the target record: the row becomes a hand-over item for the offices
that hold the person, nothing of it is written, and the summary reads the same whether the ID
exists elsewhere or nowhere.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.test import Client

from wangge.access.models import AuditEntry
from wangge.core.testing import SampleDistrict
from wangge.fusion.models import HandOver, HandOverStatus, ImportBatch
from wangge.people.idnumber import make_id_number
from wangge.people.models import Person

pytestmark = pytest.mark.django_db

HEADER = "姓名,身份证号码,联系电话,现居住地址"
NOWHERE_ID = make_id_number("110105", datetime.date(1963, 2, 14), 841, "男")


def _snapshot(person: Person) -> dict[str, Any]:
    person.refresh_from_db()
    return {
        f.attname: getattr(person, f.attname)
        for f in Person._meta.concrete_fields
        if f.attname != "updated_at"
    }


def _upload(client: Client, via: str, text: str) -> dict[str, Any]:
    """Stage and commit one ledger the way the attacker did: the web page or the API."""
    data = text.encode()
    if via == "web":
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = client.post(
            "/imports/new/", {"ledgers": SimpleUploadedFile("台账.csv", data), "label": ""}
        )
        assert response.status_code == 302, response.content[:500]
        batch_id = int(re.search(r"/imports/(\d+)/", response["Location"]).group(1))  # type: ignore[union-attr]
        response = client.post(f"/imports/{batch_id}/", {"action": "commit"})
        assert response.status_code == 302
        page = client.get(f"/imports/{batch_id}/").content.decode()
        summary = ImportBatch.objects.get(pk=batch_id).summary["commit"]
        return {**summary, "page": page}
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/api/imports/", {"files": SimpleUploadedFile("台账.csv", data)})
    assert response.status_code == 202, response.content[:500]  # a job, run at once here
    batch_id = client.get(response["Location"]).json()["result"]["batch_id"]
    response = client.post(f"/api/imports/{batch_id}/commit")
    assert response.status_code == 202, response.content[:500]
    body = client.get(response["Location"]).json()["result"]
    body.pop("batch_id")
    body.pop("message")
    return {**body, "page": ""}


@pytest.mark.parametrize("via", ["web", "api"])
def test_an_import_row_cannot_change_a_resident_of_another_community(
    sample: SampleDistrict, via: str
) -> None:
    victim = sample.persons[-1]  # 金台里社区 第2网格: outside `community`'s scope
    assert victim.grid is not None
    assert not victim.grid.code.startswith(sample.communities[0].code)
    before = _snapshot(victim)
    client = Client()
    client.force_login(sample.users["community"])

    first = _upload(client, via, f"{HEADER}\n王鹏,{victim.id_number},13900001111,火星路1号\n")
    assert _snapshot(victim) == before
    # The second batch of the attack: rename and change the ethnicity.
    second = _upload(
        client,
        via,
        f"姓名,身份证号码,联系电话,民族,现居住地址\n王鹏飞,{victim.id_number},"
        "13900002222,回族,火星路1号\n",
    )
    assert _snapshot(victim) == before
    assert not Person.objects.filter(name__in=["王鹏", "王鹏飞"]).exists()

    # The summary does not confirm the ID exists: an ID that exists nowhere reads the same.
    nowhere = _upload(client, via, f"{HEADER}\n王鹏,{NOWHERE_ID},13900001111,火星路1号\n")
    keys = ("persons_created", "persons_matched", "persons_updated", "handed_over")
    assert [first[k] for k in keys] == [nowhere[k] for k in keys] == [0, 0, 0, 1]
    assert [second[k] for k in keys] == [0, 0, 0, 1]
    for result in (first, second, nowhere):
        assert victim.name not in result["page"]
    # Nor does anything the importer can open: the person appears in no batch of theirs.
    assert not Person.objects.visible_to(sample.users["community"]).filter(pk=victim.pk).exists()

    # The rows went to the holders: the victim's two to 金台里's offices (here the street and
    # the district), the unknown ID to the district; the importer sees none of them.
    items = HandOver.objects.filter(person=victim)
    assert items.count() == 2 and set(items.values_list("status", flat=True)) == {"pending"}
    assert HandOver.objects.filter(person=None).count() == 1
    for role, seen in (("community", 0), ("street", 2), ("admin", 3)):
        response = Client()
        response.force_login(sample.users[role])
        listing = response.get("/api/imports/handovers").json()
        assert len(listing) == seen, role
    refused = Client()
    refused.force_login(sample.users["community"])
    for item in items:
        assert refused.get(f"/imports/handovers/{item.pk}/").status_code == 404
        assert refused.post(f"/api/imports/handovers/{item.pk}/accept").status_code == 404
    assert _snapshot(victim) == before


def test_the_holder_accepts_or_rejects_a_hand_over(sample: SampleDistrict) -> None:
    victim = sample.persons[-1]
    client = Client()
    client.force_login(sample.users["community"])
    _upload(client, "api", f"{HEADER}\n王鹏,{victim.id_number},13900001111,火星路1号\n")
    _upload(
        client,
        "api",
        f"姓名,身份证号码,联系电话,民族,现居住地址\n王鹏,{victim.id_number},13900002222,回族,"
        "火星路1号\n",
    )
    first, second = HandOver.objects.filter(person=victim).order_by("pk")
    street = Client()
    street.force_login(sample.users["street"])
    page = street.get(f"/imports/handovers/{first.pk}/").content.decode()
    assert "139******11" in page and "13900001111" not in page  # masked for the holder too
    response = street.post(f"/imports/handovers/{first.pk}/", {"action": "accept", "note": "核实"})
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.phone == "13900001111" and victim.name == "王鹏"
    entry = AuditEntry.objects.filter(object_type="fusion.handover", object_id=str(first.pk))
    assert entry.filter(detail__decision="accepted").exists()
    assert AuditEntry.objects.filter(
        action="update", object_type="person", object_id=str(victim.pk), username="street"
    ).exists()
    response = street.post(f"/api/imports/handovers/{second.pk}/reject", {}, "application/json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    victim.refresh_from_db()
    assert victim.ethnicity != "回族" and victim.phone == "13900001111"
    second.refresh_from_db()
    assert second.payload == ""  # a refused row's identifiers are not kept
    # decided items cannot be decided again
    again = street.post(f"/api/imports/handovers/{first.pk}/reject", {}, "application/json")
    assert again.status_code == 400


def test_a_new_person_the_importer_cannot_place_goes_to_the_district(
    sample: SampleDistrict,
) -> None:
    client = Client()
    client.force_login(sample.users["community"])
    before = Person.objects.count()
    _upload(client, "api", f"{HEADER}\n王鹏,{NOWHERE_ID},13900001111,火星路1号\n")
    assert Person.objects.count() == before
    item = HandOver.objects.get(person=None)
    admin = Client()
    admin.force_login(sample.users["admin"])
    street = Client()
    street.force_login(sample.users["street"])
    assert street.post(f"/api/imports/handovers/{item.pk}/accept").status_code == 404
    response = admin.post(f"/api/imports/handovers/{item.pk}/accept")
    assert response.status_code == 200, response.content
    created = Person.objects.get(pk=response.json()["person_id"])
    assert created.grid_id is None and created.id_number == NOWHERE_ID
    item.refresh_from_db()
    assert item.status == HandOverStatus.ACCEPTED


def test_rows_about_residents_in_scope_are_still_applied(sample: SampleDistrict) -> None:
    own = sample.persons[0]  # 幸福一村社区 第1网格
    client = Client()
    client.force_login(sample.users["community"])
    result = _upload(client, "api", f"{HEADER}\n王鹏,{own.id_number},13900001111,火星路1号\n")
    assert (result["persons_matched"], result["persons_updated"], result["handed_over"]) == (
        1,
        1,
        0,
    )
    own.refresh_from_db()
    assert own.phone == "13900001111" and own.name == "王鹏"
