"""Special inspections (专项检查: 三清四查, 充电设施安全检查, 汛前隐患排查): a street (or the
district) sets one up for some kinds of place, a checklist and a period, with a joint team of
members from several departments (联合检查组: police, urban management, market supervision…);
starting it puts one inspection task per place on the workbench through `tasks.create_task`,
so the tasks app's escalation, workbench and forms do the rest. The checklist sent for a task
makes the hazards and completes the task (`submitted.py`).

Why a `CampaignCheck` row per place besides the task: it makes a second start add only places
registered since (never a duplicate: a unique (campaign, place) and the campaign row locked
while starting), and it carries the grid and place the progress and `/api/inspections` read.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.scoping import Right, get_visible, require, scope_for, visible_to
from wangge.cases.models import Department
from wangge.core.bounds import date_problem
from wangge.core.errors import NotFound, ServiceError
from wangge.geo.models import Region, RegionLevel, StaffPost
from wangge.inspections.checklists import CHECKLISTS
from wangge.inspections.models import Campaign, CampaignCheck, CampaignMember, Place, PlaceKind
from wangge.inspections.submitted import place_ref
from wangge.tasks.models import TaskKind, TaskStatus

NIGHT_NOTE = "夜查"
# Which checklist a kind of place is usually checked with (the form offered first).
DEFAULT_CHECKLIST = {
    PlaceKind.RENTAL_SITE: "fire_rental_site",
    PlaceKind.CHARGING: "charging_facility",
    PlaceKind.GARAGE: "flood_risk",
    PlaceKind.BUNGALOW: "flood_risk",
}


@dataclass(frozen=True)
class Member:
    """A joint-team member as given to `create_campaign`: the user and whom they represent."""

    user: Any
    department: Department | None = None
    unit: str = ""


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _check(
    name: str,
    place_kinds: Sequence[str],
    checklist: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    region: Region,
) -> None:
    if not name.strip():
        raise ServiceError(_("请填写专项检查的名称"))
    if not place_kinds:
        raise ServiceError(_("请至少选择一种场所类型"))
    bad = [k for k in place_kinds if k not in PlaceKind.values]
    if bad:
        raise ServiceError(_("场所类型“%(kind)s”无效") % {"kind": str(bad[0])[:20]})
    if checklist not in CHECKLISTS:
        raise ServiceError(_("检查表“%(checklist)s”不存在") % {"checklist": checklist[:40]})
    for day in (starts_on, ends_on):
        problem = date_problem(day)
        if problem:
            raise ServiceError(problem)
    if ends_on < starts_on:
        raise ServiceError(_("结束日期早于开始日期"))
    if region.level not in (RegionLevel.STREET, RegionLevel.DISTRICT):
        raise ServiceError(_("专项检查由街道或区组织，请选择街道"))


def _add_member(campaign: Campaign, member: Member) -> CampaignMember:
    user = member.user
    if user is None or not getattr(user, "is_active", False):
        raise ServiceError(_("联合检查组成员须为在用的账号"))
    unit = member.unit.strip()[:100] or (member.department.name if member.department else "")
    made, _created = CampaignMember.objects.update_or_create(
        campaign=campaign, user=user, defaults={"department": member.department, "unit": unit}
    )
    return made


@transaction.atomic
def create_campaign(
    actor: Any,
    *,
    name: str,
    place_kinds: Sequence[str],
    checklist: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    region: Region,
    night_check: bool = False,
    note: str = "",
    members: Sequence[Member] = (),
    channel: str = "web",
) -> Campaign:
    """A campaign of `region` (a street; the district for a district-wide one), set up by the
    staff over it."""
    _check(name, place_kinds, checklist, starts_on, ends_on, region)
    campaign = Campaign(
        name=name.strip()[:100],
        place_kinds=sorted(set(place_kinds)),
        checklist=checklist,
        starts_on=starts_on,
        ends_on=ends_on,
        region=region,
        night_check=night_check,
        note=note.strip()[:2000],
        created_by=actor if _is_user(actor) else None,
    )
    require(
        actor,
        campaign,
        Right.CHANGE,
        message=_("只有街道、区的工作人员可以组织本辖区的专项检查"),
        channel=channel,
    )
    campaign.save()
    for member in members:
        _add_member(campaign, member)
    audit.record(
        actor,
        audit.AuditAction.CREATE,
        "inspections.campaign",
        campaign.pk,
        channel=channel,
        detail={"kinds": campaign.place_kinds, "checklist": checklist, "members": len(members)},
    )
    return campaign


@transaction.atomic
def add_member(
    actor: Any,
    campaign: Campaign,
    user: Any,
    *,
    department: Department | None = None,
    unit: str = "",
    channel: str = "web",
) -> CampaignMember:
    """A member joins the joint team (again: their unit is updated)."""
    require(actor, campaign, Right.CHANGE, message=_("只有组织该专项检查的街道可以调整检查组"))
    made = _add_member(campaign, Member(user, department, unit))
    audit.record(
        actor,
        audit.AuditAction.UPDATE,
        "inspections.campaign",
        campaign.pk,
        channel=channel,
        detail={"event": "member_added", "user": user.pk},
    )
    return made


@dataclass(frozen=True)
class Started:
    created: int  # inspection tasks made now
    existing: int  # places that had theirs from an earlier start


def _places(actor: Any, campaign: Campaign) -> QuerySet[Place]:
    grids = Region.objects.subtree(campaign.region.code).filter(level=RegionLevel.GRID)
    query: QuerySet[Place] = Place.objects.filter(kind__in=campaign.place_kinds, grid__in=grids)
    if actor is not None:
        query = visible_to(actor, query, Right.CHANGE)
    return query.select_related("grid").order_by("grid__code", "kind", "name", "pk")


def _works_in(user: Any, grid_id: int) -> bool:
    scope = scope_for(user)
    return scope.unrestricted or grid_id in scope.region_ids


def require_organiser(actor: Any, campaign: Campaign, *, channel: str = "web") -> None:
    """Refuse (403, logged) who may see the campaign but not run it: whoever set it up reads
    it still, but only the staff over its region start it and change its team."""
    require(
        actor,
        campaign,
        Right.CHANGE,
        message=_("只有组织该专项检查的街道、区工作人员可以操作"),
        channel=channel,
    )


def check_startable(actor: Any, campaign: Campaign, *, channel: str = "web") -> None:
    """Refuse at once (logged) who may not start the campaign, or a campaign already over, so
    the office hears it on the page rather than from a background job."""
    require(
        actor,
        campaign,
        Right.CHANGE,
        message=_("只有组织该专项检查的街道、区工作人员可以启动"),
        channel=channel,
    )
    if campaign.ends_on < timezone.localdate():
        raise ServiceError(
            _("专项检查已于%(date)s结束，不能再启动") % {"date": f"{campaign.ends_on:%Y-%m-%d}"}
        )


def start_campaign(
    actor: Any,
    campaign: Campaign,
    *,
    channel: str = "web",
    progress: Callable[[int, int], None] | None = None,
) -> Started:
    """One inspection task per place of the campaign's kinds in its region (`tasks.create_task`,
    kind `inspection`, subject `inspections.place:<id>`, the checklist as its form, due on the
    campaign's last day, noted 夜查 for a night check), for a team member who works in the
    place's grid, in turn, or else for the grid's grid worker post. Starting again adds only
    places registered since. One transaction: a start cut short leaves no task behind.
    A district's campaign can reach thousands of places, so the page runs this as a background
    job (`inspections.jobs.start_campaign_job`)."""
    from wangge.tasks.services import create_task

    check_startable(actor, campaign, channel=channel)
    today = timezone.localdate()
    with transaction.atomic():
        # the campaign row locked: two starts at once run one after the other (PostgreSQL;
        # SQLite writes one transaction at a time anyway)
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        done = set(CampaignCheck.objects.filter(campaign=locked).values_list("place_id", flat=True))
        members = list(
            CampaignMember.objects.filter(campaign=locked, user__is_active=True)
            .select_related("user")
            .order_by("pk")
        )
        turn = 0
        created = 0
        note_lines = [f"专项检查：{locked.name}（{CHECKLISTS[locked.checklist].title}）"]
        if locked.night_check:
            note_lines.insert(0, NIGHT_NOTE)
        note = "\n".join(note_lines)
        places = _places(actor, locked)
        total = places.count() if progress is not None else 0
        for seen, place in enumerate(places, start=1):
            if progress is not None and seen % 100 == 0:
                progress(seen, total)
            if place.pk in done:
                continue
            assignee = None
            for step in range(len(members)):
                candidate = members[(turn + step) % len(members)].user
                if place.grid_id is not None and _works_in(candidate, place.grid_id):
                    assignee = candidate
                    turn = (turn + step + 1) % len(members)
                    break
            task = create_task(
                actor,
                kind=TaskKind.INSPECTION,
                region=place.grid,
                title=f"{locked.name}：{place.name}",
                post=StaffPost.GRID_WORKER,
                assignee=assignee,
                due_date=max(locked.ends_on, today),
                form_code=locked.checklist,
                subject_ref=place_ref(place),
                note=note,
                channel=channel,
            )
            CampaignCheck.objects.create(
                campaign=locked, place=place, grid_id=place.grid_id, task=task
            )
            created += 1
        if locked.started_at is None:
            locked.started_at = timezone.now()
            locked.save(update_fields=["started_at"])
        campaign.started_at = locked.started_at
        audit.record(
            actor,
            audit.AuditAction.UPDATE,
            "inspections.campaign",
            campaign.pk,
            channel=channel,
            detail={"event": "started", "created": created},
        )
    return Started(created, len(done))


# -- reads ------------------------------------------------------------------------------------


def campaigns(user: Any) -> QuerySet[Campaign]:
    return visible_to(user, Campaign.objects.select_related("region"))


def get_campaign(user: Any, campaign_id: int, *, channel: str = "web") -> Campaign:
    """A campaign the user may see; one they may not is answered as one that does not exist
    (`get_visible`: campaign ids are sequential), the refusal audited."""
    campaign: Campaign = get_visible(
        user,
        Campaign.objects.select_related("region", "created_by"),
        campaign_id,
        message=_("未找到该专项检查，或不在您的管辖范围内"),
        channel=channel,
    )
    return campaign


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    cancelled: int
    overdue: int  # open past the due date
    hazards: int

    @property
    def open(self) -> int:
        return self.total - self.done - self.cancelled

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(campaign: Campaign, checks: QuerySet[CampaignCheck] | None = None) -> Progress:
    """Tasks done of all, and hazards the checklists found (one query)."""
    query: QuerySet[CampaignCheck] = (
        checks if checks is not None else CampaignCheck.objects.filter(campaign=campaign)
    )
    today = timezone.localdate()
    row = query.order_by().aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(task__status=TaskStatus.DONE)),
        cancelled=Count("pk", filter=Q(task__status=TaskStatus.CANCELLED)),
        overdue=Count("pk", filter=Q(task__status=TaskStatus.OPEN, task__due_date__lt=today)),
        hazards=Sum("hazards_found"),
    )
    return Progress(
        row["total"], row["done"], row["cancelled"], row["overdue"], row["hazards"] or 0
    )


def progress_of(campaign_ids: Sequence[int]) -> dict[int, Progress]:
    """`progress` of many campaigns in one grouped query (the campaign list)."""
    today = timezone.localdate()
    rows = (
        CampaignCheck.objects.filter(campaign_id__in=list(campaign_ids))
        .order_by()
        .values("campaign_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(task__status=TaskStatus.DONE)),
            cancelled=Count("pk", filter=Q(task__status=TaskStatus.CANCELLED)),
            overdue=Count("pk", filter=Q(task__status=TaskStatus.OPEN, task__due_date__lt=today)),
            hazards=Sum("hazards_found"),
        )
    )
    found = {
        r["campaign_id"]: Progress(
            r["total"], r["done"], r["cancelled"], r["overdue"], r["hazards"] or 0
        )
        for r in rows
    }
    return {pk: found.get(pk, Progress(0, 0, 0, 0, 0)) for pk in campaign_ids}


def record_found(task_id: int | None, hazards: int) -> None:
    """A checklist sent for a campaign's task: how many hazards it found (`submitted.py`)."""
    if task_id is not None:
        CampaignCheck.objects.filter(task_id=task_id).update(hazards_found=hazards)


