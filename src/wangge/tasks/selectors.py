"""Scoped reads for the workbench: the grid worker's day, and the office's view of its team.

Every query starts from `Task.objects.visible_to(user)` (or the household and case policies),
so nothing here filters by region by hand. The workbench is what a grid worker opens first on a
phone, so its queries are bounded: at most `WORKBENCH_LIMIT` tasks are listed (the rest are
counted), households not visited and new cases are short lists with a count.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from wangge.access.scoping import Right, allows, scope_for
from wangge.geo.models import Region, RegionLevel
from wangge.tasks.models import Task, TaskKind, TaskQuerySet, TaskStatus

WORKBENCH_LIMIT = (
    100  # tasks listed on the phone (a day's round); more are counted, paged on /tasks/list/
)
NOT_VISITED_SHOWN = 20
NEW_CASE_DAYS = 3
NEW_CASES_SHOWN = 10


@functools.cache
def _url_bases() -> tuple[str | None, str, str]:
    """(the offline form page or None, a case's page, a task's page) without the id: the
    workbench and the API build hundreds of links, and `reverse` per link cost more than the
    queries."""
    try:
        offline: str | None = reverse("offline:fill")
    except NoReverseMatch:
        offline = None
    case = reverse("cases:detail", args=[1])
    task = reverse("tasks:detail", args=[1])
    return offline, case[: case.rindex("1/")], task[: task.rindex("1/")]


def open_url(
    task_id: int, kind: str, form_code: str, case_id: int | None, household_id: int | None
) -> str:
    """Where one tap on the task goes: the form to fill (offline web form when the offline app
    is installed, else the forms app's page), the case, or the task itself."""
    offline, case_base, task_base = _url_bases()
    if kind == TaskKind.CASE and case_id:
        return f"{case_base}{case_id}/"
    page = _KIND_PAGES.get(kind)
    if page is not None:
        return page(task_id)
    if not form_code:
        return f"{task_base}{task_id}/"
    extra = f"&household={household_id}" if household_id else ""
    if offline is not None:
        return f"{offline}?form={form_code}&task={task_id}{extra}"
    return f"/forms/{form_code}/fill/?task={task_id}{extra}"


KindPage = Callable[[int], str]
_KIND_PAGES: dict[str, KindPage] = {}


def register_kind_page(kind: str, page: KindPage) -> None:
    """One tap on a task of `kind` opens `page(task_id)` (a re-inspection opens its screen of
    the notice's items) instead of the task's page. Registered by the app that owns the screen
    (from its AppConfig.ready), so the tasks app imports none of the apps it serves; the page
    checks the user's scope itself."""
    _KIND_PAGES[kind] = page


SubjectLink = Callable[[str], tuple[str, str] | None]
_SUBJECT_LINKS: dict[str, SubjectLink] = {}


def register_subject_link(prefix: str, link: SubjectLink) -> None:
    """A task whose `subject_ref` starts with `prefix` ("inspections.notice:") links to what
    `link(id)` names: (label, url). Registered by the app that owns the subject (from its
    AppConfig.ready), so the tasks app imports none of the apps it serves."""
    _SUBJECT_LINKS[prefix] = link


def subject_link(task: Task) -> tuple[str, str] | None:
    """(label, url) of the task's subject page, when its app registered one. The page it opens
    checks the user's scope itself."""
    for prefix, link in _SUBJECT_LINKS.items():
        if task.subject_ref.startswith(prefix):
            return link(task.subject_ref[len(prefix) :])
    return None


def fill_url(task: Task) -> str:
    return open_url(task.pk, task.kind, task.form_code, task.case_id, task.household_id)


def is_grid_worker(user: Any) -> bool:
    return bool(scope_for(user).grid_roots)


def my_open_tasks(user: Any) -> TaskQuerySet:
    """Open tasks the user works on: assigned to them, or for the post in a grid they work in
    and not assigned to anyone else."""
    scope = scope_for(user)
    tasks = Task.objects.visible_to(user).open()
    if scope.is_staff:
        return tasks.filter(assignee_id=user.pk)
    return tasks.filter(Q(assignee__isnull=True) | Q(assignee_id=user.pk))


def building_label(road: str, number: str, name: str) -> str:
    """As `addresses.Building.label`, from the columns (no model instance per row)."""
    building = f"{name}号楼" if name and name.isdigit() else name
    return f"{road}{number}号{building}"


KIND_LABELS = dict(TaskKind.choices)


@dataclass
class TaskRow:
    """What a list of tasks shows of one, read as columns: the workbench lists hundreds, and a
    model instance per task (with its building, household, room and unit) cost more than the
    query. Attribute names follow the model's, so the templates read either."""

    pk: int
    kind: str
    title: str
    due_date: datetime.date
    priority: int
    escalation_level: int
    form_code: str
    status: str
    region_id: int
    assignee_id: int | None
    household_id: int | None
    person_id: int | None
    case_id: int | None
    building_id: int | None
    version: int
    building_label: str
    where: str  # the room within its building (2单元301室)
    sort_key: tuple[str, str]
    open_url: str

    @property
    def get_kind_display(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def id(self) -> int:
        return self.pk


ROW_FIELDS = (
    "pk",
    "kind",
    "title",
    "due_date",
    "priority",
    "escalation_level",
    "form_code",
    "status",
    "region_id",
    "assignee_id",
    "household_id",
    "person_id",
    "case_id",
    "building_id",
    "version",
    "building__road",
    "building__number",
    "building__name",
    "household__room__name",
    "household__room__unit__name",
)


def rows(tasks: Any) -> list[TaskRow]:
    out = []
    for r in tasks.values(*ROW_FIELDS):
        room, unit = r["household__room__name"], r["household__room__unit__name"] or ""
        where = ""
        if room is not None:
            where = f"{unit}单元" if unit else ""
            where += f"{room}室" if room.isdigit() else room
        label = (
            building_label(r["building__road"], r["building__number"], r["building__name"])
            if r["building_id"]
            else ""
        )
        out.append(
            TaskRow(
                pk=r["pk"],
                kind=r["kind"],
                title=r["title"],
                due_date=r["due_date"],
                priority=r["priority"],
                escalation_level=r["escalation_level"],
                form_code=r["form_code"],
                status=r["status"],
                region_id=r["region_id"],
                assignee_id=r["assignee_id"],
                household_id=r["household_id"],
                person_id=r["person_id"],
                case_id=r["case_id"],
                building_id=r["building_id"],
                version=r["version"],
                building_label=label,
                where=where,
                sort_key=(unit.rjust(4), (room or "").rjust(6)),
                open_url=open_url(
                    r["pk"], r["kind"], r["form_code"], r["case_id"], r["household_id"]
                ),
            )
        )
    return out


@dataclass
class BuildingGroup:
    label: str
    building_id: int | None
    tasks: list[TaskRow] = field(default_factory=list)


@dataclass
class Workbench:
    today: datetime.date
    groups: list[BuildingGroup]
    overdue: int
    due_today: int
    later: int
    listed: int
    not_visited: list[Any]
    not_visited_count: int
    visit_interval: int
    new_cases: list[Any]
    rechecks: int = 0  # open re-inspections (回头看), due or not

    @property
    def due(self) -> int:
        return self.overdue + self.due_today

    @property
    def more(self) -> int:
        return self.due - self.listed


def group_by_building(tasks: list[TaskRow]) -> list[BuildingGroup]:
    """Tasks grouped by building, buildings in address order and, within one, by unit and
    room, so that a round goes up one stairwell after another; tasks without a building last."""
    groups: dict[int | None, BuildingGroup] = {}
    for task in tasks:
        key = task.building_id
        if key not in groups:
            groups[key] = BuildingGroup(task.building_label or "其他（无楼栋）", key)
        groups[key].tasks.append(task)
    for group in groups.values():
        group.tasks.sort(key=lambda t: (*t.sort_key, t.due_date, t.title))
    return sorted(groups.values(), key=lambda g: (g.building_id is None, g.label))


def workbench(user: Any, today: datetime.date | None = None) -> Workbench:
    """The grid worker's day: today's and overdue tasks by building, how many are later, the
    households not visited for WANGGE_VISIT_INTERVAL_DAYS days, new cases in their grids."""
    today = today or timezone.localdate()
    mine = my_open_tasks(user)
    counts = mine.aggregate(
        overdue=Count("pk", filter=Q(due_date__lt=today)),
        due_today=Count("pk", filter=Q(due_date=today)),
        later=Count("pk", filter=Q(due_date__gt=today)),
        rechecks=Count("pk", filter=Q(kind=TaskKind.REINSPECTION)),
    )
    due = rows(
        mine.filter(due_date__lte=today).order_by("due_date", "-priority", "pk")[:WORKBENCH_LIMIT]
    )
    interval = settings.WANGGE_VISIT_INTERVAL_DAYS
    households, not_visited_count = not_visited(user, today, interval)
    return Workbench(
        today=today,
        groups=group_by_building(due),
        overdue=counts["overdue"],
        due_today=counts["due_today"],
        later=counts["later"],
        listed=len(due),
        not_visited=households,
        not_visited_count=not_visited_count,
        visit_interval=interval,
        new_cases=new_cases(user, today),
        rechecks=counts["rechecks"],
    )


def _visited_since(cutoff: datetime.datetime) -> Any:
    return Task.objects.filter(
        household_id=OuterRef("pk"),
        status=TaskStatus.DONE,
        kind=TaskKind.VISIT,
        completed_at__gte=cutoff,
    )


def not_visited_households(user: Any, today: datetime.date, days: int) -> Any:
    """Households in the user's grids without a completed visit in the last `days` days, in
    address order, so a round of visits follows the stairwells (empty for office staff, whose
    view is the team's)."""
    from wangge.people.models import Household

    scope = scope_for(user)
    if scope.is_staff or not scope.grid_roots:
        return Household.objects.none()
    cutoff = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time())
    )
    return (
        Household.objects.changeable_by(user)
        .filter(grid__isnull=False)
        .exclude(Exists(_visited_since(cutoff)))
        .select_related("room__building", "room__unit")
        .order_by(
            "room__building__road",
            "room__building__number",
            "room__building__name",
            "room__unit__name",
            "room__name",
            "pk",
        )
    )


