"""The workbench (工作台) and a task's page. Views parse and call services and selectors; the
services decide who may do what."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.access.models import Role
from wangge.access.scoping import Right, allows, scope_for
from wangge.core.bounds import parse_record_id
from wangge.core.errors import Forbidden, ServiceError
from wangge.core.templatetags.wangge import staff_name
from wangge.core.web import service_errors
from wangge.geo.models import Region, RegionLevel
from wangge.tasks import selectors, services
from wangge.tasks.models import Priority, TaskKind

PAGE_SIZE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The first page after login (settings.HOME_VIEW): a grid worker's day starts
    with their tasks; a department handler's with the cases of their department (their nav has
    no map: landing on one left them on a page they cannot reach again); everyone else goes on
    to the regions their roles reach."""
    from wangge.geo.views import home as regions_home

    scope = scope_for(request.user)
    if scope.grid_roots and not scope.is_staff:
        return redirect("tasks:workbench")
    if Role.DEPARTMENT_HANDLER in scope.roles and not (scope.grid_roots or scope.is_staff):
        return redirect("cases:list")
    response: HttpResponse = regions_home(request)
    return response


@login_required
@service_errors
def workbench(request: HttpRequest) -> HttpResponse:
    """A grid worker's day on the phone; an office's team (who is behind, coverage, the late
    tasks reported to it); both for someone who holds both roles."""
    scope = scope_for(request.user)
    context: dict[str, Any] = {"today": timezone.localdate()}
    if scope.grid_roots or scope.is_staff:
        bench = selectors.workbench(request.user)
        context["bench"] = bench
        context["personal"] = bool(scope.grid_roots) or bench.due or bench.later
    if scope.is_staff:
        context["team"] = selectors.team(request.user)
        _to_task_page_unless_offered(request.user, context["team"].escalated)
    context["nothing"] = not (scope.grid_roots or scope.is_staff)  # a department handler
    # A grid worker's phone gets the offline app (worker, forms, roster) from the first page
    # after logging in; office staff's browsers only link the manifest.
    context["offline"] = bool(scope.grid_roots)
    return render(request, "tasks/workbench.html", context)