STATUSES = ("open", "done", "cancelled", "overdue")


@dataclass(frozen=True)
class InspectionFilter:
    region: str = ""
    campaign: int | None = None
    status: str = ""  # open, done, cancelled, or overdue (open past its due date)
    start: datetime.date | None = None
    end: datetime.date | None = None


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def inspections(user: Any, f: InspectionFilter) -> QuerySet[CampaignCheck]:
    """The campaign inspections the user may see (each like its place: the grid's offices and
    workers, the department in charge of the place), newest campaign first. The period is the
    check's day: the day it was done, or for one not done its due date."""
    if f.status and f.status not in STATUSES:
        raise ServiceError(
            _("状态“%(status)s”无效，可选：open、done、cancelled、overdue")
            % {"status": f.status[:20]}
        )
    if f.start and f.end and f.end < f.start:
        raise ServiceError(_("结束日期早于开始日期"))
    query = visible_to(user, CampaignCheck.objects.all())
    if f.region:
        # region codes are not personal data: a department filters by them too; what it may
        # see is still decided by the policy above
        region = Region.objects.filter(code=f.region[:24]).first()
        if region is None:
            raise NotFound(_("未找到区域“%(region)s”") % {"region": f.region[:24]})
        grids = Region.objects.subtree(region.code).filter(level=RegionLevel.GRID)
        query = query.filter(grid__in=grids)
    if f.campaign is not None:
        query = query.filter(campaign_id=f.campaign)
    if f.status == "overdue":
        query = query.filter(task__status=TaskStatus.OPEN, task__due_date__lt=timezone.localdate())
    elif f.status:
        query = query.filter(task__status=f.status)
    done = Q(task__status=TaskStatus.DONE)
    if f.start:
        query = query.filter(
            (done & Q(task__completed_at__gte=_moment(f.start)))
            | (~done & Q(task__due_date__gte=f.start))
        )
    if f.end:
        until = _moment(f.end + datetime.timedelta(days=1))
        query = query.filter(
            (done & Q(task__completed_at__lt=until)) | (~done & Q(task__due_date__lte=f.end))
        )
    return query.select_related("campaign", "place", "grid", "task__assignee").order_by(
        "-campaign__starts_on", "-campaign_id", "pk"
    )
