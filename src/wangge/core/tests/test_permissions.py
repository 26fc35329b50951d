"""Every page and every API endpoint, as every role: nothing outside scope, nothing unmasked.

URLs are discovered from the URL resolver and the OpenAPI schema, so a new page or endpoint is
walked automatically; a path parameter this walker cannot fill fails the test instead of being
skipped.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from wangge.api import api
from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db

ROLES = ["admin", "street", "community", "grid", "police", "nobody"]
# Open311 and the resident report page are public by design; their privacy is specified in
# cases/tests/test_open311.py and test_public.py.
# OpenRosa (ODK Collect's protocol) is walked from its spec in forms/tests/test_openrosa.py.
SKIP_PREFIXES = ("admin/", "i18n/", "api/", "static/", "open311/", "report/", "openrosa/")
# The shipped field forms are for grid workers and community officers (forms.services.SHIPPED);
# anyone else opening one is told there is no such form for them.
FORM_FILLERS = {"community", "grid"}
# Pages that hold no personal data and need no login.
PUBLIC = {"login/", "logout/", "health", "cases/rate/<str:token>/"}
PUBLIC |= {"sw.js", "manifest.webmanifest"}  # the offline worker's code and the web app manifest


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _patterns(entry, route)
        else:
            found.append((route, entry))
    return found


# Import batches belong to whoever staged them (and the district); this one to the street office.
STREET_LEDGER = (
    "姓名,联系电话,现居住地址\n"
    "周导入,13700000001,幸福路10号3号楼2单元301\n"
    "周导入,13700000002,幸福路10号3号楼2单元301\n"
).encode()
# Import pages and endpoints are office work: other roles are refused whatever the object.
IMPORT_ROUTES = ("imports/", "api/imports")
IMPORTING_ROLES = {"admin", "street", "community"}
# A job is seen by its starter and by office staff over its region; not by a department
# handler whose region happens to cover it.
JOB_ROUTES = ("jobs/", "api/jobs/")
JOB_VIEWERS = {"admin", "street"}
# Tasks are seen and done by the grid workers and offices of their grids (tasks.task policy):
# a department handler whose region covers the grid sees none; visit rounds are office work.
TASK_ROUTES = ("tasks/", "api/tasks/", "inspections/rechecks/")  # a re-inspection is a task
TASK_ROLES = {"admin", "street", "community", "grid"}
# Residents' files are read by the offices and grid workers that keep them: a department
# handler whose region (for its cases) covers a household sees neither it nor its people.
PEOPLE_ROUTES = ("people/households/", "api/persons/", "api/households/")
PEOPLE_ROLES = {"admin", "street", "community", "grid"}
STAFF_ROUTES = ("tasks/round/",)
STAFF_ROLES = {"admin", "street", "community"}
# Search alerts (security.alerts) are shown to district administrators only.
DISTRICT_ADMIN_ROUTES = ("security/alerts/", "cases/suggester/")
# Endpoints for the district admin alone (the category suggester's model and its retraining).
DISTRICT_ADMIN_API = ("api/cases/suggester",)
# Pages that start a background job (an export) and answer only POST.
STARTS_A_JOB = ("/rejected.xlsx", "dashboard/export/", "inspections/export/", "counts/export/")
# Other actions that exist only as a POST (a form's button): a GET is refused with 405.
POST_ONLY = ("/refer/",)


def _street_job(sample: SampleDistrict) -> Any:
    from wangge.jobs.models import Job, JobStatus

    street = sample.users["street"]
    job = Job.objects.filter(user_id=street.pk).first()
    if job is None:
        job = Job.objects.create(
            kind="case-sweep",
            label="街道的后台任务",
            user_id=street.pk,
            username=street.get_username(),
            region_code=sample.street.code,
            status=JobStatus.FAILED,
            error="测试：失败的任务",
        )
    return job


def _street_batch(sample: SampleDistrict) -> Any:
    from wangge.fusion.models import ImportBatch
    from wangge.fusion.services import Upload, stage_batch

    batch = ImportBatch.objects.filter(created_by=sample.users["street"]).first()
    if batch is None:
        batch = stage_batch(sample.users["street"], [Upload("街道台账.csv", STREET_LEDGER)])
    return batch


def _tasks(sample: SampleDistrict) -> list[Any]:
    """One visit task for each grid (wangge.tasks)."""
    from wangge.tasks.models import Task, TaskKind
    from wangge.tasks.services import create_task

    if not Task.objects.filter(kind=TaskKind.VISIT).exists():
        for household in sample.households[::2]:
            create_task(None, kind=TaskKind.VISIT, household=household)
    return list(Task.objects.filter(kind=TaskKind.VISIT).select_related("region").order_by("pk"))


def _handovers(sample: SampleDistrict) -> list[Any]:
    """One import row handed over for a resident of each grid (see fusion.handovers)."""
    from wangge.fusion.models import HandOver

    if not HandOver.objects.exists():
        for person in sample.persons[::4]:
            HandOver.objects.create(person=person, payload='{"phone": "13700009999"}')
    return list(HandOver.objects.select_related("person__grid").order_by("pk"))


@pytest.fixture(autouse=True)
def _sample_cases(sample: SampleDistrict, settings: Any, tmp_path: Any) -> None:
    """One case per grid, dispatched to the department whose handler is the `police` user for
    金台里's grids (see wangge.cases.testing), so region scope and case scope coincide."""
    from wangge.cases.testing import build_sample_cases
    from wangge.inspections.testing import build_walk_data

    settings.MEDIA_ROOT = tmp_path
    build_sample_cases(sample)
    build_walk_data(sample)


