"""While a batch is 导入中, the admin deletes nothing its rows may point at.

The commit writes with SQLite's row-by-row foreign-key checks off, so a building (or a grid,
unit, room) deleted between two chunks would leave later chunks pointing at nothing.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from wangge.addresses.models import Building
from wangge.audit.models import AuditEntry
from wangge.core.testing import SampleDistrict
from wangge.fusion.models import BatchStatus, ImportBatch

pytestmark = pytest.mark.django_db


def _root() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="x" * 12))
    return client


def _spare_building(sample: SampleDistrict) -> Building:
    """A building nothing points at yet (so PROTECT does not refuse its deletion)."""
    return Building.objects.create(
        community=sample.communities[0], grid=sample.grids[0], road="新建路", number="1"
    )


def _committing(sample: SampleDistrict) -> ImportBatch:
    return ImportBatch.objects.create(
        created_by=sample.users["street"], status=BatchStatus.COMMITTING, commit_owner="x:1:x"
    )


def test_a_building_is_not_deleted_while_a_batch_is_committed(sample: SampleDistrict) -> None:
    building = _spare_building(sample)
    batch = _committing(sample)
    answer = _root().post(f"/admin/addresses/building/{building.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 403
    assert f"批次 {batch.pk} 正在导入人口档案" in answer.content.decode()
    assert Building.objects.filter(pk=building.pk).exists()
    assert AuditEntry.objects.filter(
        action="refused", object_type="addresses.building", object_id=str(building.pk)
    ).exists()


def test_the_bulk_delete_action_is_refused_too(sample: SampleDistrict) -> None:
    building = _spare_building(sample)
    _committing(sample)
    answer = _root().post(
        "/admin/addresses/building/",
        {"action": "delete_selected", "_selected_action": [building.pk], "post": "yes"},
    )
    assert answer.status_code == 403
    assert Building.objects.filter(pk=building.pk).exists()


def test_with_no_batch_being_committed_the_deletion_goes_through(sample: SampleDistrict) -> None:
    building = _spare_building(sample)
    ImportBatch.objects.create(created_by=sample.users["street"], status=BatchStatus.COMMITTED)
    answer = _root().post(f"/admin/addresses/building/{building.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302
    assert not Building.objects.filter(pk=building.pk).exists()
