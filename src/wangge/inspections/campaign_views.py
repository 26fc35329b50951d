"""Pages of special inspections (专项检查): the list with the form that sets one up, and a
campaign with its progress, its joint team and its places' inspection tasks. Views parse and
call `campaigns`; the service decides who may do what."""

from __future__ import annotations

import datetime
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

from wangge.access.scoping import Right, allows, scope_for, visible_to
from wangge.cases.models import Department
from wangge.core.errors import Forbidden, ServiceError
from wangge.core.web import service_errors
from wangge.geo.models import Region, RegionLevel
from wangge.inspections import campaigns
from wangge.inspections.checklists import CHECKLISTS
from wangge.inspections.jobs import start_campaign_job
from wangge.inspections.models import Campaign, CampaignCheck, CampaignMember, PlaceKind
from wangge.jobs.models import JobStatus

PAGE_SIZE = 30


def _date(text: str, what: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        raise ServiceError(_("请填写%(what)s，格式如 2026-12-01") % {"what": what}) from None


def _organising_regions(user: Any) -> list[Region]:
    """Streets (and the district) the user is staff over: where they may organise one."""
    scope = scope_for(user)
    query = Region.objects.filter(level__in=[RegionLevel.STREET, RegionLevel.DISTRICT])
    if not scope.unrestricted:
        query = query.filter(pk__in=sorted(scope.staff_region_ids))
    return list(query.order_by("code"))


def _create(request: HttpRequest) -> Campaign:
    data = request.POST
    code = data.get("region", "")[:24]
    region = next((r for r in _organising_regions(request.user) if r.code == code), None)
    if region is None:
        raise ServiceError(_("请选择组织专项检查的街道"))
    return campaigns.create_campaign(
        request.user,
        name=data.get("name", "")[:100],
        place_kinds=[k[:16] for k in data.getlist("kinds")][:20],
        checklist=data.get("checklist", "")[:64],
        starts_on=_date(data.get("starts_on", ""), "开始日期"),
        ends_on=_date(data.get("ends_on", ""), "结束日期"),
        region=region,
        night_check=data.get("night_check") == "on",
        note=data.get("note", "")[:2000],
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def campaign_list(request: HttpRequest) -> HttpResponse:
    regions = _organising_regions(request.user)
    if request.method == "POST":
        try:
            campaign = _create(request)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return redirect("inspections:campaigns")
        messages.success(
            request, _("已建立专项检查“%(name)s”，请添加检查组成员后启动") % {"name": campaign.name}
        )
        return redirect("inspections:campaign", campaign_id=campaign.pk)
    rows = list(campaigns.campaigns(request.user)[:200])
    made = campaigns.progress_of([c.pk for c in rows])
    today = timezone.localdate()
    return render(
        request,
        "inspections/campaign_list.html",
        {
            "rows": [(c, made[c.pk]) for c in rows],
            "regions": regions,
            "kinds": PlaceKind.choices,
            "checklists": [(c.code, c.title) for c in CHECKLISTS.values()],
            "today": today,
            "until": today + datetime.timedelta(days=30),
        },
    )


def _member(request: HttpRequest, campaign: Campaign) -> str:
    username = request.POST.get("username", "").strip()[:150]
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ServiceError(
            _("没有账号“%(username)s”，或该账号已停用") % {"username": username[:30]}
        )
    department = None
    raw = request.POST.get("department", "")
    if raw:
        department = Department.objects.filter(code=raw[:32]).first()
        if department is None:
            raise ServiceError(_("所选部门不存在"))
    campaigns.add_member(
        request.user,
        campaign,
        user,
        department=department,
        unit=request.POST.get("unit", "")[:100],
    )
    return _("已将 %(username)s 加入检查组") % {"username": username}


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaigns.get_campaign(request.user, campaign_id)
    may_change = allows(request.user, campaign, Right.CHANGE)
    if request.method == "POST":
        action = request.POST.get("action", "")
        # seen but not theirs to run (its creator no longer staff there): 403, logged
        campaigns.require_organiser(request.user, campaign)
        try:
            if action == "start":
                job = start_campaign_job(request.user, campaign)
                if not job.finished:  # a worker creates the tasks: follow its progress
                    # …and go on to the campaign, its tasks listed, as soon as it is done
                    return redirect(reverse("jobs:detail", args=[job.pk]) + "?follow=result")
                if job.status == JobStatus.SUCCEEDED:
                    messages.success(request, str((job.result or {}).get("message", _("已启动"))))
                else:
                    messages.error(request, job.error_text or _("启动失败"))
            elif action == "member":
                messages.success(request, _member(request, campaign))
            else:
                raise ServiceError(_("未知操作"))
        except Forbidden:
            raise
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("inspections:campaign", campaign_id=campaign.pk)
    checks = visible_to(
        request.user,
        CampaignCheck.objects.filter(campaign=campaign).select_related(
            "place", "grid", "task__assignee"
        ),
    ).order_by("grid__code", "place__name", "pk")
    page = Paginator(checks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/campaign_detail.html",
        {
            "campaign": campaign,
            "progress": campaigns.progress(campaign, checks),
            "kinds": [PlaceKind(k).label for k in campaign.place_kinds if k in PlaceKind.values],
            "checklist": CHECKLISTS[campaign.checklist].title
            if campaign.checklist in CHECKLISTS
            else campaign.checklist,
            "members": list(
                CampaignMember.objects.filter(campaign=campaign)
                .select_related("user", "department")
                .order_by("pk")
            ),
            "page": page,
            "may_change": may_change,
            "departments": list(Department.objects.order_by("name")[:200]),
            "today": timezone.localdate(),
        },
    )
