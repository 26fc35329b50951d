"""Hazards: recorded at a place with photos kept encrypted, closed only with before and after
photos, listed in a region's ledger by category, status and period."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.core.testing import SampleDistrict
from wangge.inspections import selectors, services
from wangge.inspections.models import Hazard, HazardCategory, HazardPhoto, HazardStatus
from wangge.inspections.selectors import HazardFilter
from wangge.inspections.testing import PNG, SamplePlaces, photo


def test_a_hazard_takes_its_places_grid_and_its_photos_are_encrypted(sample, places):
    place = places.places[0]
    hazard = services.record_hazard(
        sample.users["grid"], place, category=HazardCategory.PARTITION, photos=[photo()]
    )
    assert hazard.grid == place.grid and hazard.status == HazardStatus.OPEN
    stored = HazardPhoto.objects.get(hazard=hazard)
    assert bytes(stored.data) != PNG
    assert services.get_photo(sample.users["grid"], stored.pk) == (PNG, "image/png")
    with pytest.raises(NotFound):
        services.get_photo(sample.users["nobody"], stored.pk)


def test_a_file_that_is_not_an_image_is_refused_by_name(sample, places):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("报告.pdf", b"%PDF-1.4 ...")
    with pytest.raises(ServiceError, match="“报告.pdf”不是图片"):
        services.record_hazard(
            sample.users["grid"], places.places[0], category="clutter", photos=[bad]
        )


def test_a_grid_worker_records_hazards_in_their_own_grid_only(sample, places):
    with pytest.raises(Forbidden):
        services.record_hazard(sample.users["grid"], places.places[2], category="clutter")


def test_a_hazard_closes_only_with_before_and_after_photos(sample, places):
    user = sample.users["grid"]
    bare = services.record_hazard(user, places.places[0], category=HazardCategory.CLUTTER)
    with pytest.raises(ServiceError, match="整改后的照片"):
        services.close_hazard(user, bare, after_photos=[])
    with pytest.raises(ServiceError, match="没有整改前的照片"):
        services.close_hazard(user, bare, after_photos=[photo()])
    services.add_before_photos(user, bare, [photo()])
    closed = services.close_hazard(user, bare, after_photos=[photo()])
    assert closed.status == HazardStatus.RECTIFIED and closed.rectified_at is not None
    assert closed.photos.filter(stage="after").count() == 1
    with pytest.raises(ServiceError, match="已整改销号"):
        services.close_hazard(user, closed, after_photos=[photo()])


def test_the_ledger_filters_by_region_category_status_and_period(
    sample: SampleDistrict, places: SamplePlaces
):
    admin = sample.users["admin"]
    now = timezone.now()
    made = []
    for index, place in enumerate(places.places):
        category = HazardCategory.PARTITION if index % 2 else HazardCategory.EBIKE_CHARGING
        made.append(
            services.record_hazard(
                admin, place, category=category, found_at=now - datetime.timedelta(days=index * 10)
            )
        )
    community = sample.communities[0].code
    in_community = selectors.hazards(admin, HazardFilter(region=community))
    assert {h.pk for h in in_community} == {made[0].pk, made[1].pk}
    partitions = selectors.hazards(admin, HazardFilter(category=HazardCategory.PARTITION))
    assert {h.pk for h in partitions} == {made[1].pk, made[3].pk}
    recent = selectors.hazards(
        admin,
        HazardFilter(
            start=timezone.localdate() - datetime.timedelta(days=15), end=timezone.localdate()
        ),
    )
    assert {h.pk for h in recent} == {made[0].pk, made[1].pk}
    assert selectors.hazards(admin, HazardFilter(status="rectified")).count() == 0
    # newest first, and a community officer sees their own community's only
    assert [h.pk for h in selectors.hazards(admin, HazardFilter())] == [h.pk for h in made]
    mine = selectors.hazards(sample.users["community"], HazardFilter())
    assert set(mine.values_list("pk", flat=True)) == {made[0].pk, made[1].pk}
    with pytest.raises(NotFound):
        selectors.hazards(
            sample.users["community"], HazardFilter(region=sample.communities[1].code)
        )
    with pytest.raises(ServiceError, match="隐患类别"):
        selectors.hazards(admin, HazardFilter(category="volcano"))
    assert Hazard.objects.count() == 4


def test_a_truncated_photo_is_refused_by_name_and_nothing_recorded(sample, places):
    from django.core.files.uploadedfile import SimpleUploadedFile

    half = SimpleUploadedFile("隐患.png", PNG[:48])  # cut inside its pixel data
    with pytest.raises(ServiceError, match="照片“隐患.png”已损坏或不完整"):
        services.record_hazard(
            sample.users["grid"], places.places[0], category="clutter", photos=[half]
        )
    assert not Hazard.objects.exists()