def _param_values(sample: SampleDistrict) -> dict[str, list[tuple[Any, str | None]]]:
    """For each path parameter: (value, code of the grid/region that owns it)."""
    from wangge.cases.models import Case
    from wangge.inspections.testing import walk_values

    regions = [sample.district, sample.street, *sample.communities, *sample.grids]
    cases = Case.objects.select_related("grid").order_by("pk")
    return {
        "case_id": [(c.pk, c.grid.code) for c in cases if c.grid],
        # Photos are binary: served by the same scoped lookup, tested in cases/tests.
        "photo_id": [],
        "code": [(r.code, r.code) for r in regions],
        "building_id": [(b.pk, b.grid.code) for b in sample.buildings if b.grid],
        "household_id": [(h.pk, h.grid.code) for h in sample.households if h.grid],
        "person_id": [(p.pk, p.grid.code) for p in sample.persons if p.grid],
        "batch_id": [(_street_batch(sample).pk, sample.street.code)],
        "handover_id": [(h.pk, h.person.grid.code) for h in _handovers(sample)],
        "rid": [(0, None)],
        "job_id": [(_street_job(sample).pk, sample.street.code)],
        "fmt": [("docx", None)],  # a notice's document (inspections)
        "form_code": [("household_visit", None)],
        # forms: submissions and conflicts are made by the OpenRosa tests, none here
        "submission_id": [],
        "change_id": [],
        "name": [],
        **walk_values(),
        "task_id": [(t.pk, t.region.code) for t in _tasks(sample)],
    }


def _in_scope(role: str, owner_code: str, sample: SampleDistrict) -> bool:
    user = sample.users[role]
    roots = [a.region.code for a in user.role_assignments.select_related("region")]
    return any(owner_code.startswith(root) for root in roots)


REVEALING_ROLES = {"admin", "street", "community"}


def _assert_no_leak(body: str, sample: SampleDistrict, role: str, where: str) -> None:
    for person in sample.persons:
        assert person.id_number not in body, f"{where}: unmasked ID number shown to {role}"
        assert person.phone not in body, f"{where}: unmasked phone shown to {role}"
        if role not in REVEALING_ROLES and person.birth_date:
            # masked ID + full birth date = the whole ID number
            assert person.birth_date.isoformat() not in body, f"{where}: birth date to {role}"
        if person.grid and not _in_scope(role, person.grid.code, sample):
            assert person.name not in body, f"{where}: out-of-scope person shown to {role}"


