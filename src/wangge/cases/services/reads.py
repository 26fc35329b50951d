"""Scoped reads of cases: lists, one case, its timeline and photos; every read is audited (PIPL)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.scoping import Right, allows
from wangge.cases.models import (
    Case,
    CaseEvent,
    CasePhoto,
    CaseQuerySet,
    CaseStatus,
    Category,
    Department,
)
from wangge.cases.services.common import ACTIVE
from wangge.core.errors import NotFound
from wangge.geo.models import Region


def visible_cases(user: Any) -> CaseQuerySet:
    return Case.objects.visible_to(user)


def list_cases(
    user: Any,
    *,
    status: str = "",
    category: str = "",
    region: str = "",
    department: int | None = None,
    overdue: bool = False,
    channel: str = "web",
) -> CaseQuerySet:
    """The user's cases, newest first, filtered; the list itself is audited (PIPL)."""
    queryset = visible_cases(user).select_related(
        "category", "region", "community", "grid", "department"
    )
    if status == "open":
        queryset = queryset.open()
    elif status:
        queryset = queryset.filter(status=status)
    if category:
        # Resolved to ids first: an OR across the category join kept PostgreSQL from using the
        # case table's composite indexes.
        categories = Category.objects.filter(Q(code=category) | Q(parent__code=category))
        queryset = queryset.filter(category_id__in=sorted(categories.values_list("pk", flat=True)))
    if region:
        regions = Region.objects.subtree(region).values_list("pk", flat=True)
        queryset = queryset.filter(region_id__in=sorted(regions))
    if department:
        queryset = queryset.filter(department_id=department)
    if overdue:
        queryset = queryset.filter(overdue_q(timezone.now()))
    audit.record(
        user,
        AuditAction.LIST,
        "case",
        "",
        channel=channel,
        detail={"status": status, "category": category, "region": region, "overdue": overdue},
    )
    return queryset


COUNT_CAP = 10_000


def count_cases(queryset: Any, cap: int | None = None) -> int:
    """How many cases match, counted up to `cap + 1` (shown as “10,000+”).

    An exact COUNT over hundreds of thousands of matching rows costs hundreds of milliseconds at
    a million cases; nobody pages that far, they narrow the filters.
    """
    cap = COUNT_CAP if cap is None else cap
    return queryset.order_by().values("pk")[: cap + 1].count()


def overdue_q(now: datetime.datetime) -> Q:
    return Q(status__in=ACTIVE) & (
        Q(handle_deadline__lt=now) | Q(status=CaseStatus.DISPATCHED, sign_deadline__lt=now)
    )


def shows_reporter_phone(user: Any, case: Case) -> bool:
    """The full number goes to the handlers of the department the case is dispatched to only."""
    return case.status != CaseStatus.CLOSED and allows(user, case, Right.HANDLE)


def reporter_phone_for(user: Any, case: Case) -> str:
    return case.reporter_phone if shows_reporter_phone(user, case) else case.reporter_phone_masked


def get_case(user: Any, case_id: int, *, channel: str = "web") -> Case:
    case = (
        visible_cases(user)
        .select_related(
            "category", "region", "street", "community", "grid", "department", "handler"
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound(_("未找到该案件，或不在您的管辖范围内"))
    detail = {"reporter_phone": "shown"} if shows_reporter_phone(user, case) else {}
    audit.record(user, AuditAction.VIEW, "case", case.pk, channel=channel, detail=detail)
    return case


def case_by_token(token: str) -> Case:
    """The case a resident's rating link points to (the token is the only credential)."""
    case = (
        Case.objects.select_related("category", "department")
        .filter(rating_token=token)
        .exclude(rating_token="")
        .first()
        if len(token) >= 16
        else None
    )
    if case is None:
        raise NotFound(_("链接无效或已过期"))
    return case


def timeline(case: Case) -> list[CaseEvent]:
    # the actor too: the page names staff as people call them (the name on the account), the
    # login kept on the event (actor_name) only where the account is gone
    return list(case.events.select_related("department", "actor").prefetch_related("photos"))


def get_photo(user: Any, photo_id: int) -> CasePhoto:
    photo = CasePhoto.objects.select_related("case").filter(pk=photo_id).first()
    if photo is None or not visible_cases(user).filter(pk=photo.case_id).exists():
        raise NotFound(_("未找到该照片，或不在您的管辖范围内"))
    audit.record(user, AuditAction.VIEW, "case_photo", photo.pk, detail={"case": photo.case_id})
    return photo


def departments_for(case: Case) -> QuerySet[Department]:
    """Departments a case may go to: unrestricted ones and those serving its region."""
    query = Q(region__isnull=True)
    if case.region_id and case.region is not None:
        codes = [case.region.code[:n] for n in range(1, len(case.region.code) + 1)]
        query |= Q(region__code__in=codes)
    return Department.objects.filter(query).order_by("code")
