"""Departments' members (district admins only)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import pgettext

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.scoping import require_district_admin
from wangge.cases.models import (
    Department,
    DepartmentMembership,
)


@transaction.atomic
def add_department_member(actor: Any, user: Any, department: Department) -> DepartmentMembership:
    require_district_admin(actor, pgettext("admin task", "设置部门成员"))
    membership, _created = DepartmentMembership.objects.get_or_create(
        user=user, department=department
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        "department_membership",
        membership.pk,
        detail={"user": user.get_username(), "department": department.code},
    )
    return membership
