"""Every URL, as every role and as nobody at all, by GET and by POST.

The read walls were walked before (core/tests/test_permissions.py: status codes and masking per
page and endpoint). This walk is the attacker's: it also POSTs to every URL, with the forms the
pages render, every case action and schema-built JSON with extra fields, the attack-1 ledger as
every upload, with and without the CSRF token, on objects inside and outside the role's scope.
Whatever comes back: never a 5xx, no out-of-scope resident and no full identifier in the
answer, no row written outside the role's write scope, and every refusal in the audit log.
"""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wangge.api import api
from wangge.audit.models import AuditEntry
from wangge.core.testing import SampleDistrict
from wangge.security.tests import walk

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xffV\xc7/\r\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
# Answers that carry full identifiers on purpose (the reveal, audited) or are binary downloads
# whose rows are checked where they are built (fusion/tests).
UNCHECKED_BODIES = ("/reveal/", "/reveal", ".xlsx")
# A request refused at the door leaves an audit entry (access.middleware.RefusalAuditMiddleware).
AUDITED_SIGNED_IN = {401, 403, 404, 429}
AUDITED_ANONYMOUS = {403}


@pytest.fixture
def world(sample: SampleDistrict, settings: Any, tmp_path: Any) -> dict[str, Any]:
    """The sample district with cases (one per grid), photos, a street batch, hand-overs and a
    job: one object of each kind per grid where the kind lives in grids."""
    from wangge.cases.models import Case, CasePhoto, PhotoStage
    from wangge.cases.testing import build_sample_cases
    from wangge.fusion.models import HandOver
    from wangge.fusion.services import Upload, stage_batch
    from wangge.jobs.models import Job, JobStatus

    settings.MEDIA_ROOT = tmp_path
    build_sample_cases(sample)
    cases = list(Case.objects.order_by("pk"))
    for case in cases:
        CasePhoto.objects.create(
            case=case,
            stage=PhotoStage.REPORT,
            image=SimpleUploadedFile("p.png", PNG),
            content_type="image/png",
        )
    cases[0].rating_token = "walk-token-0"
    cases[0].save(update_fields=["rating_token"])
    batch = stage_batch(sample.users["street"], [Upload("街道台账.csv", walk.ledger(sample, 0))])
    for person in sample.persons[::4]:
        HandOver.objects.create(person=person, payload='{"phone": "13700009999"}')
    street = sample.users["street"]
    job = Job.objects.create(
        kind="case-sweep",
        label="街道的后台任务",
        user_id=street.pk,
        username=street.get_username(),
        region_code=sample.street.code,
        status=JobStatus.FAILED,
        error="测试：失败的任务",
    )
    from wangge.tasks.models import TaskKind
    from wangge.tasks.services import create_task

    tasks = [create_task(None, kind=TaskKind.VISIT, household=h) for h in sample.households[::2]]
    handovers = HandOver.objects.select_related("person__grid").order_by("pk")
    from wangge.inspections.testing import build_walk_data, walk_values

    build_walk_data(sample)
    extra: dict[str, list[tuple[Any, str | None]]] = {
        **walk_values(),
        "batch_id": [(batch.pk, sample.street.code)],
        "handover_id": [
            (h.pk, h.person.grid.code) for h in handovers if h.person and h.person.grid
        ],
        "job_id": [(job.pk, sample.street.code)],
        "task_id": [(t.pk, t.region.code) for t in tasks],
        # a resident's token (public by design), and one that matches nothing
        "token": [("walk-token-0", None), ("no-such-token", None)],
    }
    return {"targets": walk.targets(sample, extra), "token_case": cases[0].pk}


@functools.cache
def _schema_paths() -> dict[tuple[str, str], dict[str, Any]]:
    schema = api.get_openapi_schema()
    return {
        (method, path): op
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    }