def not_visited(user: Any, today: datetime.date, days: int) -> tuple[list[Any], int]:
    """The workbench's short list of not-visited households, and their count."""
    households = not_visited_households(user, today, days)
    return list(households[:NOT_VISITED_SHOWN]), households.count()


def new_cases(user: Any, today: datetime.date) -> list[Any]:
    """Open cases in the user's grids that came in over the last few days (newest first)."""
    from wangge.cases.models import Case

    scope = scope_for(user)
    if not scope.grid_roots:
        return []
    since = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=NEW_CASE_DAYS), datetime.time())
    )
    return list(
        Case.objects.visible_to(user)
        .open()
        .filter(created_at__gte=since, grid_id__in=sorted(scope.writable_grid_ids))
        .order_by("-created_at")[:NEW_CASES_SHOWN]
    )


# -- the office's view --------------------------------------------------------------------------


@dataclass
class GridRow:
    grid: Region
    workers: list[str]
    open: int = 0
    overdue: int = 0
    households: int = 0
    visited: int = 0  # households with a completed visit this month

    @property
    def coverage(self) -> int:
        return round(100 * self.visited / self.households) if self.households else 0


@dataclass
class Team:
    today: datetime.date
    month_start: datetime.date
    rows: list[GridRow]
    escalated: list[TaskRow]
    escalated_count: int


