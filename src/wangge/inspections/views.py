"""Pages of places, hazards and notices: the hazard ledger of a region (filters, pages, export),
the map, a place with its hazards and the notice form, a hazard with its photos and closing,
a notice with its documents and signed copy, the places registry with its import, the counts.
Views parse and call services; the services decide who may do what."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wangge.access.scoping import (
    Right,
    allows,
    can_reveal_identifiers,
    require,
    scope_for,
    visible_to,
)
from wangge.cases.models import Department
from wangge.core.bounds import parse_record_id
from wangge.core.errors import Forbidden, NotFound, ServiceError, ValidationFailed
from wangge.core.web import form_date, service_errors
from wangge.geo.coords import TILE_CRS, from_wgs84
from wangge.geo.models import Region, RegionLevel
from wangge.inspections import counts as counting
from wangge.inspections import notices, numbering, referral, reinspection, selectors, services
from wangge.inspections.jobs import start_counts_export, start_ledger_export
from wangge.inspections.models import (
    Hazard,
    HazardCategory,
    HazardStatus,
    IssuingUnit,
    Notice,
    NoticeKind,
    PhotoStage,
    PlaceKind,
    Severity,
)

PAGE_SIZE = 30


class CappedPaginator(Paginator):
    @property
    def count(self) -> int:
        if not hasattr(self, "_capped"):
            self._capped = selectors.capped_count(self.object_list)  # type: ignore[arg-type]
        return self._capped

    @property
    def capped(self) -> bool:
        return self.count > selectors.COUNT_CAP


def _filter(data: Any) -> selectors.HazardFilter:
    return selectors.HazardFilter(
        region=data.get("region", "")[:24],
        category=data.get("category", "")[:16],
        status=data.get("status", "")[:16],
        start=form_date(data.get("start", "")),
        end=form_date(data.get("end", "")),
    )


def _regions(user: Any) -> list[Region]:
    """Streets and communities the user can pick in the filters (grids by code)."""
    return list(
        Region.objects.visible_to(user).filter(level__in=["street", "community"]).order_by("code")
    )


@login_required
@service_errors
def ledger(request: HttpRequest) -> HttpResponse:
    f = _filter(request.GET)
    query = selectors.hazards(request.user, f).select_related("place", "grid", "notice")
    # 上一页/下一页 by cursor (keyset: page 200 costs what page 1 does), not ?page=N
    page = selectors.hazard_page(query, request.GET.get("cursor", "")[:80], PAGE_SIZE)
    count = selectors.capped_count(query)
    capped = count > selectors.COUNT_CAP
    keep = {k: v for k, v in request.GET.items() if k not in ("page", "cursor") and v}
    return render(
        request,
        "inspections/ledger.html",
        {
            "page": page,
            "count": count,
            "capped": capped,
            "pages": None if capped else max(1, -(-count // PAGE_SIZE)),
            "f": f,
            "query": urlencode(keep),
            "regions": _regions(request.user),
            "categories": HazardCategory.choices,
            "statuses": HazardStatus.choices,
        },
    )


@login_required
@require_POST
@service_errors
def ledger_export(request: HttpRequest) -> HttpResponse:
    job = start_ledger_export(request.user, _filter(request.POST))
    return redirect("jobs:detail", job_id=job.pk)


@login_required
@service_errors
def hazard_map(request: HttpRequest) -> HttpResponse:
    from wangge.geo.services import home_regions

    homes = home_regions(request.user)
    return render(
        request,
        "inspections/map.html",
        {
            "tile_url": settings.WANGGE_TILE_URL,
            "tile_crs": settings.WANGGE_TILE_CRS,
            "regions_url": reverse("geo:features", args=[homes[0].code]) if homes else "",
        },
    )


@login_required
@service_errors
def map_data(request: HttpRequest) -> HttpResponse:
    """Hazards not yet fixed, with a position, as GeoJSON points (no personal data)."""
    crs = request.GET.get("crs", "wgs84")
    if crs not in TILE_CRS:
        raise ServiceError(_("不支持的坐标系：%(crs)s（可用 wgs84 或 gcj02）") % {"crs": crs[:10]})
    rows = (
        visible_to(request.user, Hazard.objects.exclude(status=HazardStatus.RECTIFIED))
        .exclude(lon=None)
        .select_related("place")
        .order_by("-found_at")[:5000]
    )
    features = []
    for h in rows:
        lon, lat = from_wgs84(h.lon or 0.0, h.lat or 0.0, crs)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "place": h.place.name,
                    "category": str(h.get_category_display()),
                    "status": str(h.get_status_display()),
                    "serious": h.severity == Severity.SERIOUS,
                    "notice": h.status == HazardStatus.NOTICE_ISSUED,
                    "url": reverse("inspections:hazard", args=[h.pk]),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
@service_errors
def place_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")[:16]
    region = request.GET.get("region", "")[:24]
    query = selectors.places(request.user, kind=kind, region=region)
    page = CappedPaginator(query, PAGE_SIZE).get_page(request.GET.get("page"))
    keep = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "inspections/place_list.html",
        {
            "page": page,
            "kind": kind,
            "region": region,
            "query": urlencode(keep),
            "kinds": PlaceKind.choices,
            "regions": _regions(request.user),
            "may_import": bool(scope_for(request.user).writable_grid_ids)
            or scope_for(request.user).unrestricted,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def place_import(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("请选择要导入的场所台账（.xlsx、.xls、.ods 或 .csv）")
        else:
            try:
                result = services.import_places(
                    request.user, upload.read(), file_name=(upload.name or "场所.xlsx")[:100]
                )
            except ValidationFailed as exc:
                context.update(error=exc.message, problems=exc.problems[:200])
                context["more"] = max(0, len(exc.problems) - 200)
            except ServiceError as exc:
                context["error"] = exc.message
            else:
                context["result"] = result
    return render(request, "inspections/place_import.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def place_detail(request: HttpRequest, place_id: int) -> HttpResponse:
    place = services.get_place(request.user, place_id)
    may_change = allows(request.user, place, Right.CHANGE)
    if request.method == "POST":
        # one who may only read it is refused (403, logged), not shown the page again
        require(request.user, place, Right.CHANGE, message=_("您只能查看该场所，不能办理"))
        action = request.POST.get("action", "")
        try:
            if action == "hazard":
                services.record_hazard(
                    request.user,
                    place,
                    category=request.POST.get("category", ""),
                    severity=request.POST.get("severity", Severity.GENERAL),
                    description=request.POST.get("description", "")[:2000],
                    photos=request.FILES.getlist("photos"),
                )
                messages.success(request, _("已登记隐患"))
            elif action == "notice":
                notice = _issue(request, place)
                messages.success(
                    request,
                    _("已下达%(kind)s %(number)s")
                    % {"kind": notice.get_kind_display(), "number": notice.number},
                )
                return redirect("inspections:notice", notice_id=notice.pk)
            elif action == "reveal":
                messages.info(
                    request,
                    _("负责人电话：%(phone)s")
                    % {"phone": services.reveal_phone(request.user, place)},
                )
            else:
                raise ServiceError(_("未知操作"))
        except ServiceError as exc:
            if exc.status != 400:
                messages.error(request, exc.message)
                return redirect("inspections:place", place_id=place.pk)
            # the page again, the refusal inside the form that failed and what was typed or
            # chosen still in it (a redirect would hand back an empty form)
            return _place_page(request, place, may_change, error=exc.message, status=400)
        return redirect("inspections:place", place_id=place.pk)
    return _place_page(request, place, may_change)


def _place_page(
    request: HttpRequest, place: Any, may_change: bool, *, error: str = "", status: int = 200
) -> HttpResponse:
    hazards = list(place.hazards.select_related("notice").order_by("-found_at")[:200])
    units = [u for u in _units(place) if numbering.may_issue_for(request.user, u)]
    action = request.POST.get("action", "") if error else ""
    return render(
        request,
        "inspections/place_detail.html",
        {
            "error": error,
            # the form the error belongs to, refilled with what was sent
            "failed": action,
            "kept_hazard": request.POST if action == "hazard" else {},
            "kept_notice": request.POST if action == "notice" else {},
            "kept_hazards": request.POST.getlist("hazards") if action == "notice" else None,
            "place": place,
            "hazards": hazards,
            "open_hazards": [h for h in hazards if h.status == HazardStatus.OPEN],
            "notices": list(place.notices.order_by("-issued_at")[:50]),
            "may_change": may_change,
            "may_reveal": can_reveal_identifiers(request.user),
            "categories": HazardCategory.choices,
            "severities": Severity.choices,
            "kinds": NoticeKind.choices,
            "units": units,
        },
        status=status,
    )


def _units(place: Any) -> list[IssuingUnit]:
    """Issuing units whose region holds the place's grid."""
    if place.grid is None:
        return []
    code = place.grid.code
    return [
        u
        for u in IssuingUnit.objects.select_related("region").order_by("code")
        if code.startswith(u.region.code)
    ]