def _api_bodies(
    target: walk.Target, sample: SampleDistrict, root: dict[str, Any]
) -> list[tuple[dict[str, Any], str | None]]:
    """(body, content type) pairs for a POST to an API route: the schema's plausible body, the
    same with mass-assignment fields, and nothing at all."""
    import re

    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", target.route)
    op = _schema_paths().get(("post", path))
    bodies: list[tuple[dict[str, Any], str | None]] = [({}, "application/json")]
    if op is None or "requestBody" not in op:
        return bodies
    content = op["requestBody"]["content"]
    if "application/json" in content:
        body = walk.example(content["application/json"]["schema"], root)
        if isinstance(body, dict):
            body = {k: (None if k == "version" else v) for k, v in body.items()}
            bodies.append((body, "application/json"))
            bodies.append(({**walk.MASS_ASSIGNMENT, **body}, "application/json"))
    if "multipart/form-data" in content:
        schema = walk._resolve_ref(content["multipart/form-data"]["schema"], root)
        form: dict[str, Any] = {}
        for name, sub in schema.get("properties", {}).items():
            sub = walk._resolve_ref(sub, root)
            binary = sub.get("format") == "binary" or sub.get("items", {}).get("format") == "binary"
            if binary:
                form[name] = SimpleUploadedFile("台账.csv", walk.ledger(sample), "text/csv")
            else:
                form[name] = "测试"
        bodies.append((form, None))
    return bodies


def _refusal_audited(role: str, status: int, before: int, where: str) -> None:
    audited = AUDITED_ANONYMOUS if role == "anonymous" else AUDITED_SIGNED_IN
    if status in audited:
        assert AuditEntry.objects.count() > before, f"{where}: refusal {status} not audited"


def _check_read(
    role: str, target: walk.Target, response: Any, sample: SampleDistrict, where: str
) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    if target.owner is not None and not walk.in_scope(role, target.owner, sample):
        # Nothing about an object outside the scope: refused, or sent to log in.
        assert response.status_code in (302, 400, 401, 403, 404, 405, 409, 422), (
            f"{where}: {response.status_code} on an out-of-scope object"
        )
    if target.url.endswith(UNCHECKED_BODIES):
        return
    walk.assert_no_leak(response.content.decode(errors="replace"), sample, role, where)


def _harvest(client: Client, targets: list[walk.Target]) -> dict[str, list[walk.Form]]:
    """The POST forms every page shows this client, by the URL they post to."""
    forms: dict[str, list[walk.Form]] = {}
    for target in targets:
        if target.api or target.url.endswith((".xlsx", ".geojson", ".json")):
            continue
        response = client.get(target.url)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for form in walk.forms_in(target.url, response.content.decode()):
                forms.setdefault(form.action, []).append(form)
    return forms


def _bodies(
    target: walk.Target,
    forms: dict[str, list[walk.Form]],
    sample: SampleDistrict,
    root: dict[str, Any],
) -> list[tuple[dict[str, Any], str | None]]:
    """Every plausible body for a POST to `target`: (data, JSON content type or None)."""
    if target.api:
        return _api_bodies(target, sample, root)
    bodies: list[tuple[dict[str, Any], str | None]] = [
        (b, None)
        for f in forms.get(target.url, [])
        for b in walk.form_bodies(f, walk.ledger(sample))
    ]
    if target.url.startswith("/cases/") and target.url.endswith("/action/"):
        from wangge.cases.models import Case, Department

        case = Case.objects.get(pk=int(target.url.split("/")[2]))
        department = Department.objects.order_by("pk").values_list("pk", flat=True).first()
        for action, fields in walk.CASE_ACTIONS.items():
            body = {"action": action, "version": str(case.version), "department": str(department)}
            bodies.append(({**body, **fields}, None))
    bodies.append(({}, None))
    return bodies


def _made(
    client: Client,
    target: walk.Target,
    response: Any,
    followed: set[str],
    forms: dict[str, list[walk.Form]],
    sample: SampleDistrict,
) -> list[walk.Target]:
    """The URLs of what a POST just made: the page it redirected to (whose forms are harvested)
    or, for the API, the routes under the collection with the new id."""
    made: list[walk.Target] = []
    if response.status_code == 302 and not target.api:
        location = urlsplit(response["Location"]).path
        if location in followed or location.startswith(("/login/", "/admin/")):
            return []
        followed.add(location)
        page = client.get(location)
        assert page.status_code < 500, location
        if page.status_code == 200 and "html" in page.get("Content-Type", ""):
            for form in walk.forms_in(location, page.content.decode()):
                forms.setdefault(form.action, []).append(form)
                if form.action not in followed:
                    followed.add(form.action)
                    made.append(walk.Target("(made)", form.action, None))
            made.append(walk.Target("(made)", location, None))
    elif target.api and response.status_code in (200, 201) and target.url.endswith("/"):
        body = response.json()
        new_id = body.get("id") if isinstance(body, dict) else None
        if new_id is None:
            return []
        prefix = target.route
        for route in walk.patterns():
            rest = route[len(prefix) :] if route.startswith(prefix) else ""
            names = walk.param_names(rest)
            if len(names) == 1 and rest.startswith("<") and not walk.param_names(prefix):
                url = "/" + prefix + walk._PATH_PARAM.sub(str(new_id), rest, count=1)
                if url not in followed:
                    followed.add(url)
                    made.append(walk.Target(route, url, None))
    return made


