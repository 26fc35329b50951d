"""The residents' side, without login: file a report, get a receipt, follow it, confirm, rate.

The tracking token (the case's rating token) is the only credential; it is long and random, and
a page reached with it shows what the reporter may see, never staff names or other cases.
Reports are rate-limited per IP through the default cache (`WANGGE_REPORT_RATE_LIMIT` per
`WANGGE_REPORT_RATE_WINDOW` seconds; 0 switches it off, e.g. for the load benchmark).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from wangge.cases import services
from wangge.cases.forms import PositionCrs, stored_position
from wangge.cases.models import Case, CaseEvent, CaseStatus, Category, Channel, EventKind, Rating
from wangge.cases.open311 import open311_services, rate_limit_exceeded
from wangge.core.errors import ServiceError
from wangge.core.wording import say
from wangge.geo.models import Region, RegionLevel

HIDDEN_EVENTS = {EventKind.REMINDED, EventKind.ESCALATED}
NOTE_EVENTS = {EventKind.HANDLED, EventKind.VERIFIED, EventKind.VERIFICATION_FAILED}


class ReportForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("问题描述"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("问题类别"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=gettext_lazy("不确定，由工作人员判断"),
    )
    description_private = forms.BooleanField(
        label=gettext_lazy("不公开问题描述和照片（只给工作人员看）"), required=False
    )
    address = forms.CharField(label=gettext_lazy("地址"), max_length=255, required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    crs = PositionCrs()
    name = forms.CharField(label=gettext_lazy("称呼"), max_length=50, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Category.objects.filter(pk__in=[c.pk for c in open311_services()])

    def clean_phone(self) -> str:
        """The phone by the rules every resident's phone follows (`services.clean_reporter_phone`),
        stored cleaned. Why a number is refused is said in the page's language (`people.phone`
        gives a Reason, `core.wording.say` renders it)."""
        try:
            return services.clean_reporter_phone(self.cleaned_data.get("phone") or "")
        except services.InvalidPhone as exc:
            message = _("电话号码格式不对（%(reason)s）") % {"reason": say(exc.reason)}
            raise forms.ValidationError(message) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_point = data.get("lat") is not None and data.get("lon") is not None
        if not has_point and not (data.get("address") or "").strip():
            raise forms.ValidationError(_("请在地图上点选位置，或填写地址"))
        stored_position(data)
        return data


def _grids_geojson() -> dict[str, Any]:
    """Grid outlines for the location picker: names and shapes only, nothing personal; drawn
    in the tiles' frame (WANGGE_TILE_CRS)."""
    from wangge.geo.services import geometry_in_crs

    crs = settings.WANGGE_TILE_CRS
    rows = (
        Region.objects.filter(level=RegionLevel.GRID)
        .exclude(boundary="")
        .values_list("name", "boundary")[:2000]
    )
    features = [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": geometry_in_crs(json.loads(boundary), crs),
        }
        for name, boundary in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def _grouped_categories() -> list[tuple[str, list[Category]]]:
    groups: dict[str, list[Category]] = {}
    for category in open311_services():
        group = category.parent.name if category.parent else str(category.get_kind_display())
        groups.setdefault(group, []).append(category)
    return list(groups.items())


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None)
    status = 200
    error = ""
    if request.method == "POST" and form.is_valid():
        if rate_limit_exceeded(request, "report"):
            limit = settings.WANGGE_REPORT_RATE_LIMIT
            minutes = max(1, int(settings.WANGGE_REPORT_RATE_WINDOW) // 60)
            error = _(
                "提交过于频繁：同一网络%(minutes)d分钟内最多提交%(limit)d次，请稍后再试。"
            ) % {
                "minutes": minutes,
                "limit": limit,
            }
            status = 429
        else:
            data = form.cleaned_data
            try:
                case = services.submit_case(
                    None,
                    channel=Channel.RESIDENT_WEB,
                    title="",
                    description=data["description"],
                    category=data["category"],
                    address=data["address"] or "",
                    lon=data["lon"],
                    lat=data["lat"],
                    reporter_name=data["name"] or "",
                    reporter_phone=data["phone"] or "",
                    photos=request.FILES.getlist("photos"),
                    description_private=data["description_private"],
                )
            except ServiceError as exc:
                error, status = exc.message, exc.status
            else:
                url = reverse("report:track", args=[case.rating_token])
                return redirect(f"{url}?new=1")
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "error": error,
        # named at the top too: the page comes back scrolled to the top, and a mistake in the
        # phone, at the bottom of a long form, would otherwise go unseen ("nothing happened")
        "field_errors": [
            (form[name].label, name, _("；").join(str(e).rstrip("。.") for e in errors))
            for name, errors in form.errors.items()
            if name != NON_FIELD_ERRORS and name in form.fields
        ],
        # a file input cannot be handed back filled: say the chosen photos must be chosen again
        "photos_dropped": request.method == "POST" and bool(request.FILES.getlist("photos")),
        "categories": _grouped_categories(),
        "selected": request.POST.get("category", ""),
        "grids": _grids_geojson(),
        "tile_url": getattr(settings, "WANGGE_TILE_URL", ""),
        "tile_crs": settings.WANGGE_TILE_CRS,
    }
    return render(request, "cases/public/report.html", context, status=status)


