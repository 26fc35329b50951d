"""Every page at phone width (390×844), as every role: nothing wider than the screen.

The walker starts at the home page, follows every link of this site it finds (one page per URL
pattern and set of query keys), and also opens every page the URL resolver knows with its path
parameters filled (person, household, building, case, import batch, hand-over, job), so a new
page is walked without touching this file. On each page it fails on:

- the page itself scrolling sideways (`document.scrollingElement.scrollWidth` > 390);
- any element reaching past the screen's edge that is not inside a scroll container which fits
  the screen, or that is clipped by a non-scrolling container (a column silently cut off);
- a scroll container that overflows without the shared hint (class `wg-scroll`, set by
  static/wangge/app.js on wide tables; see docs/ui.md);
- a table cell hidden by CSS (a column dropped at phone width);
- a value in a list of facts (`dl dd`) squeezed narrower than 32 px by a long label (numbers
  broken digit by digit);
- buttons, fields, navigation links (the top bar's, tabs, filters, section links, pagers) and a
  case action's folded summary (转派) smaller than 24×24 px (WCAG 2.2 target size minimum) or
  under 40 px high (a thumb on the move), and links standing alone in a list's cells or cards
  less than 24 px high;
- a link drawn as a button (`a.button`) whose word sits off the middle of its box;
- what sits beside a page's title (`.heading`), wrapped under it, touching what follows, or an
  empty box beside it (no button for this user) leaving a blank band under the title.

Screenshots of each page, for each role, land in test-results/screenshots/phone/ for a person
to look at (Chinese line breaking, crowding).
"""

from __future__ import annotations

import contextlib
import re
from collections import deque
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest
from django.urls import Resolver404, get_resolver, resolve
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from wangge.core.testing import PASSWORD, SampleDistrict
from wangge.core.tests.test_browser import SHOTS, browser  # noqa: F401  (shared fixture)
from wangge.core.tests.test_permissions import _patterns

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 390, 844
PHONE = {
    "viewport": {"width": WIDTH, "height": HEIGHT},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    # The offline workbench's service worker would take over every later page of a role's walk;
    # its own test (offline/tests/test_browser_offline.py) runs with it.
    "service_workers": "block",
}
MISSING = "/no-such-page/"  # the 404 page is a page too
# Not pages: the API and Open311 (the docs page has its own browser test), the Django admin,
# language switching and logging out (POST), static files.
# (and the offline workbench's service worker and web app manifest: code and JSON, not pages)
SKIP_PREFIXES: tuple[str, ...] = ("api/", "open311/", "admin/", "i18n/", "static/", "logout/")
SKIP_PREFIXES += ("media/", "sw.js", "manifest.webmanifest")
MAX_PAGES = 90  # per role: a guard against a link that makes endless new URLs

# Detail pages each role must have reached (the walker proves its own coverage).
PERSON_PAGES = {
    "people/<int:person_id>/",
    "people/households/<int:household_id>/",
    "buildings/<int:building_id>/",
    "cases/<int:case_id>/",
}
REQUIRED = {
    "admin": PERSON_PAGES
    | {"imports/<int:batch_id>/", "imports/handovers/<int:handover_id>/", "jobs/<uuid:job_id>/"},
    "street": PERSON_PAGES | {"imports/<int:batch_id>/", "jobs/<uuid:job_id>/"},
    "community": PERSON_PAGES | {"imports/<int:batch_id>/", "jobs/<uuid:job_id>/"},
    "grid": PERSON_PAGES,
    # a department handler: its cases and the buildings they are in, no residents' files
    "police": {"buildings/<int:building_id>/", "cases/<int:case_id>/"},
    "public": {"report/", "report/track/<str:token>", "cases/rate/<str:token>/", "login/"},
}
REVEALING = {"admin", "street", "community"}