@pytest.mark.parametrize("role", walk.ROLES)
def test_every_url_by_get_and_post_stays_in_scope(
    role: str, sample: SampleDistrict, world: dict[str, Any]
) -> None:
    targets: list[walk.Target] = world["targets"]
    token_case = world["token_case"]
    user = walk.user_of(role, sample)
    root = api.get_openapi_schema()

    # What the pages offer to post, as the district admin (who sees every object) and as the
    # role itself; both are sent by the role.
    admin, _ = walk.client_for("admin", sample)
    forms = _harvest(admin, targets)
    client, token = walk.client_for(role, sample)
    for action, found in _harvest(client, targets).items():
        forms.setdefault(action, []).extend(found)

    # GET: reads only, and nothing written by a read.
    image = walk.DatabaseImage.take()
    for target in targets:
        before = AuditEntry.objects.count()
        query = {"q": "测"} if "search" in target.url else {}
        response = client.get(target.url, query)
        where = f"GET {target.url} as {role}"
        _check_read(role, target, response, sample, where)
        _refusal_audited(role, response.status_code, before, where)
    assert not image.changes(walk.DatabaseImage.take()), f"a GET as {role} wrote to the database"

    # POST, with the CSRF token, every plausible body; what a POST creates (a batch staged from
    # the attack ledger, a case) is followed once: its own forms and actions are posted too
    # (committing the ledger as the role, for one).
    posted = written = 0
    image = walk.DatabaseImage.take()
    queue: list[tuple[walk.Target, list[tuple[dict[str, Any], str | None]], int]] = [
        (target, _bodies(target, forms, sample, root), 0) for target in targets
    ]
    followed: set[str] = {t.url for t in targets}
    while queue:
        target, bodies, depth = queue.pop(0)
        for body, content_type in bodies:
            before = AuditEntry.objects.count()
            where = f"POST {target.url} {sorted(body)} as {role}"
            if content_type == "application/json":
                response = client.post(
                    target.url, walk.json_dumps(body), content_type, HTTP_X_CSRFTOKEN=token
                )
            else:
                data = {**body, "csrfmiddlewaretoken": token}
                response = client.post(target.url, data, HTTP_X_CSRFTOKEN=token)
            posted += 1
            _check_read(role, target, response, sample, where)
            _refusal_audited(role, response.status_code, before, where)
            after = walk.DatabaseImage.take()
            written += walk.check_writes(user, image, after, where, token_case=token_case)
            image = after
            if role != "anonymous" and "_auth_user_id" not in client.session:
                client.force_login(user)  # the walk posted to /logout/
            if depth == 0:
                for new in _made(client, target, response, followed, forms, sample):
                    queue.append((new, _bodies(new, forms, sample, root), 1))
    assert posted > len(targets)

    # POST without the CSRF token: refused before anything happens (Open311 takes its own
    # api_key and is exempt by design; the anonymous report page has nothing to forge).
    bare = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        bare.force_login(user)
    image = walk.DatabaseImage.take()
    for target in targets:
        before = AuditEntry.objects.count()
        response = bare.post(target.url, {"action": "close", "note": "x"})
        where = f"POST {target.url} without CSRF as {role}"
        assert response.status_code < 500, where
        if role != "anonymous" and not target.url.startswith("/open311/"):
            assert response.status_code in (401, 403, 405), f"{where}: {response.status_code}"
        _refusal_audited(role, response.status_code, before, where)
    assert not image.changes(walk.DatabaseImage.take()), f"a forged POST as {role} wrote"