TEAM_GRIDS_SHOWN = 300
ESCALATED_SHOWN = 30


def team(user: Any, today: datetime.date | None = None) -> Team:
    """Per grid of the office's regions: the grid workers, open and overdue tasks, and how many
    of the grid's households were visited this month; the late tasks reported to this level."""
    from wangge.access.models import Role, RoleAssignment
    from wangge.people.models import Household

    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    scope = scope_for(user)
    grids_q = Region.objects.filter(level=RegionLevel.GRID)
    if not scope.unrestricted:
        grids_q = grids_q.filter(pk__in=sorted(scope.staff_region_ids))
    grids = list(grids_q.select_related("parent").order_by("code")[:TEAM_GRIDS_SHOWN])
    ids = [g.pk for g in grids]
    tasks = Task.objects.visible_to(user).filter(region_id__in=ids)
    per_grid = {
        row["region_id"]: row
        for row in tasks.filter(status=TaskStatus.OPEN)
        .values("region_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    }
    start = timezone.make_aware(datetime.datetime.combine(month_start, datetime.time()))
    visited = dict(
        tasks.filter(kind=TaskKind.VISIT, status=TaskStatus.DONE, completed_at__gte=start)
        .values("region_id")
        .annotate(n=Count("household_id", distinct=True))
        .values_list("region_id", "n")
    )
    households = dict(
        Household.objects.filter(grid_id__in=ids)
        .values("grid_id")
        .annotate(n=Count("pk"))
        .values_list("grid_id", "n")
    )
    # Each worker by the name on the account (李强), the login ("grid") only where none is set,
    # as staff are shown everywhere else (docs/ui.md; core's `staff_name`).
    workers: dict[int, list[str]] = {}
    for region_id, first, last, username in RoleAssignment.objects.filter(
        role=Role.GRID_WORKER, region_id__in=ids
    ).values_list("region_id", "user__first_name", "user__last_name", "user__username"):
        workers.setdefault(region_id, []).append(f"{first} {last}".strip() or username)
    grid_rows = []
    for grid in grids:
        counts = per_grid.get(grid.pk, {})
        grid_rows.append(
            GridRow(
                grid=grid,
                workers=sorted(workers.get(grid.pk, [])),
                open=counts.get("open", 0),
                overdue=counts.get("overdue", 0),
                households=households.get(grid.pk, 0),
                visited=visited.get(grid.pk, 0),
            )
        )
    grid_rows.sort(key=lambda r: (-r.overdue, r.grid.code))  # who is behind first
    late = (
        Task.objects.visible_to(user)
        .open()
        .filter(escalation_level__gte=1)
        .order_by("due_date", "pk")
    )
    return Team(
        today=today,
        month_start=month_start,
        rows=grid_rows,
        escalated=rows(late[:ESCALATED_SHOWN]),
        escalated_count=late.count(),
    )


def round_buildings(user: Any, grid: Region, limit: int = 500) -> list[Any]:
    """The buildings of a grid an office may plan a visit round in, with their households."""
    from wangge.addresses.models import Building

    return list(
        Building.objects.changeable_by(user)
        .filter(grid=grid)
        .annotate(households=Count("rooms__households"))
        .order_by("road", "number", "name")[:limit]
    )


def can_assign(user: Any, task: Task) -> bool:
    return allows(user, task, Right.DISPATCH)