CHECK_PAGE = """
(vw) => {
  const problems = [];
  const fits = (r) => r.left >= -1 && r.right <= vw + 1;
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (el.classList && el.classList.length) s += "." + [...el.classList].join(".");
    const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 30);
    return text ? `${s} "${text}"` : s;
  };
  const root = document.scrollingElement || document.documentElement;
  if (root.scrollWidth > vw) {
    problems.push(`the page scrolls sideways: scrollWidth ${root.scrollWidth}px > ${vw}px`);
  }
  const clipper = (el) => {
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return a;
    }
    return null;
  };
  const reported = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest(".leaflet-container")) continue;  // a map is a window on a larger world
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || fits(r)) continue;
    if (getComputedStyle(el).visibility === "hidden") continue;
    if (reported.some((p) => p.contains(el))) continue;
    const box = clipper(el);
    if (box) {
      const overflow = getComputedStyle(box).overflowX;
      const scrolls = overflow === "auto" || overflow === "scroll";
      if (fits(box.getBoundingClientRect())) {
        if (!scrolls) problems.push(`${describe(el)} is cut off by ${describe(box)}`);
        reported.push(box);
        continue;
      }
    }
    reported.push(el);
    problems.push(`${describe(el)} is wider than the screen (${Math.round(r.left)}..${Math.round(r.right)}px)`);
  }
  for (const box of document.body.querySelectorAll("*")) {
    if (box.closest(".leaflet-container")) continue;
    const overflow = getComputedStyle(box).overflowX;
    if ((overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth + 1
        && !box.classList.contains("wg-scroll")) {
      problems.push(`${describe(box)} scrolls sideways without the shared hint (wg-scroll)`);
    }
  }
  for (const cell of document.querySelectorAll("table th, table td")) {
    const table = cell.closest("table");
    if (!table.getClientRects().length || cell.closest("[hidden]")) continue;
    if (getComputedStyle(cell).display === "none") {
      problems.push(`${describe(table)}: a column is hidden at phone width (${describe(cell)})`);
    }
  }
  for (const dd of document.querySelectorAll("dl dd")) {
    const w = dd.getBoundingClientRect().width;
    if (w && w < 32 && dd.textContent.trim() && !dd.closest(".leaflet-container")) {
      problems.push(`${describe(dd)}: a value squeezed to ${Math.round(w)}px by its label`);
    }
  }
  const targets = "button, select, textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), "
    + "header a, nav a, .tabs a, .actions a, .actions summary, .pager a, .filters a, .sections a";
  for (const el of document.querySelectorAll(targets)) {
    if (el.closest(".leaflet-container")) continue;
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;  // not shown
    if (getComputedStyle(el).visibility === "hidden") continue;
    if (r.width < 24 || r.height < 24) {
      problems.push(`${describe(el)} is too small to tap (${Math.round(r.width)}×${Math.round(r.height)}px)`);
    } else if (r.height < 39.5) {  // a thumb on the move needs 40 px (docs/ui.md)
      problems.push(`${describe(el)} is under 40 px high (${Math.round(r.height)}px)`);
    }
  }
  // what sits beside a page's title (地图, 待签收), wrapped under it, keeps clear of what follows
  for (const head of document.querySelectorAll(".heading")) {
    for (const c of head.children) {
      // an empty box beside the title (no button for this user) still pushes its margins
      if (c.tagName !== "H1" && !c.children.length && !c.textContent.trim() && c.getClientRects().length) {
        problems.push(`${describe(head)}: an empty ${describe(c)} takes room under the title`);
      }
    }
    const next = head.nextElementSibling;
    if (!next || !next.getClientRects().length) continue;
    const bottom = Math.max(...[...head.children].map((c) => c.getBoundingClientRect().bottom));
    if (next.getBoundingClientRect().top - bottom < 6) {
      problems.push(`${describe(head)}: touches ${describe(next)} below it`);
    }
  }
  // a link drawn as a button: its word in the middle of the box, not stuck to the top edge
  for (const el of document.querySelectorAll("a.button, label.button")) {
    const r = el.getBoundingClientRect();
    if (!r.height || el.closest(".leaflet-container")) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const t = range.getBoundingClientRect();
    if (t.height && Math.abs((t.top + t.bottom) / 2 - (r.top + r.bottom) / 2) > 3) {
      problems.push(`${describe(el)}: its text is off the middle of the button`);
    }
  }
  // a link alone in a list's cell or item (a case number, a name): tall enough for a thumb
  for (const el of document.querySelectorAll("main td a:not(.button), main ul.cards a:not(.button)")) {
    if (el.closest(".leaflet-container")) continue;
    const r = el.getBoundingClientRect();
    if (r.height && r.height < 24) {
      problems.push(`${describe(el)} is too short to tap (${Math.round(r.height)}px high)`);
    }
  }
  return problems;
}
"""


def _route(url: str) -> str | None:
    """The URL pattern a link of this site leads to, or None for what the walker skips."""
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return None
    route = match.route
    return None if route.startswith(SKIP_PREFIXES) else route


def _walk_key(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)} - {"page"})
    return f"{_route(url)}?{'&'.join(keys)}"


