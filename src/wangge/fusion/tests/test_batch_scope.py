"""Who reads and who acts on an import batch: the `fusion.importbatch` policy of
`access.scoping`, on every batch URL of the pages and the API.

A batch belongs to the office that uploaded it. The offices over it read it (page, rows,
review pairs, the rejected-rows export); its own office and the district grid centre act on it
(review, re-map, template, commit, discard, undo). A community officer sees no other
community's batch, a street officer no other street's. Every refusal is in the audit log.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from wangge.access.models import AuditEntry, Role
from wangge.access.scoping import Right, allows
from wangge.access.services import assign_role
from wangge.core.testing import PASSWORD, SampleDistrict
from wangge.fusion import services
from wangge.fusion.models import BatchStatus, ImportBatch
from wangge.fusion.tests.test_views import ledger_csv, officer, stage
from wangge.geo.models import Region, RegionLevel

pytestmark = pytest.mark.django_db


def _user(username: str, role: str, region: Region) -> Any:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    assign_role(None, user, role, region)
    return user


@pytest.fixture
def others(sample: SampleDistrict) -> dict[str, Any]:
    """A colleague in the uploader's community, an officer of the other community, and a
    street officer of another street of the district."""
    street2 = Region.objects.create(
        code="110105002", name="呼家楼街道", level=RegionLevel.STREET, parent=sample.district
    )
    return {
        "colleague": _user("colleague", Role.COMMUNITY_OFFICER, sample.communities[0]),
        "neighbour": _user("neighbour", Role.COMMUNITY_OFFICER, sample.communities[1]),
        "street2": _user("street2", Role.STREET_OFFICER, street2),
    }


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refusals(username: str) -> int:
    return AuditEntry.objects.filter(
        action="refused", username=username, object_type="fusion.importbatch"
    ).count()


def test_a_batch_belongs_to_its_uploaders_office(sample: SampleDistrict):
    batch = stage(officer(sample))
    assert batch.region == sample.communities[0]
    assert stage(officer(sample, "street")).region == sample.street
    assert stage(officer(sample, "admin")).region == sample.district
    assert services.office_of(None) is None  # the command line: the district's


def test_a_street_officer_reads_its_communities_batches(sample: SampleDistrict):
    batch = stage(officer(sample))  # 幸福一村社区
    street = officer(sample, "street")
    page = street.get(f"/imports/{batch.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "幸福一村社区" in text and 'id="read-only"' in text
    assert 'id="commit"' not in text and 'value="discard"' not in text
    assert 'value="decide"' not in text and 'value="template"' not in text
    assert "按此对应重新检查" not in text
    assert 'id="export-rejected"' in text  # reading: the rows not imported, with reasons
    assert street.get(f"/imports/{batch.pk}/?status=&part=rows").status_code == 200
    assert f'href="/imports/{batch.pk}/"' in street.get("/imports/").content.decode()
    assert (
        street.get(f"/api/imports/{batch.pk}").json()["region_code"] == sample.communities[0].code
    )
    assert street.get(f"/api/imports/{batch.pk}/rows?status=all").json()["count"] == 7
    assert batch.pk in [b["id"] for b in street.get("/api/imports/").json()]
    exported = street.post(f"/api/imports/{batch.pk}/rejected-export")
    assert exported.status_code == 202 and exported.json()["status"] == "succeeded"
    assert street.post(f"/imports/{batch.pk}/rejected.xlsx").status_code == 302
    # the uploader's own page offers every action
    own = officer(sample).get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="commit"' in own and 'id="read-only"' not in own


def test_a_street_officer_may_not_act_on_a_communitys_batch(sample: SampleDistrict):
    batch = stage(officer(sample))
    pair = batch.summary["review"][0]
    street = officer(sample, "street")
    web = [
        {"action": "commit"},
        {"action": "discard"},
        {"action": "decide", "rid": pair["rid"], "decision": "same"},
        {"action": "remap", "sheet": "幸福一村台账.csv|", "role-1": "resident", "field-1": "name"},
        {"action": "template", "sheet": "幸福一村台账.csv|", "name": "街道模板"},
    ]
    api: list[tuple[str, Any]] = [
        (f"/api/imports/{batch.pk}/commit", None),
        (f"/api/imports/{batch.pk}/discard", None),
        (f"/api/imports/{batch.pk}/review/{pair['rid']}", {"decision": "same"}),
        (f"/api/imports/{batch.pk}/mapping", {"overrides": {}}),
    ]
    before = refusals("street")
    for form in web:
        response = street.post(f"/imports/{batch.pk}/", form)
        assert response.status_code == 403, form
        assert "上级单位只能查看" in response.content.decode()
    for path, body in api:
        response = street.post(path, body, content_type="application/json")
        assert response.status_code == 403, path
        assert "上级单位只能查看" in response.json()["message"]
    assert refusals("street") == before + len(web) + len(api)
    denied = AuditEntry.objects.filter(action="denied", username="street")
    assert denied.filter(detail__status=403).count() >= len(web) + len(api)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.STAGED and batch.decisions == {}
    # committed by its own office, it is undone by that office or the district, not the street
    assert officer(sample).post(f"/imports/{batch.pk}/", {"action": "commit"}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert street.post(f"/imports/{batch.pk}/", {"action": "undo"}).status_code == 403
    assert street.post(f"/api/imports/{batch.pk}/undo").status_code == 403
    assert refusals("street") == before + len(web) + len(api) + 2
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.COMMITTED
    assert officer(sample, "admin").post(f"/api/imports/{batch.pk}/undo").status_code == 202
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.UNDONE


def test_the_office_and_the_district_act_on_a_batch(sample: SampleDistrict, others: dict):
    batch = stage(officer(sample))
    pair = batch.summary["review"][0]
    colleague = login(others["colleague"])  # another officer of the same community
    assert colleague.get(f"/imports/{batch.pk}/").status_code == 200
    decided = colleague.post(
        f"/api/imports/{batch.pk}/review/{pair['rid']}",
        {"decision": "different"},
        content_type="application/json",
    )
    assert decided.status_code == 200
    admin = officer(sample, "admin")
    assert 'id="commit"' in admin.get(f"/imports/{batch.pk}/").content.decode()
    assert admin.post(f"/api/imports/{batch.pk}/discard").status_code == 200
    for role in ("admin", "street", "community"):
        assert allows(sample.users[role], batch, Right.VIEW), role
    assert allows(sample.users["admin"], batch, Right.CHANGE)
    assert not allows(sample.users["street"], batch, Right.CHANGE)


def test_no_other_community_or_street_sees_a_batch(sample: SampleDistrict, others: dict):
    batch = stage(officer(sample))
    own = stage(officer(sample, "street"))  # the street office's own batch
    for name in ("neighbour", "street2"):
        client = login(others[name])
        before = AuditEntry.objects.filter(action="denied", username=name).count()
        paths = [f"/imports/{batch.pk}/", f"/api/imports/{batch.pk}"]
        paths.append(f"/api/imports/{batch.pk}/rows")
        for path in paths:
            assert client.get(path).status_code == 404, (name, path)
        posts = [
            (f"/imports/{batch.pk}/", {"action": "commit"}),
            (f"/imports/{batch.pk}/rejected.xlsx", {}),
            (f"/api/imports/{batch.pk}/commit", {}),
            (f"/api/imports/{batch.pk}/rejected-export", {}),
        ]
        for path, form in posts:
            assert client.post(path, form).status_code == 404, (name, path)
        listed = [b["id"] for b in client.get("/api/imports/").json()]
        assert batch.pk not in listed and own.pk not in listed
        assert f"/imports/{batch.pk}/" not in client.get("/imports/").content.decode()
        denied = AuditEntry.objects.filter(action="denied", username=name).count()
        assert denied == before + len(paths) + len(posts)
    # a community does not read what its street office uploaded
    community = officer(sample)
    assert community.get(f"/imports/{own.pk}/").status_code == 404
    assert own.pk not in [b["id"] for b in community.get("/api/imports/").json()]
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.STAGED


def test_a_batch_of_the_command_line_is_the_districts(sample: SampleDistrict):
    batch = services.stage_batch(None, [services.Upload("台账.csv", ledger_csv())], channel="cli")
    assert batch.region is None
    assert officer(sample, "admin").get(f"/imports/{batch.pk}/").status_code == 200
    assert officer(sample, "street").get(f"/imports/{batch.pk}/").status_code == 404


def test_queryset_and_record_checks_agree_on_batches(sample: SampleDistrict, others: dict):
    from wangge.access.scoping import visible_to

    stage(officer(sample))
    stage(officer(sample, "street"))
    stage(officer(sample, "admin"))
    services.stage_batch(None, [services.Upload("台账.csv", ledger_csv())], channel="cli")
    users = [*sample.users.values(), *others.values()]
    every = list(ImportBatch.objects.all())
    for user in users:
        for right in (Right.VIEW, Right.CHANGE):
            seen = set(
                visible_to(user, ImportBatch.objects.all(), right).values_list("pk", flat=True)
            )
            assert seen == {b.pk for b in every if allows(user, b, right)}, (user, right)


def test_a_failed_commit_is_retried_by_its_office_not_by_the_street(sample: SampleDistrict):
    """A job runs as its starter, and the street sees its communities' jobs: retrying a failed
    commit would commit the community's batch for it. Retries of re-maps, commits and undos
    ask who may act on the batch (`JobKind.may_retry`)."""
    from wangge.fusion import jobs as import_jobs
    from wangge.jobs.models import Job, JobStatus

    batch = stage(officer(sample))
    failed = _failed_job_of_the_community(
        sample,
        kind=import_jobs.COMMIT,
        label=f"确认导入批次 {batch.pk}",
        params={"batch_id": batch.pk},
    )
    _the_street_may_read_it_but_not_retry_it(sample, failed)
    assert Job.objects.get(pk=failed.pk).status == JobStatus.FAILED
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.STAGED
    retried = officer(sample).post(f"/api/jobs/{failed.pk}/retry")
    assert retried.status_code == 200
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.COMMITTED


def test_a_failed_staging_is_retried_by_its_office_not_by_the_street(sample: SampleDistrict):
    """A staging job runs as its starter too, and its batch is the starter's office's: the
    street retrying a community's failed staging would stage a batch for the community. No
    batch exists yet, so the retry asks who may act on a batch of the starter's office."""
    import json

    from wangge.fusion import jobs as import_jobs
    from wangge.jobs.models import Job, JobStatus

    token = import_jobs._keep_uploads([services.Upload("幸福一村台账.csv", ledger_csv())])
    failed = _failed_job_of_the_community(
        sample,
        kind=import_jobs.STAGE,
        label="上传并检查台账",
        params={"upload": token, "channel": "web"},
        secret=json.dumps({"names": ["幸福一村台账.csv"], "label": ""}),
    )
    _the_street_may_read_it_but_not_retry_it(sample, failed)
    assert Job.objects.get(pk=failed.pk).status == JobStatus.FAILED
    assert not ImportBatch.objects.exists()
    # its own office retries it: the batch is staged, the community's
    retried = officer(sample).post(f"/api/jobs/{failed.pk}/retry")
    assert retried.status_code == 200, retried.content
    assert Job.objects.get(pk=failed.pk).status == JobStatus.SUCCEEDED
    assert ImportBatch.objects.get().region == sample.communities[0]