def _is_person_page(url: str) -> bool:
    """A household's page or a person's (people/<id>/), not the search."""
    return url.startswith(PEOPLE_ROUTES) or re.fullmatch(r"people/[0-9]+/", url) is not None


def _client(role: str, sample: SampleDistrict) -> Client:
    client = Client()
    client.force_login(sample.users[role])
    return client


def _fill(route: str, sample: SampleDistrict) -> list[tuple[str, str | None]]:
    """Concrete URLs for a route, each with the code of the region that owns the object."""
    params = re.findall(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", route)
    names = [a or b for a, b in params]
    if not names:
        return [(route, None)]
    values = _param_values(sample)
    for name in names:
        assert name in values, f"walker has no values for parameter {name!r} in {route}"
    urls: list[tuple[str, str | None]] = []
    for combo in itertools.product(*(values[name] for name in names)):
        url = route
        for value, _owner in combo:
            url = re.sub(r"<(?:\w+:)?\w+>|\{\w+\}", str(value), url, count=1)
        owner = next((o for _value, o in combo if o is not None), None)
        urls.append((url, owner))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_every_page_respects_scope_and_masking(role: str, sample: SampleDistrict) -> None:
    client = _client(role, sample)
    walked = 0
    for route, _pattern in _patterns(get_resolver()):
        if route.startswith(SKIP_PREFIXES) or route in PUBLIC:
            continue
        for url, owner in _fill(route, sample):
            method = "post" if url.endswith("/reveal/") else "get"
            response = getattr(client, method)("/" + url, {"q": "测"} if "search" in url else {})
            walked += 1
            body = response.content.decode(errors="replace")  # downloads are binary
            refused = (
                (url.startswith(IMPORT_ROUTES) and role not in IMPORTING_ROLES)
                or (url.startswith(DISTRICT_ADMIN_ROUTES) and role != "admin")
                or (url.startswith(STAFF_ROUTES) and role not in STAFF_ROLES)
            )
            if url.endswith(STARTS_A_JOB + POST_ONLY):  # nothing is built or shown on a GET
                assert response.status_code == 405, (role, url)
            elif url.endswith("/download"):  # an export's file: its starter's only, and
                # the walker's job is not an export
                assert response.status_code in (403, 404), (role, url)
            elif refused:
                assert response.status_code == 403, f"{role} reached {url}"
            elif url.startswith("forms/") and url.endswith("/fill/"):
                expected = 302 if role in FORM_FILLERS else 404  # on to /offline/fill/
                assert response.status_code == expected, (role, url)
            elif owner is not None and (
                not _in_scope(role, owner, sample)
                or (url.startswith(JOB_ROUTES) and role not in JOB_VIEWERS)
                or (url.startswith(TASK_ROUTES) and role not in TASK_ROLES)
                or (_is_person_page(url) and role not in PEOPLE_ROLES)
            ):
                assert response.status_code in (403, 404), f"{role} reached {url}"
            elif url.endswith("/reveal/"):
                allowed = role in {"admin", "street", "community"}
                assert response.status_code == (200 if allowed else 403), (role, url)
                continue  # the one response meant to carry full identifiers
            elif role == "nobody" and owner is not None:
                assert response.status_code in (403, 404)
            else:
                assert response.status_code in (200, 302), f"{role} {url}: {response.status_code}"
            _assert_no_leak(body, sample, role, url)
    assert walked > 20


def _api_routes() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    routes = []
    for path, methods in schema["paths"].items():
        for method in methods:
            routes.append((method, path))
    return routes


@pytest.mark.parametrize("role", ROLES)
def test_every_api_endpoint_respects_scope_and_masking(role: str, sample: SampleDistrict) -> None:
    client = _client(role, sample)
    walked = 0
    for method, path in _api_routes():
        route = path.lstrip("/")
        for url, owner in _fill(route, sample):
            query = {"q": "测"} if url.endswith("/search") else {}
            response = getattr(client, method)("/" + url, query)
            walked += 1
            assert response.status_code != 500
            if url.endswith((".xlsx", "/download", "/document")) and response.status_code == 200:
                continue  # a download; its rows are checked in fusion/tests/test_api.py
            assert response["Content-Type"].startswith("application/json")
            body = json.dumps(response.json(), ensure_ascii=False)
            if url.startswith(IMPORT_ROUTES) and role not in IMPORTING_ROLES:
                # (a request without its required body is refused as malformed first)
                refused = (403,) if method == "get" else (400, 403, 422)
                assert response.status_code in refused, f"{role} reached {url}"
            elif url.startswith(DISTRICT_ADMIN_API):
                expected = (202 if method == "post" else 200) if role == "admin" else 403
                assert response.status_code == expected, f"{role} {method} {url}"
            elif url.startswith("api/cases") and method == "post" and not url.endswith("/reveal"):
                # State changes need a body; without one nothing may happen or leak.
                case_refused = (400, 403, 404, 409, 422)
                if owner is not None and not _in_scope(role, owner, sample):
                    assert response.status_code in case_refused, f"{role} reached {url}"
                else:
                    assert response.status_code in (200, 201, *case_refused), (role, url)
            elif url.startswith(JOB_ROUTES) and owner is not None and role not in JOB_VIEWERS:
                assert response.status_code in (403, 404), f"{role} reached {url}"
            elif url.startswith(PEOPLE_ROUTES) and owner is not None and role not in PEOPLE_ROLES:
                assert response.status_code in (403, 404), f"{role} reached {url}"
                assert "message" in response.json()
            elif url.startswith(TASK_ROUTES) and owner is not None and role not in TASK_ROLES:
                # (a POST without its body is refused as malformed first)
                assert response.status_code in (400, 403, 404, 422), f"{role} reached {url}"
            elif url.endswith("/download"):  # an export's file: its starter's only
                assert response.status_code in (403, 404), (role, url)
                assert "message" in response.json()
            elif method != "get" and not url.endswith("/reveal"):
                # Actions walked without a body: refused with a message, done, or handed to a
                # background job (202: commit, undo).
                assert response.status_code in (200, 201, 202, 400, 403, 404, 422), (role, url)
                assert "message" in response.json() or response.status_code < 300
            elif owner is not None and not _in_scope(role, owner, sample):
                assert response.status_code in (403, 404), f"{role} reached {url}"
                assert "message" in response.json()
            elif url.endswith("/reveal"):
                allowed = role in {"admin", "street", "community"}
                assert response.status_code == (200 if allowed else 403), (role, url)
                continue
            elif role == "nobody" and owner is not None:
                assert response.status_code in (403, 404)
            else:
                assert response.status_code == 200, f"{role} {url}: {response.content[:200]!r}"
            _assert_no_leak(body, sample, role, url)
    assert walked > 20


def test_anonymous_visitors_are_sent_to_login(sample: SampleDistrict) -> None:
    client = Client()
    for route, _pattern in _patterns(get_resolver()):
        if route.startswith(SKIP_PREFIXES) or route in PUBLIC:
            continue
        for url, _owner in _fill(route, sample)[:1]:
            response = client.get("/" + url)
            assert response.status_code in (302, 405), url
            if response.status_code == 302:
                assert "/login/" in response["Location"]


def test_api_without_credentials_is_refused_with_json(sample: SampleDistrict) -> None:
    for method, path in _api_routes():
        url = _fill(path.lstrip("/"), sample)[0][0]
        response = getattr(Client(), method)("/" + url)
        assert response.status_code == 401, url
        assert "message" in response.json()