def _slug(route: str, query: str) -> str:
    text = (route + ("-" + query if query else "")).strip("/") or "home"
    return re.sub(r"[^\w]+", "-", re.sub(r"<(?:\w+:)?(\w+)>", r"\1", text)).strip("-")[:80]


@pytest.fixture
def phone_data(sample: SampleDistrict, settings: Any, tmp_path: Any) -> dict[str, list[Any]]:
    """Something on every page: cases in several states, a staged and a committed batch, a
    hand-over, jobs that succeeded and failed. Values for each path parameter, in the order the
    walker tries them."""
    from wangge.cases import services as cases
    from wangge.cases.testing import build_sample_cases
    from wangge.fusion.models import HandOver
    from wangge.fusion.services import Upload, commit_batch, stage_batch
    from wangge.fusion.tests.test_views import ledger_csv
    from wangge.jobs.models import Job, JobStatus

    settings.MEDIA_ROOT = tmp_path / "media"
    made = build_sample_cases(sample)
    case = made["cases"][0]
    case = cases.sign_in(made_handler(sample, case), case)
    cases.record_handling(
        made_handler(sample, case), case, result="已责令施工单位夜间停工，现场复查无噪音"
    )
    batches = [
        stage_batch(sample.users["community"], [Upload("幸福一村台账.csv", ledger_csv())]),
        stage_batch(
            sample.users["street"],
            [
                Upload(
                    "街道台账.csv",
                    "姓名,联系电话,现居住地址\n周导入,13700000001,幸福路12号3号楼2单元301\n".encode(),
                )
            ],
            label="京广路街道2024年流动人口台账（第三季度补录）",
        ),
    ]
    commit_batch(sample.users["street"], batches[1].pk)
    for person in sample.persons[::4]:
        HandOver.objects.create(person=person, payload='{"phone": "13700009999"}')
    jobs = []
    for role, region, status in (
        ("community", sample.communities[0], JobStatus.SUCCEEDED),
        ("street", sample.street, JobStatus.FAILED),
        ("street", sample.street, JobStatus.RUNNING),
    ):
        user = sample.users[role]
        jobs.append(
            Job.objects.create(
                kind="import-stage",
                label=f"检查台账 幸福一村社区2024年第三季度人口台账（{role}）.xlsx",
                user_id=user.pk,
                username=user.get_username(),
                region_code=region.code,
                status=status,
                stage="写入户籍与居住关系",
                done=7,
                total=7 if status == JobStatus.SUCCEEDED else 12,
                result={"persons": 7, "households": 3},
                result_url=f"/imports/{batches[0].pk}/",
                error=""
                if status == JobStatus.SUCCEEDED
                else "台账第 5 行：身份证号 12345 位数不对",
            )
        )
    from wangge.cases.models import Case
    from wangge.inspections.testing import build_walk_data, walk_values

    build_walk_data(sample)
    inspections = {name: [v for v, _owner in pairs] for name, pairs in walk_values().items()}
    from wangge.tasks.models import Task, TaskKind
    from wangge.tasks.services import create_task

    for household in sample.households:  # a visit for each household (the workbench)
        create_task(None, kind=TaskKind.VISIT, household=household, due_in_working_days=0)
    all_cases = list(Case.objects.order_by("pk"))
    return {
        "case_id": [c.pk for c in all_cases],
        "code": [
            r.code for r in (*sample.grids, *sample.communities, sample.street, sample.district)
        ],
        "building_id": [b.pk for b in sample.buildings],
        "household_id": [h.pk for h in sample.households],
        "person_id": [p.pk for p in sample.persons],
        "batch_id": [b.pk for b in batches],
        "handover_id": list(HandOver.objects.order_by("pk").values_list("pk", flat=True)),
        "job_id": [j.pk for j in jobs],
        "task_id": list(Task.objects.order_by("pk").values_list("pk", flat=True)[:6]),
        "token": [c.rating_token for c in all_cases if c.rating_token],
        "photo_id": [],
        "rid": [],
        "place_id": inspections["place_id"],
        "hazard_id": inspections["hazard_id"],
        "notice_id": inspections["notice_id"],
        "campaign_id": inspections["campaign_id"],
        "hazard_photo_id": [],  # images, not pages
        "fmt": [],  # a notice's .docx/PDF: downloads, not pages
        "form_code": ["household_visit"],
        # forms: submissions and conflicts are made by the OpenRosa tests, none here
        "submission_id": [],
        "change_id": [],
        "name": [],
    }