@require_GET
def suggest(request: HttpRequest) -> JsonResponse:
    text = request.GET.get("text", "")[:2000]
    rows = [
        {"code": c.code, "id": c.pk, "name": c.name, "score": round(score, 3)}
        for c, score in services.suggest_categories(text, k=3, least=services.PLAUSIBLE_SHARE)
    ]
    return JsonResponse({"suggestions": rows})


# ------------------------------------------------------------ resident actions


def _check_version(case: Case, version: str) -> None:
    """The resident acts on the page they saw: if staff moved the case meanwhile, say so."""
    if version and version.isdigit() and int(version) != case.version:
        raise services.Conflict(_("案件刚刚有了新进展，请查看最新状态后再操作。"))


@transaction.atomic
def verify_as_resident(token: str, *, version: str, passed: bool, note: str = "") -> Case:
    case = services.case_by_token(token)
    _check_version(case, version)
    return services.verify_by_resident(token, passed=passed, note=note)


@transaction.atomic
def rate_as_resident(token: str, *, version: str, rating: str, comment: str = "") -> Case:
    case = services.case_by_token(token)
    _check_version(case, version)
    return services.rate_by_token(token, rating=rating, comment=comment)


def public_timeline(case: Case) -> list[dict[str, Any]]:
    events: list[CaseEvent] = list(case.events.select_related("department"))
    rows = []
    for event in events:
        if event.kind in HIDDEN_EVENTS:
            continue
        note = event.note if event.kind in NOTE_EVENTS or event.actor_id is None else ""
        if event.kind == EventKind.SUBMITTED:
            note = ""
        elif event.channel == "auto" and note:
            # the system's own notes are stored in Chinese, marked with gettext_noop where
            # written (按责任清单自动派遣); one with no English entry comes back unchanged
            note = _(note)
        if event.kind == EventKind.RATED:
            note = str(Rating(event.data.get("rating", "")).label) if event.data else ""
        rows.append(
            {
                "at": event.at,
                "label": event.get_kind_display(),
                "department": event.department.name if event.department else "",
                "note": note,
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest, token: str) -> HttpResponse:
    try:
        case = services.case_by_token(token)
    except ServiceError as exc:
        return render(request, "core/error.html", {"message": exc.message}, status=exc.status)
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        version = request.POST.get("version", "")
        try:
            if action in {"confirm", "reject"}:
                verify_as_resident(
                    token,
                    version=version,
                    passed=action == "confirm",
                    note=request.POST.get("note", ""),
                )
            elif action == "rate":
                rate_as_resident(
                    token,
                    version=version,
                    rating=request.POST.get("rating", ""),
                    comment=request.POST.get("comment", ""),
                )
            else:
                raise ServiceError(_("未知操作"))
        except ServiceError as exc:
            error, status = exc.message, exc.status
            case = services.case_by_token(token)
        else:
            return redirect(reverse("report:track", args=[token]))
    context = {
        "case": case,
        "token": token,
        "new": request.GET.get("new") == "1",
        "events": public_timeline(case),
        "error": error,
        "ratings": Rating.choices,
        "can_verify": case.status == CaseStatus.HANDLED,
        "can_rate": case.status == CaseStatus.VERIFIED,
        "track_url": request.build_absolute_uri(reverse("report:track", args=[token])),
    }
    return render(request, "cases/public/track.html", context, status=status)
