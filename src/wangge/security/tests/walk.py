"""The every-URL, every-role walker: what an attacker with each demo account would try.

It enumerates every URL pattern of the project from the resolver (pages, API, Open311, the
public report pages; the Django admin has its own walk in `test_admin_scope.py`), fills each
path parameter with real ids of the sample district's objects, in scope and out of scope of
every role, and sends GET and POST with CSRF handled the way a browser does (the cookie, and the
token in the form field or the `X-CSRFToken` header) and with plausible bodies: the forms the
pages themselves render (parsed from their HTML and filled in), every action of the case
timeline, JSON generated from the OpenAPI schema with a few fields an attacker would add (mass
assignment), and the attack-1 ledger as every upload. It also POSTs without the CSRF token.

`DatabaseImage` photographs every protected table before a request and tells which rows the
request created, changed or deleted; `check_writes` proves each of them lies in the acting
user's write scope (`wangge.access.scoping`), so no POST reaches across the scope whatever it
returns.
"""

from __future__ import annotations

import datetime
import itertools
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from wangge.core.testing import SampleDistrict

ROLES = ["admin", "street", "community", "grid", "police", "nobody", "anonymous"]
# The Django admin has its own walk (test_admin_scope.py); static files hold no data.
SKIP_PREFIXES = ("admin/", "static/")
# Case actions of the timeline (cases.views.ACTIONS), each with the fields its form sends.
CASE_ACTIONS: dict[str, dict[str, str]] = {
    "dispatch": {"note": "请处理"},
    "transfer": {"reason": "不属本部门"},
    "return": {"reason": "不属本部门"},
    "sign_in": {},
    "handle": {"result": "已处理"},
    "verify": {"passed": "1", "note": "已核实"},
    "rate": {"rating": "satisfied", "comment": "好"},
    "close": {"note": "结案"},
    "reopen": {"reason": "未解决"},
}
# Fields a mass-assignment attacker adds to every JSON body.
MASS_ASSIGNMENT = {
    "id": 1,
    "pk": 1,
    "grid": "110105001002002",
    "grid_id": 1,
    "region_id": 1,
    "person_id": 1,
    "is_staff": True,
    "is_superuser": True,
    "status": "closed",
    "created_by": 1,
    "reporter_user": 1,
    "id_number": "110105196302148414",
}


def ledger(sample: SampleDistrict, victim_index: int = -1) -> bytes:
    """Attack 1's ledger: one row naming a resident by ID number, at an address nowhere."""
    victim = sample.persons[victim_index]
    return f"姓名,身份证号码,联系电话,现居住地址\n王鹏,{victim.id_number},13900001111,火星路1号\n".encode()


# -- routes ---------------------------------------------------------------------------------------


def patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every route of the URL configuration, e.g. `people/<int:person_id>/` or the regex of an
    Open311 route, in resolver order."""
    resolver = resolver or get_resolver()
    found: list[str] = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern).lstrip("^")
        if isinstance(entry, URLResolver):
            found += patterns(entry, route.rstrip("$"))
        elif isinstance(entry, URLPattern):
            found.append(route)
    return found


_PATH_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def param_names(route: str) -> list[str]:
    return [a or b for a, b in _PATH_PARAM.findall(route)]


@dataclass
class Target:
    route: str
    url: str  # absolute path
    owner: str | None  # code of the region that holds the object the URL names (None: none)

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")


def _values(
    sample: SampleDistrict, extra: dict[str, Any]
) -> dict[str, list[tuple[Any, str | None]]]:
    """For each path parameter: values and the code of the region that owns each. One object per
    grid at least, so every role meets objects inside and outside its scope."""
    from wangge.cases.models import Case, CasePhoto, Category
    from wangge.forms.models import Change, Submission

    cases = list(Case.objects.select_related("region").order_by("pk"))
    regions = [sample.district, sample.street, *sample.communities, *sample.grids]
    photos = list(CasePhoto.objects.select_related("case__region").order_by("pk"))
    return {
        "case_id": [(c.pk, c.region.code if c.region else None) for c in cases],
        "photo_id": [(p.pk, p.case.region.code if p.case.region else None) for p in photos],
        "code": [(r.code, r.code) for r in regions],
        "building_id": [(b.pk, b.grid.code) for b in sample.buildings if b.grid],
        "household_id": [(h.pk, h.grid.code) for h in sample.households[::2] if h.grid],
        "person_id": [(p.pk, p.grid.code) for p in sample.persons[::4] if p.grid],
        "rid": [(0, None)],
        # Open311: request ids are case numbers (public by design, without personal data: see
        # cases/tests/test_open311.py); service codes are category codes.
        "request_id": [(c.number, None) for c in cases[:2]],
        "service_code": [(c.code, None) for c in Category.objects.order_by("pk")[:2]],
        "fmt": [("json", None)],
        # forms: roster file names, submissions and conflict-inbox items (by their grid)
        "form_code": [("household_visit", None), ("verify_value", None)],
        "name": [("households.csv", None), ("persons.csv", None)],
        "submission_id": [
            (s.pk, s.grid.code if s.grid else None)
            for s in Submission.objects.select_related("grid").order_by("pk")[:8]
        ],
        "change_id": [
            (c.pk, c.grid.code if c.grid else None)
            for c in Change.objects.select_related("grid").order_by("pk")[:8]
        ],
        **extra,
    }


def targets(sample: SampleDistrict, extra: dict[str, list[tuple[Any, str | None]]]) -> list[Target]:
    """Concrete URLs for every route. A parameter the walker cannot fill fails the walk."""
    values = _values(sample, extra)
    found: list[Target] = []
    for route in patterns():
        if route.startswith(SKIP_PREFIXES):
            continue
        names = param_names(route)
        if route.startswith("open311/"):
            names = ["service_code" if n == "code" else n for n in names]
        for name in names:
            assert name in values, f"the walker has no values for {name!r} in {route}"
        for combo in itertools.product(*(values[name] for name in names)):
            url = route
            for value, _owner in combo:
                url = _PATH_PARAM.sub(str(value).replace("\\", r"\\"), url, count=1)
            url = "/" + url.rstrip("$").replace("\\.", ".")
            try:
                resolve(url)
            except Resolver404:
                raise AssertionError(
                    f"walker built {url} from {route}, which does not resolve"
                ) from None
            owner = next((o for _v, o in combo if o is not None), None)
            found.append(Target(route, url, owner))
    return found


# -- clients --------------------------------------------------------------------------------------


def client_for(role: str, sample: SampleDistrict) -> tuple[Client, str]:
    """A client that enforces CSRF like a browser, signed in as `role`, and its CSRF token."""
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        client.force_login(sample.users[role])
    token = _get_new_csrf_string()
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return client, token


def user_of(role: str, sample: SampleDistrict) -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser() if role == "anonymous" else sample.users[role]


# -- forms ----------------------------------------------------------------------------------------


@dataclass
class Form:
    action: str  # absolute path the form posts to
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    selects: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The POST forms of a page with the values a user who changes nothing would send."""

    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urlsplit(a.get("action") or self.page_url).path or self.page_url
                self._form = Form(action)
                self.forms.append(self._form)
            return
        form = self._form
        if form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                form.files.append(name)
            elif kind in ("checkbox", "radio"):
                if kind == "checkbox" or name not in {n for n, _v in form.fields}:
                    form.fields.append((name, a.get("value") or "on"))
            elif kind not in ("submit", "button", "reset", "image"):
                form.fields.append((name, a.get("value", "") or _plausible(name, kind)))
        elif tag == "select":
            self._select = name
            form.selects[name] = []
        elif tag == "option" and self._select is not None:
            if a.get("value"):
                form.selects[self._select].append(a["value"])
        elif tag == "textarea":
            self._textarea = name
            form.fields.append((name, "测试说明"))
        elif tag == "button" and a.get("value"):
            form.fields.append((name, a["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _plausible(name: str, kind: str) -> str:
    lowered = name.lower()
    if "phone" in lowered:
        return "13900001111"
    if kind == "number" or lowered in ("lon", "lat", "version", "rating"):
        return {"lon": "116.435", "lat": "39.905"}.get(lowered, "1")
    if kind == "date":
        return datetime.date.today().isoformat()
    if kind == "password":
        return "Wrong-password-1"
    return "测试"


def forms_in(page_url: str, html: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms


def form_bodies(form: Form, upload: bytes) -> list[dict[str, Any]]:
    """What a user submits through the form: the first choice of each select; a form with
    several submit buttons (`action`) is sent once per button."""
    base: dict[str, Any] = {}
    actions: list[str] = []
    for name, value in form.fields:
        if name == "action":
            actions.append(value)
        elif name in base:
            base[name] = [*(base[name] if isinstance(base[name], list) else [base[name]]), value]
        else:
            base[name] = value
    for name, options in form.selects.items():
        if options:
            base.setdefault(name, options[0])
    for name in form.files:
        base[name] = SimpleUploadedFile("台账.csv", upload, content_type="text/csv")
    bodies = [dict(base, action=action) for action in actions] or [base]
    return bodies


# -- JSON bodies from the OpenAPI schema ----------------------------------------------------------


def _resolve_ref(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root["components"]["schemas"][name]
    return schema


def example(schema: dict[str, Any], root: dict[str, Any], name: str = "") -> Any:
    """A plausible value for `schema`, chosen by type and field name."""
    schema = _resolve_ref(schema, root)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return example(options[0], root, name) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {key: example(sub, root, key) for key, sub in props.items()}
    if kind == "array":
        return [example(schema.get("items", {}), root, name)]
    if kind == "integer":
        return 1
    if kind == "number":
        return {"lon": 116.435, "lat": 39.905}.get(name, 1.0)
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time":
        return datetime.datetime.now(datetime.UTC).isoformat()
    if schema.get("format") == "date":
        return datetime.date.today().isoformat()
    lowered = name.lower()
    return {
        "department": "城管",
        "category": "H01",
        "region": "110105001002002",
        "reporter_phone": "13900001111",
        "decision": "match",
        "rating": "satisfied",
        "external_id": "WALK-1",
    }.get(lowered, "110105196302148414" if "id_number" in lowered else "测试")


# -- the database image ---------------------------------------------------------------------------


def _protected_models() -> list[type[Model]]:
    from django.contrib.auth import get_user_model

    from wangge.access.models import ApiToken, RoleAssignment
    from wangge.addresses.models import Building, Room, Unit
    from wangge.cases.models import (
        Case,
        CaseEvent,
        CasePhoto,
        Category,
        Department,
        DepartmentMembership,
        Responsibility,
    )
    from wangge.fusion.models import HandOver
    from wangge.geo.models import Region, StaffAssignment
    from wangge.inspections.models import Hazard, Notice, Place
    from wangge.people.models import Household, Person, Residence, Tag

    return [
        Place,
        Hazard,
        Notice,
        Person,
        Household,
        Residence,
        Room,
        Unit,
        Building,
        Region,
        StaffAssignment,
        Tag,
        Case,
        CaseEvent,
        CasePhoto,
        Category,
        Department,
        DepartmentMembership,
        Responsibility,
        HandOver,
        RoleAssignment,
        ApiToken,
        get_user_model(),
    ]


# Columns a request may touch without changing anything of substance.
_IGNORED = {"updated_at", "last_login", "last_used_at"}


@dataclass
class DatabaseImage:
    rows: dict[type[Model], dict[Any, dict[str, Any]]]

    @classmethod
    def take(cls) -> DatabaseImage:
        """Raw column values (ciphertext, not decrypted: fast, and a rewrite shows as a write)."""
        from django.db import connection

        rows: dict[type[Model], dict[Any, dict[str, Any]]] = {}
        with connection.cursor() as cursor:
            for model in _protected_models():
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")
                names = [d[0] for d in cursor.description]
                pk = model._meta.pk.column
                table: dict[Any, dict[str, Any]] = {}
                for values in cursor.fetchall():
                    row = {n: v for n, v in zip(names, values, strict=True) if n not in _IGNORED}
                    row["pk"] = row[pk]
                    table[row["pk"]] = row
                rows[model] = table
        return cls(rows)

    def changes(
        self, after: DatabaseImage
    ) -> list[tuple[str, type[Model], Any, dict[str, Any] | None, dict[str, Any] | None]]:
        """(kind, model, pk, row before, row after) for every created, changed or deleted row."""
        found: list[tuple[str, type[Model], Any, dict[str, Any] | None, dict[str, Any] | None]] = []
        for model, before_rows in self.rows.items():
            after_rows = after.rows[model]
            for pk in before_rows.keys() | after_rows.keys():
                old, new = before_rows.get(pk), after_rows.get(pk)
                if old == new:
                    continue
                kind = "created" if old is None else "deleted" if new is None else "changed"
                found.append((kind, model, pk, old, new))
        return found


def _instance(model: type[Model], row: dict[str, Any]) -> Model:
    """An unsaved instance carrying the row's keys (what the scoping rules read)."""
    obj = model()
    for f in model._meta.concrete_fields:
        if f.is_relation and f.column in row:
            setattr(obj, f.attname, row[f.column])
    obj.pk = row["pk"]
    return obj


def write_allowed(
    user: Any,
    kind: str,
    model: type[Model],
    old: dict[str, Any] | None,
    new: dict[str, Any] | None,
    cases_before: frozenset[Any] = frozenset(),
) -> bool:
    """Whether `user` may make this change: the scope is checked on the record before the
    change (what was reached) and after it (where it was put)."""
    from wangge.access import scoping
    from wangge.cases.models import Case, CaseEvent, CasePhoto
    from wangge.fusion.models import HandOver

    label = model._meta.label_lower
    if not getattr(user, "is_authenticated", False):
        # An anonymous resident's report makes a case and its first event and photos.
        return kind == "created" and model in (Case, CaseEvent, CasePhoto)
    if model is Case:
        if kind == "created":
            return scoping.scope_for(user).submits_cases
        assert old is not None
        return scoping.allows(user, _load(model, old), scoping.Right.VIEW)
    if model in (CaseEvent, CasePhoto):
        row = new or old
        assert row is not None
        # judged on the case as it was before the request (a handler who returns a case no
        # longer sees it afterwards)
        return row["case_id"] in cases_before
    if model is HandOver and kind == "created":
        return True  # an import row about someone else's resident: the holders decide
    if label == "tasks.task" and (new or old or {}).get("case_id") in cases_before:
        return True  # the grid's task for a case follows the case (tasks.sync_case_task)
    if label in scoping.POLICIES:
        rows = [r for r in (old, new) if r is not None]
        return all(scoping.allows(user, _load(model, r), scoping.Right.CHANGE) for r in rows)
    if label == "addresses.unit":
        from wangge.addresses.models import Building

        rows = [r for r in (old, new) if r is not None]
        return all(
            scoping.allows(user, Building.objects.get(pk=r["building_id"]), scoping.Right.CHANGE)
            for r in rows
        )
    return False  # registry, users, roles, departments: not changed through these pages


def _load(model: type[Model], row: dict[str, Any]) -> Model:
    """The record as it was, with the relations a policy follows loaded as they are now."""
    obj = _instance(model, row)
    for f in model._meta.concrete_fields:
        target = f.related_model
        if f.is_relation and getattr(obj, f.attname) is not None and not isinstance(target, str):
            assert target is not None
            related = target._default_manager.filter(pk=getattr(obj, f.attname)).first()
            if related is not None:
                setattr(obj, f.name, related)
    return obj


def check_writes(
    user: Any, before: DatabaseImage, after: DatabaseImage, where: str, token_case: Any = None
) -> int:
    """Fail on any row the request changed outside the user's write scope; count the rows.

    `token_case`: the pk of the case whose resident token the URL carries (the resident may
    confirm and rate their own report with it, signed in or not)."""
    from wangge.access import scoping
    from wangge.cases.models import Case, CaseEvent, CasePhoto

    changes = before.changes(after)
    if not changes:
        return 0
    seen = frozenset(
        pk
        for pk, row in before.rows[Case].items()
        if getattr(user, "is_authenticated", False)
        and scoping.allows(user, _load(Case, row), scoping.Right.VIEW)
    )
    # a case made by this request (its creation is judged itself) comes with its events
    seen |= after.rows[Case].keys() - before.rows[Case].keys()
    for kind, model, pk, old, new in changes:
        row = new or old or {}
        if token_case is not None and (
            (model is Case and pk == token_case)
            or (model in (CaseEvent, CasePhoto) and row.get("case_id") == token_case)
        ):
            continue
        assert write_allowed(user, kind, model, old, new, seen), (
            f"{where}: {getattr(user, 'username', 'anonymous')} {kind} "
            f"{model._meta.label_lower} #{pk} outside their scope"
        )
    return len(changes)


def json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# -- reads ----------------------------------------------------------------------------------------

REVEALING_ROLES = {"admin", "street", "community"}


def in_scope(role: str, owner_code: str, sample: SampleDistrict) -> bool:
    if role == "anonymous":
        return False
    user = sample.users[role]
    roots = [a.region.code for a in user.role_assignments.select_related("region")]
    return any(owner_code.startswith(root) for root in roots)


def assert_no_leak(body: str, sample: SampleDistrict, role: str, where: str) -> None:
    """No full ID number or phone; no birth date beside a masked ID for roles without reveal
    rights; no resident outside the role's scope, by name."""
    for person in sample.persons:
        assert person.id_number not in body, f"{where}: unmasked ID number shown to {role}"
        assert person.phone not in body, f"{where}: unmasked phone shown to {role}"
        if role not in REVEALING_ROLES and person.birth_date:
            assert person.birth_date.isoformat() not in body, f"{where}: birth date to {role}"
        if person.grid and not in_scope(role, person.grid.code, sample):
            assert person.name not in body, f"{where}: out-of-scope person shown to {role}"