@login_required
@service_errors
def task_list(request: HttpRequest) -> HttpResponse:
    """Every open task of the user's, paged (the workbench lists the first ones); `when`
    (all, due, later) and `kind` (回头看 from the workbench's count) narrow it."""
    when = request.GET.get("when", "all")
    kind = request.GET.get("kind", "")
    if kind not in TaskKind.values:
        kind = ""
    today = timezone.localdate()
    tasks = selectors.my_open_tasks(request.user)
    if kind:
        tasks = tasks.filter(kind=kind)
    if when == "due":
        tasks = tasks.filter(due_date__lte=today)
    elif when == "later":
        tasks = tasks.filter(due_date__gt=today)
    page = Paginator(tasks.order_by("due_date", "-priority", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tasks/list.html",
        {
            "page": page,
            "tasks": _to_task_page_unless_offered(request.user, selectors.rows(page.object_list)),
            "when": when,
            "kind": kind,
            "kinds": [(k, label) for k, label in TaskKind.choices if k != TaskKind.CASE],
            "today": today,
        },
    )


@login_required
@service_errors
def not_visited(request: HttpRequest) -> HttpResponse:
    """Every household of the grid worker's grids not visited lately, paged in address order
    (the workbench shows the first few and links here)."""
    from django.conf import settings

    days = settings.WANGGE_VISIT_INTERVAL_DAYS
    households = selectors.not_visited_households(request.user, timezone.localdate(), days)
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    # office staff get an empty list (theirs is the per-grid coverage on the workbench): the
    # page must not tell them every household was visited
    own = not scope.is_staff and bool(scope.grid_roots)
    return render(request, "tasks/not_visited.html", {"page": page, "days": days, "own": own})


@login_required
@service_errors
@require_http_methods(["GET", "POST"])
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = services.get_task(request.user, task_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        version = parse_record_id(request.POST.get("version"), _("版本号"))
        try:
            if action == "complete":
                services.complete_task(
                    request.user, task, result=request.POST.get("result", ""), version=version
                )
                messages.success(request, _("已完成：%(title)s") % {"title": task.title})
                return redirect("tasks:workbench")
            if action == "assign":
                assignee = _assignee(request.POST.get("assignee", ""))
                services.assign_task(request.user, task, assignee, version=version)
                who = staff_name(assignee) if assignee is not None else _("本网格网格员")
                messages.success(request, _("已分派给%(who)s") % {"who": who})
            elif action == "cancel":
                services.cancel_task(
                    request.user, task, reason=request.POST.get("reason", ""), version=version
                )
                messages.success(request, _("任务已取消"))
            else:
                raise ServiceError(_("未知的操作"))
        except Forbidden:
            raise  # seen but not theirs to do: 403 with the reason (audited by the service)
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("tasks:detail", task_id=task.pk)
    may_dispatch = allows(request.user, task, Right.DISPATCH)
    task.open_url = selectors.fill_url(task)  # type: ignore[attr-defined]
    return render(
        request,
        "tasks/detail.html",
        {
            "task": task,
            "may_dispatch": may_dispatch,
            "may_complete": task.kind != TaskKind.CASE
            and allows(request.user, task, Right.CHANGE)
            and (task.assignee_id in (None, request.user.pk) or may_dispatch),
            "workers": list(services.users_for_post(task.region_id)) if may_dispatch else [],
            "escalated_to": services.escalated_to(task),
            "subject_link": selectors.subject_link(task),
            "may_fill": bool(task.form_code) and _offered_form(request.user, task.form_code),
        },
    )


def _to_task_page_unless_offered(user: Any, rows: list[Any]) -> list[Any]:
    """A row's tap opens its form only for one the form is offered to; others go to the task
    page. The office's 督办 list sent a street officer from a grid worker's late visit straight
    to a fill page that said 找不到表单 household_visit."""
    codes = {row.form_code for row in rows if row.form_code and row.kind != TaskKind.CASE}
    if not codes:
        return rows
    from wangge.forms.services import forms_for  # forms sits above tasks: reached at run time

    offered = set(forms_for(user).filter(form__code__in=codes).values_list("form__code", flat=True))
    for row in rows:
        if row.form_code not in offered and "/fill/" in row.open_url:
            row.open_url = reverse("tasks:detail", args=[row.pk])
    return rows


def _offered_form(user: Any, code: str) -> bool:
    """填写表单 only for one the task's form is offered to: a street officer opening a grid
    worker's visit was sent to a page that said 找不到表单 household_visit."""
    from wangge.forms.services import forms_for  # forms sits above tasks: reached at run time

    return forms_for(user).filter(form__code=code).exists()


def _assignee(value: str) -> Any:
    pk = parse_record_id(value, _("用户编号"))
    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ServiceError(_("用户 %(pk)s 不存在或已停用") % {"pk": pk})
    return user


@login_required
@service_errors
@require_http_methods(["GET", "POST"])
def visit_round(request: HttpRequest) -> HttpResponse:
    """一轮走访: an office picks a grid, then buildings of it; one visit per household."""
    scope = scope_for(request.user)
    if not scope.is_staff:
        raise Forbidden(_("只有社区、街道工作人员可以安排走访轮次"))
    grids = Region.objects.filter(level=RegionLevel.GRID).order_by("code")
    if not scope.unrestricted:
        grids = grids.filter(pk__in=sorted(scope.staff_region_ids))
    if request.method == "POST":
        ids = [
            i
            for i in (parse_record_id(v, _("楼栋编号")) for v in request.POST.getlist("building"))
            if i is not None
        ]
        days = parse_record_id(request.POST.get("days"), _("完成期限")) or 10
        priority = parse_record_id(request.POST.get("priority"), _("优先级")) or Priority.NORMAL
        if not 1 <= days <= 60:
            raise ServiceError(_("完成期限须在 1–60 个工作日之间"))
        try:
            made = services.create_visit_round(
                request.user,
                building_ids=ids,
                due_in_working_days=days,
                priority=priority,
                note=request.POST.get("note", "")[:500],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已为 %(count)s 户安排走访，%(days)s 个工作日内完成")
                % {"count": len(made), "days": days},
            )
            return redirect("tasks:workbench")
    grid_id = parse_record_id(request.GET.get("grid"), _("网格编号"))
    grid = grids.filter(pk=grid_id).first() if grid_id is not None else None
    buildings = selectors.round_buildings(request.user, grid) if grid is not None else []
    return render(
        request,
        "tasks/round.html",
        {
            "grids": grids[:500],
            "grid": grid,
            "buildings": buildings,
            "priorities": Priority.choices,
        },
    )
