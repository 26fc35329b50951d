"""The policies of places, hazards and notices: the query and the per-record check agree for
every role (the same property `access/tests/test_scoping.py` holds for the other apps)."""

from __future__ import annotations

import pytest

from wangge.access.scoping import POLICIES, allows, visible_to
from wangge.inspections import notices, services
from wangge.inspections.models import Hazard, Notice, Place


@pytest.mark.parametrize("role", ["admin", "street", "community", "grid", "police", "nobody"])
def test_queryset_and_record_checks_agree(role, sample, places):
    admin = sample.users["admin"]
    for place in places.places:
        hazard = services.record_hazard(admin, place, category="clutter")
        notices.issue_notice(admin, unit=places.unit, hazards=[hazard], kind="immediate")
    user = sample.users[role]
    for model in (Place, Hazard, Notice):
        for right in POLICIES[model._meta.label_lower].rules:
            seen = set(visible_to(user, model.objects.all(), right).values_list("pk", flat=True))
            every = list(model.objects.all())
            assert seen == {o.pk for o in every if allows(user, o, right)}, (model, right)