def test_the_district_retries_a_communitys_failed_staging(sample: SampleDistrict):
    import json

    from wangge.fusion import jobs as import_jobs
    from wangge.jobs.models import Job, JobStatus

    token = import_jobs._keep_uploads([services.Upload("幸福一村台账.csv", ledger_csv())])
    failed = Job.objects.create(
        kind=import_jobs.STAGE,
        label="上传并检查台账",
        params={"upload": token, "channel": "web"},
        secret=json.dumps({"names": ["幸福一村台账.csv"], "label": ""}),
        user_id=sample.users["community"].pk,
        username="community",
        region_code=sample.communities[0].code,
        status=JobStatus.FAILED,
        error="数据库忙",
        attempts=1,
    )
    assert officer(sample, "admin").post(f"/api/jobs/{failed.pk}/retry").status_code == 200
    assert ImportBatch.objects.get().region == sample.communities[0]


def _failed_job_of_the_community(sample: SampleDistrict, **fields: Any) -> Any:
    """A job the community officer started that failed (the database was busy)."""
    from wangge.jobs.models import Job, JobStatus

    community = sample.users["community"]
    return Job.objects.create(
        user_id=community.pk,
        username="community",
        region_code=sample.communities[0].code,
        status=JobStatus.FAILED,
        error="数据库忙",
        attempts=1,
        **fields,
    )


def _the_street_may_read_it_but_not_retry_it(sample: SampleDistrict, failed: Any) -> None:
    """Reading the job as before; a retry through the API or the page is refused (403 with
    the reason, logged) and the job stays failed."""
    from wangge.jobs.models import Job, JobStatus

    street = officer(sample, "street")
    assert street.get(f"/api/jobs/{failed.pk}").status_code == 200
    before = refusals("street")
    response = street.post(f"/api/jobs/{failed.pk}/retry")
    assert response.status_code == 403 and "上级单位只能查看" in response.json()["message"]
    page = street.post(f"/jobs/{failed.pk}/", {"action": "retry"})
    assert page.status_code == 403 and "上级单位只能查看" in page.content.decode()
    assert refusals("street") == before + 2
    assert Job.objects.get(pk=failed.pk).status == JobStatus.FAILED
