"""Case pages: the list, one case with its timeline and the actions the user may take, the grid
worker's phone report, hotline import, overdue lists, the metrics dashboard and the open-case map.
Views parse and call services; the services decide who may do what.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wangge.access.scoping import Right, allows, refuse, scope_for
from wangge.cases import metrics, placement, services
from wangge.cases.forms import PlaceForm, ReportForm
from wangge.cases.jobs import start_metrics_export
from wangge.cases.models import Case, CaseStatus, Category, Channel, Department, Rating
from wangge.cases.services import reads
from wangge.core.bounds import parse_record_id
from wangge.core.errors import ServiceError, ValidationFailed
from wangge.core.web import form_date, service_errors
from wangge.geo.coords import TILE_CRS, from_wgs84
from wangge.geo.models import Region, RegionLevel

PAGE_SIZE = 30


class CappedPaginator(Paginator):
    """Counts at most `reads.COUNT_CAP + 1` cases; the page header then says “10,000+”."""

    @property
    def count(self) -> int:
        if not hasattr(self, "_capped_count"):
            self._capped_count = reads.count_cases(self.object_list)
        return self._capped_count

    @property
    def capped(self) -> bool:
        return self.count > reads.COUNT_CAP


@login_required
@service_errors
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    category = request.GET.get("category", "")
    overdue = request.GET.get("overdue") == "1"
    cases = services.list_cases(request.user, status=status, category=category, overdue=overdue)
    page = CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/case_list.html",
        {
            "page": page,
            "status": status,
            "overdue": overdue,
            "statuses": CaseStatus.choices,
            "now": timezone.now(),
        },
    )


def _detail_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    dispatch = allows(request.user, case, Right.DISPATCH)
    handles = allows(request.user, case, Right.HANDLE)
    can_verify = allows(request.user, case, Right.VERIFY)
    status = case.status
    # Whether the 办理 card holds a form for this user; without one it says so instead of
    # standing empty (a grid worker or handler looking at a case in someone else's step).
    acts = (
        (handles and status in (CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS))
        or (can_verify and status == CaseStatus.HANDLED)
        or (dispatch and status != CaseStatus.HANDLED)
    )
    return {
        "case": case,
        "acts": acts,
        "events": services.timeline(case),
        "photos": list(case.photos.all()),
        "phone": services.reporter_phone_for(request.user, case),
        "can_dispatch": dispatch,
        "handles": handles,
        "can_verify": can_verify,
        "departments": list(services.departments_for(case)) if dispatch else [],
        "ratings": Rating.choices,
        "now": timezone.now(),
    }


@login_required
@service_errors
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = services.get_case(request.user, case_id)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


ACTIONS = {
    "dispatch",
    "transfer",
    "return",
    "sign_in",
    "handle",
    "verify",
    "rate",
    "close",
    "reopen",
}


def _department(request: HttpRequest) -> Department:
    pk = parse_record_id(request.POST.get("department"), _("承办部门编号"))
    department = Department.objects.filter(pk=pk).first() if pk else None
    if department is None:
        raise ServiceError(_("请选择承办部门"))
    return department


@login_required
@service_errors
def case_action(request: HttpRequest, case_id: int) -> HttpResponse:
    """One endpoint for every step; a stale form (someone acted first) gets a 409 page."""
    case = services.get_case(request.user, case_id)
    if request.method != "POST":
        return redirect("cases:detail", case_id=case.pk)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise ServiceError(_("未知操作"))
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = case.version
    post = request.POST
    photos = request.FILES.getlist("photos")
    user = request.user
    try:
        if action == "dispatch":
            services.dispatch_case(
                user,
                case,
                department=_department(request),
                note=post.get("note", ""),
                version=version,
            )
        elif action == "transfer":
            services.transfer_case(
                user,
                case,
                department=_department(request),
                reason=post.get("reason", ""),
                version=version,
            )
        elif action == "return":
            services.return_case(user, case, reason=post.get("reason", ""), version=version)
        elif action == "sign_in":
            services.sign_in(user, case, version=version)
        elif action == "handle":
            services.record_handling(
                user, case, result=post.get("result", ""), photos=photos, version=version
            )
        elif action == "verify":
            services.verify_case(
                user,
                case,
                passed=post.get("passed") == "1",
                note=post.get("note", ""),
                photos=photos,
                version=version,
            )
        elif action == "rate":
            services.rate_case(
                user,
                case,
                rating=post.get("rating", ""),
                comment=post.get("comment", ""),
                version=version,
            )
        elif action == "close":
            services.close_case(user, case, note=post.get("note", ""), version=version)
        elif action == "reopen":
            services.reopen_case(user, case, reason=post.get("reason", ""), version=version)
    except services.Conflict as exc:
        fresh = services.get_case(request.user, case_id)
        context = _detail_context(request, fresh) | {"error": exc.message}
        return render(request, "cases/case_detail.html", context, status=409)
    except ServiceError as exc:
        if exc.status != 400:
            raise
        context = _detail_context(request, case) | {"error": exc.message}
        return render(request, "cases/case_detail.html", context, status=400)
    messages.success(request, _done(action) % {"number": case.number})
    if services.visible_cases(request.user).filter(pk=case.pk).exists():
        return redirect("cases:detail", case_id=case.pk)
    return redirect("cases:list")  # e.g. returned by a handler: no longer theirs to see


def _done(action: str) -> str:
    return {
        "dispatch": _("已派遣：%(number)s"),
        "transfer": _("已转派：%(number)s"),
        "return": _("已退单：%(number)s"),
        "sign_in": _("已签收：%(number)s"),
        "handle": _("已提交处置结果：%(number)s"),
        "verify": _("已提交核查结果：%(number)s"),
        "rate": _("已评价并结案：%(number)s"),
        "close": _("已结案：%(number)s"),
        "reopen": _("已重新办理：%(number)s"),
    }[action]


@login_required
@service_errors
def case_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = services.get_photo(request.user, photo_id)
    with photo.image.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@service_errors
def report(request: HttpRequest) -> HttpResponse:
    """The grid worker's phone page: describe, pick a category, photograph, locate, send."""
    scope = scope_for(request.user)
    allowed = scope.submits_cases
    if request.method == "POST" and not allowed:
        refuse(
            request.user,
            None,
            "submit",
            message=_("您没有上报案件的权限。请联系区网格中心开通网格员或工作人员角色。"),
        )
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.submit_case(
                request.user,
                channel=Channel.GRID_WORKER if scope.grid_roots else Channel.API,
                title=data["title"],
                description=data["description"],
                category=data["category"],
                address=data["address"],
                lon=data["lon"],
                lat=data["lat"],
                photos=request.FILES.getlist("photos"),
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已上报，受理编号 %(number)s") % {"number": case.number})
            return redirect("cases:detail", case_id=case.pk)
    return render(
        request,
        "cases/report.html",
        {
            "form": form,
            "allowed": allowed,
            "tile_url": settings.WANGGE_TILE_URL,
            "tile_crs": settings.WANGGE_TILE_CRS,
            "centre": _centre(request.user),
            "regions_url": _regions_url(request.user),
        },
    )


def _centre(user: Any) -> list[float]:
    from wangge.geo.models import Region

    region = Region.objects.visible_to(user).exclude(centroid_lon=None).order_by("code").first()
    if region is not None and region.centroid_lon is not None and region.centroid_lat is not None:
        return [region.centroid_lat, region.centroid_lon]
    return [39.9, 116.4]


@login_required
def suggest(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("description", "") or request.GET.get("text", "")
    suggestions = (
        services.suggest_categories(text[:1000], least=services.PLAUSIBLE_SHARE)
        if text.strip()
        else []
    )
    return render(request, "cases/_suggestions.html", {"suggestions": suggestions})


@login_required
@service_errors
def hotline_import(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    context: dict[str, Any] = {"allowed": scope.is_staff}
    if request.method == "POST" and not scope.is_staff:
        refuse(
            request.user,
            None,
            "import",
            message=_("只有街道、社区或区网格中心工作人员可以导入热线工单。"),
        )
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("请选择要导入的文件（.xlsx、.ods 或 .csv）")
        else:
            try:
                result = services.import_hotline_file(
                    request.user, upload.read(), file_name=upload.name or "工单.xlsx"
                )
            except ValidationFailed as exc:
                context.update(error=exc.message, problems=exc.problems[:200])
                context["more"] = max(0, len(exc.problems) - 200)
            except ServiceError as exc:
                context["error"] = exc.message
            else:
                context["result"] = result
    return render(request, "cases/import.html", context)


@login_required
@service_errors
def overdue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    cases = list(
        services.list_cases(request.user, overdue=True).select_related(
            "street", "community", "grid"
        )[:500]
    )
    by_region: dict[str, int] = {}
    by_department: dict[str, int] = {}
    for case in cases:
        where = (
            case.community.name
            if case.community
            else (case.street.name if case.street else _("未确定区域"))
        )
        by_region[where] = by_region.get(where, 0) + 1
        dept = case.department.name if case.department else _("未派遣")
        by_department[dept] = by_department.get(dept, 0) + 1
    return render(
        request,
        "cases/overdue.html",
        {
            "cases": cases,
            "by_region": sorted(by_region.items(), key=lambda kv: -kv[1]),
            "by_department": sorted(by_department.items(), key=lambda kv: -kv[1]),
            "now": now,
        },
    )


def _default_group(user: Any) -> str:
    """The level below the user's own region: a community officer sees their grids, not one bar
    for the street they belong to; a handler without a region of their own, the categories."""
    scope = scope_for(user)
    if scope.unrestricted:
        return "street"
    levels = set(
        Region.objects.filter(code__in=(*scope.staff_roots, *scope.grid_roots)).values_list(
            "level", flat=True
        )
    )
    if RegionLevel.DISTRICT in levels:
        return "street"
    if RegionLevel.STREET in levels:
        return "community"
    if levels:
        return "grid"
    return "category"


@login_required
@service_errors
def dashboard(request: HttpRequest) -> HttpResponse:
    group = request.GET.get("group") or _default_group(request.user)
    start = form_date(request.GET.get("start", ""))
    end = form_date(request.GET.get("end", ""))
    result = metrics.case_metrics(request.user, group=group, start=start, end=end)
    chart = [
        {
            "name": r.name,
            "response": r.response_rate,
            "resolution": r.resolution_rate,
            "satisfaction": r.satisfaction_rate,
        }
        for r in result.rows
    ]
    return render(
        request,
        "cases/dashboard.html",
        {
            "metrics": result,
            "groups": [(k, _(v[1])) for k, v in metrics.GROUPS.items()],
            "group": group,
            "start": start,
            "end": end,
            "chart": chart,
        },
    )


@login_required
@require_http_methods(["POST"])
@service_errors
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """Build the metrics xlsx in the background; its job page offers the file when done."""
    job = start_metrics_export(
        request.user,
        group=request.POST.get("group", "street"),
        start=form_date(request.POST.get("start", "")),
        end=form_date(request.POST.get("end", "")),
    )
    return redirect("jobs:detail", job_id=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def suggester(request: HttpRequest) -> HttpResponse:
    """The category suggester's model: what it was trained on, and a button to retrain now
    (district admins); the retraining runs as a job whose page shows its result."""
    from wangge.cases import learning
    from wangge.jobs.models import Job

    if request.method == "POST":
        job = learning.start_retrain(request.user)
        return redirect("jobs:detail", job_id=job.pk)
    status = learning.describe(request.user)
    jobs = Job.objects.filter(kind=learning.RETRAIN_JOB).order_by("-created_at")[:5]
    return render(request, "cases/suggester.html", {"status": status, "jobs": jobs})


@login_required
@service_errors
def case_map(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cases/case_map.html",
        {
            "tile_url": settings.WANGGE_TILE_URL,
            "tile_crs": settings.WANGGE_TILE_CRS,
            "regions_url": _regions_url(request.user),
        },
    )


def _regions_url(user: Any) -> str:
    """Outlines of the user's home region, drawn under the cases (none for department users)."""
    from wangge.geo.services import home_regions

    homes = home_regions(user)
    return reverse("geo:features", args=[homes[0].code]) if homes else ""


@login_required
@service_errors
def case_map_data(request: HttpRequest) -> HttpResponse:
    """Open cases with a position, as GeoJSON points (no personal data in the properties);
    `?crs=gcj02` draws them for GCJ-02 tiles."""
    crs = request.GET.get("crs", "wgs84")
    if crs not in TILE_CRS:
        raise ServiceError(_("不支持的坐标系：%(crs)s（可用 wgs84 或 gcj02）") % {"crs": crs})
    now = timezone.now()
    features = []
    rows = (
        services.list_cases(request.user, status="open")
        .exclude(lon=None)
        .values_list("pk", "number", "title", "status", "lon", "lat", "handle_deadline")[:5000]
    )
    for pk, number, title, status, lon, lat, deadline in rows:
        lon, lat = from_wgs84(lon or 0.0, lat or 0.0, crs)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "number": number,
                    "title": title,
                    "status": str(CaseStatus(status).label),
                    "overdue": bool(deadline and deadline < now),
                    "url": reverse("cases:detail", args=[pk]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
@service_errors
def placement_queue(request: HttpRequest) -> HttpResponse:
    """待定位: the open cases without a grid (or flagged) that this user may place."""
    page = CappedPaginator(placement.to_place(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "cases/placement_queue.html", {"page": page})


@login_required
@service_errors
def place(request: HttpRequest, case_id: int) -> HttpResponse:
    """Place one case: pick the position on the map or choose a grid."""
    case = services.get_case(request.user, case_id)
    form = PlaceForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            grid = None
            if data["lon"] is None and data["grid"]:
                grid = Region.objects.filter(code=data["grid"]).first()
            try:
                if data["lon"] is None and grid is None:
                    raise ServiceError(_("请在地图上点选位置，或选择网格"))
                placement.place_case(
                    request.user,
                    case,
                    grid=grid,
                    lon=data["lon"],
                    lat=data["lat"],
                    version=data["version"] or case.version,
                )
            except ServiceError as exc:
                if exc.status not in (400, 409):
                    raise
                error, status = exc.message, exc.status
                case = services.get_case(request.user, case_id)
            else:
                messages.success(
                    request,
                    _("已定位：%(number)s → %(grid)s") % {"number": case.number, "grid": case.grid},
                )
                return redirect("cases:placement")
        else:
            error, status = _("；").join(str(m) for ms in form.errors.values() for m in ms), 400
    return render(
        request,
        "cases/place.html",
        {
            "case": case,
            "grids": placement.placeable_grids(request.user, case),
            "address_point": placement.address_position(case),
            "may_place": allows(request.user, case, Right.DISPATCH),
            "error": error,
            "tile_url": settings.WANGGE_TILE_URL,
            "tile_crs": settings.WANGGE_TILE_CRS,
            "regions_url": _regions_url(request.user),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def resident_rate(request: HttpRequest, token: str) -> HttpResponse:
    """The link a resident gets by SMS: confirm the result, then rate it (no login)."""
    try:
        case = services.case_by_token(token)
    except ServiceError as exc:
        return render(request, "core/error.html", {"message": exc.message}, status=exc.status)
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "verify":
                services.verify_by_resident(
                    token,
                    passed=request.POST.get("passed") == "1",
                    note=request.POST.get("note", ""),
                )
            else:
                services.rate_by_token(
                    token,
                    rating=request.POST.get("rating", ""),
                    comment=request.POST.get("comment", ""),
                )
            return redirect("cases:rate", token=token)
        except ServiceError as exc:
            error = exc.message
        case = services.case_by_token(token)
    return render(
        request,
        "cases/resident_rate.html",
        {"case": case, "ratings": Rating.choices, "error": error},
    )


def categories_for_form() -> list[Category]:
    return list(Category.objects.filter(active=True).select_related("parent").order_by("code"))