def _issue(request: HttpRequest, place: Any) -> Notice:
    unit_id = parse_record_id(request.POST.get("unit"), _("发文单位编号"))
    unit = (
        IssuingUnit.objects.select_related("region").filter(pk=unit_id).first()
        if unit_id is not None
        else None
    )
    if unit is None:
        raise ServiceError(_("请选择发文单位"))
    ids = [
        i for i in (parse_record_id(v, _("隐患编号")) for v in request.POST.getlist("hazards")) if i
    ]
    chosen = list(
        visible_to(request.user, Hazard.objects.select_related("place")).filter(
            pk__in=ids, place=place
        )
    )
    if len(chosen) != len(set(ids)):
        raise NotFound(_("有隐患不存在或不在您的管辖范围内"))
    days = request.POST.get("deadline_days", "").strip()
    return notices.issue_notice(
        request.user,
        unit=unit,
        hazards=chosen,
        kind=request.POST.get("kind", ""),
        deadline_days=parse_record_id(days, _("整改期限")),
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def hazard_detail(request: HttpRequest, hazard_id: int) -> HttpResponse:
    hazard = services.get_hazard(request.user, hazard_id)
    may_change = allows(request.user, hazard, Right.CHANGE)
    if request.method == "POST":
        # one who may only read it is refused (403, logged), not shown the page again
        require(request.user, hazard, Right.CHANGE, message=_("您只能查看该隐患，不能办理"))
        action = request.POST.get("action", "")
        photos = request.FILES.getlist("photos")
        try:
            if action == "close":
                services.close_hazard(request.user, hazard, after_photos=photos)
                messages.success(request, _("已整改销号"))
            elif action == "before":
                services.add_before_photos(request.user, hazard, photos)
                messages.success(request, _("已补传整改前照片"))
            else:
                raise ServiceError(_("未知操作"))
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("inspections:hazard", hazard_id=hazard.pk)
    shown = list(hazard.photos.only("pk", "stage", "at"))
    return render(
        request,
        "inspections/hazard_detail.html",
        {
            "hazard": hazard,
            "before": [p for p in shown if p.stage == PhotoStage.BEFORE],
            "after": [p for p in shown if p.stage == PhotoStage.AFTER],
            "may_change": may_change and hazard.status != HazardStatus.RECTIFIED,
        },
    )


def _image(data: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@service_errors
def hazard_photo(request: HttpRequest, hazard_photo_id: int) -> HttpResponse:
    return _image(*services.get_photo(request.user, hazard_photo_id))


def _notice(request: HttpRequest, notice_id: int) -> Notice:
    number = visible_to(request.user, Notice.objects.filter(pk=notice_id)).values_list(
        "number", flat=True
    )
    found = number.first()
    if found is None:
        raise NotFound(_("未找到该通知书，或不在您的管辖范围内"))
    return notices.get_notice(request.user, found)


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def notice_detail(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _notice(request, notice_id)
    may_change = allows(request.user, notice, Right.CHANGE)
    if request.method == "POST":
        # one who may only read it is refused (403, logged), not shown the page again
        require(request.user, notice, Right.CHANGE, message=_("您只能查看该文书，不能办理"))
        upload = request.FILES.get("photo")
        try:
            if upload is None:
                raise ServiceError(_("请选择签收照片"))
            notices.attach_signed(request.user, notice, upload)
            messages.success(request, _("已上传签收照片"))
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("inspections:notice", notice_id=notice.pk)
    return render(
        request,
        "inspections/notice_detail.html",
        {
            "notice": notice,
            "hazards": list(notice.hazards.order_by("pk")),
            "rechecks": reinspection.tasks_of(notice),
            "may_change": may_change,
            "now": timezone.now(),
            "referred": referral.referred_case(notice),
            "may_refer": referral.missed(notice) and referral.may_refer(request.user, notice),
            "departments": Department.objects.order_by("code"),
        },
    )


@login_required
@require_POST
@service_errors
def notice_refer(request: HttpRequest, notice_id: int) -> HttpResponse:
    """逾期未改，转接诉即办: the notice goes to the department in charge as a case."""
    notice = _notice(request, notice_id)
    department = None
    chosen = request.POST.get("department", "")
    if chosen:
        department = Department.objects.filter(pk=chosen if chosen.isdigit() else 0).first()
        if department is None:
            raise ServiceError(_("请选择有效的部门"))
    try:
        case = referral.refer_missed_deadline(
            request.user, notice, department=department, note=request.POST.get("note", "")
        )
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            raise
        messages.error(request, exc.message)
        return redirect("inspections:notice", notice_id=notice.pk)
    messages.success(
        request,
        _("已转为案件 %(number)s，派遣给%(department)s")
        % {"number": case.number, "department": case.department},
    )
    return redirect("cases:detail", case.pk)


@login_required
@service_errors
def notice_document(request: HttpRequest, notice_id: int, fmt: str) -> HttpResponse:
    from urllib.parse import quote

    notice = _notice(request, notice_id)
    data, name, content_type = notices.document(request.user, notice.number, fmt)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
@service_errors
def notice_signed(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = _notice(request, notice_id)
    return _image(*notices.signed_photo(request.user, notice.number))


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def recheck(request: HttpRequest, task_id: int) -> HttpResponse:
    """回头看 on the phone: the notice's items (its hazards), each 已整改 with an after-photo or
    未整改 with a remark, sent at once; then the result, with the referral when it is due."""
    try:
        task, notice = reinspection.get_recheck(request.user, task_id)
    except reinspection.NotARecheck:
        return redirect("tasks:detail", task_id=task_id)  # seen by the user: its own page
    hazards = list(notice.hazards.order_by("pk"))
    context: dict[str, Any] = {
        "task": task,
        "notice": notice,
        "hazards": hazards,
        "may_submit": reinspection.may_submit(request.user, task),
        "items": [{"hazard": h, "state": "", "remark": ""} for h in hazards],
        "now": timezone.now(),
    }
    if request.method == "POST":
        answers = {
            h.pk: (request.POST.get(f"state-{h.pk}", ""), request.POST.get(f"remark-{h.pk}", ""))
            for h in hazards
        }
        outcomes = [
            reinspection.Outcome(
                hazard_id=pk,
                fixed=state == "fixed",
                photos=request.FILES.getlist(f"photo-{pk}") if state == "fixed" else (),
                remark=remark[:200],
            )
            for pk, (state, remark) in answers.items()
            if state in ("fixed", "not_fixed")
        ]
        try:
            result = reinspection.submit_recheck(
                request.user, task, notice, outcomes, version=_version(request.POST.get("version"))
            )
        except ServiceError as exc:
            if exc.status in (403, 404, 409):
                raise
            context["error"] = exc.message
            context["items"] = [  # what was chosen stays chosen (the photos must be taken again)
                {"hazard": h, "state": answers[h.pk][0], "remark": answers[h.pk][1]}
                for h in hazards
            ]
            return render(request, "inspections/recheck.html", context, status=400)
        if result.passed:
            messages.success(request, _("复查通过：所列隐患均已整改销号"))
        elif result.missed:
            messages.warning(
                request,
                _("复查未通过：%(count)s项未整改，整改期限已过") % {"count": len(result.not_fixed)},
            )
        else:
            messages.info(
                request,
                _("%(count)s项未整改，已安排到期再次回头看") % {"count": len(result.not_fixed)},
            )
        return redirect("inspections:recheck", task_id=task.pk)
    context["missed"] = referral.missed(notice)
    context["may_refer"] = context["missed"] and referral.may_refer(request.user, notice)
    context["referred"] = referral.referred_case(notice)
    if context["may_refer"]:
        context["departments"] = Department.objects.order_by("code")
    return render(request, "inspections/recheck.html", context)


def _version(text: str | None) -> int | None:
    return parse_record_id(text, _("版本号"))


@login_required
@service_errors
def counts_page(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level", "community")[:16]
    result = counting.counts(
        request.user,
        level=level,
        start=form_date(request.GET.get("start", "")),
        end=form_date(request.GET.get("end", "")),
    )
    chart = {
        "regions": [r.name for r in result.rows],
        "found": [r.found_total for r in result.rows],
        "fixed": [r.fixed_total for r in result.rows],
        "categories": [
            {
                "name": str(label),
                "found": result.total.found.get(c, 0),
                "fixed": result.total.fixed.get(c, 0),
            }
            for c, label in HazardCategory.choices
            if result.total.found.get(c, 0)
        ],
    }
    kinds = [
        (str(label), result.total.places.get(k, 0), result.total.checked.get(k, 0))
        for k, label in PlaceKind.choices
        if result.total.places.get(k, 0)
    ]
    return render(
        request,
        "inspections/counts.html",
        {
            "result": result,
            # the level names of the catalogue (counting.LEVELS is plain Chinese, imports no Django)
            "levels": [(level, RegionLevel(level).label) for level in counting.LEVELS],
            "chart": chart if result.rows else None,
            "kinds": kinds,
        },
    )


@login_required
@require_POST
@service_errors
def counts_export(request: HttpRequest) -> HttpResponse:
    job = start_counts_export(
        request.user,
        level=request.POST.get("level", "community")[:16],
        start=form_date(request.POST.get("start", "")),
        end=form_date(request.POST.get("end", "")),
    )
    return redirect("jobs:detail", job_id=job.pk)