def made_handler(sample: SampleDistrict, case: Any) -> Any:
    return sample.users["chengguan" if case.department.name == "城管" else "police"]


def _filled(route: str, values: dict[str, list[Any]]) -> list[str]:
    """Up to four concrete URLs for a route (every parameter takes its n-th value)."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if not names:
        return ["/" + route]
    urls: list[str] = []
    for n in range(4):
        url = route
        for name in names:
            options = values.get(name)
            assert options is not None, f"the phone walker has no values for {name!r} ({route})"
            if n >= len(options):
                return urls
            url = re.sub(r"<(?:\w+:)?\w+>", str(options[n]), url, count=1)
        urls.append("/" + url)
    return urls


def _settle(page: Any) -> None:
    """Wait for what fills a page after load: htmx swaps, maps, charts."""
    page.wait_for_load_state("load")
    # Pages that poll (a running job) never go idle; what loaded by then is enough.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_load_state("networkidle", timeout=3000)
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=5000)


@pytest.mark.parametrize(
    "role", ["admin", "street", "community", "grid", "police", "public", "street-en"]
)
def test_every_page_fits_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    phone_data: dict[str, list[Any]],
    role: str,
) -> None:
    """`street-en`: the street officer in English, whose words are longer than Chinese ones."""
    base = live_server.url
    role, _, language = role.partition("-")
    context = browser.new_context(**PHONE)
    if language:
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        role_name = f"{role}-{language}"
    else:
        role_name = role
    page = context.new_page()
    if role != "public":
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", role)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
    shots = SHOTS / "phone"
    shots.mkdir(parents=True, exist_ok=True)

    queue: deque[str] = deque(["/", "/people/search/?q=测", MISSING])
    if role == "public":
        queue.extend(["/login/", "/report/"])
    for route, _pattern in _patterns(get_resolver()):
        if not route.startswith(SKIP_PREFIXES):
            queue.extend(_filled(route, phone_data))
    seen: set[str] = set()
    reached: set[str] = set()
    problems: dict[str, list[str]] = {}  # what is wrong → on which pages
    walked = 0
    while queue and walked < MAX_PAGES:
        url = queue.popleft()
        key = _walk_key(url)
        if key in seen or (_route(url) is None and url != MISSING):
            continue
        # Look before opening: downloads and redirects are not walked, and of the pages this
        # role may not open only the first refusal (403/404 page) is.
        head = context.request.get(base + url)
        if unquote(head.url) != base + unquote(url):  # a redirect: walk where it leads
            seen.add(key)
            queue.append(head.url.removeprefix(base))
            continue
        if not head.headers.get("content-type", "").startswith("text/html"):
            continue
        if "<html" not in head.text()[:500]:  # an htmx fragment, shown inside its page
            continue
        if head.status != 200:
            key = f"error {head.status}"
            if head.status not in (403, 404) or key in seen:
                continue
        seen.add(key)
        page.goto(base + url)
        _settle(page)
        walked += 1
        if head.status == 200:
            reached.add(_route(url) or "")
        route, query = _route(url) or "", urlsplit(url).query
        name = _slug(route, query) if head.status == 200 else f"error-{head.status}"
        page.screenshot(path=shots / f"{role_name}-{name}.png", full_page=True)
        for problem in page.evaluate(CHECK_PAGE, WIDTH):
            problems.setdefault(problem, []).append(url)
        for href in page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.getAttribute('href'))"
        ):
            if href.startswith("/") and not href.startswith("//"):
                queue.append(href.split("#")[0])
    if role in REVEALING:  # the full identifiers, revealed in place
        page.goto(f"{base}/people/{sample.persons[0].pk}/")
        page.click("#identifiers button")
        page.wait_for_selector(".revealed")
        page.screenshot(path=shots / f"{role_name}-person-revealed.png", full_page=True)
        for problem in page.evaluate(CHECK_PAGE, WIDTH):
            problems.setdefault(problem, []).append("person page, revealed")
    context.close()
    assert walked >= 3, f"{role} reached only {walked} pages"
    missing = REQUIRED[role] - reached
    assert not missing, f"{role} never reached {sorted(missing)}"
    assert not problems, f"{len(problems)} problems at {WIDTH}px as {role_name}:\n" + "\n".join(
        f"{problem}  — on {len(urls)} page(s): {' '.join(urls[:3])}"
        for problem, urls in problems.items()
    )
