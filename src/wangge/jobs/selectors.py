"""Which jobs a user may see: their own; staff also their region's; district admins the system's."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access.models import Role
from wangge.access.scoping import scope_for
from wangge.core.errors import NotFound
from wangge.jobs.models import Job, WorkerBeat

STAFF_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_OFFICER})


def visible_jobs(user: Any) -> Any:
    """A user's own jobs; staff also those of their region (district admins: the system's)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    if user.is_superuser:
        return Job.objects.all()
    scope = scope_for(user)
    query = Q(user_id=user.pk)
    if scope.roles & STAFF_ROLES:
        for root in scope.root_codes:
            query |= Q(region_code__startswith=root) & ~Q(region_code="")
    if Role.DISTRICT_ADMIN in scope.roles:
        query |= Q(user_id__isnull=True)
    return Job.objects.filter(query)


def get_job(user: Any, job_id: Any) -> Job:
    job = visible_jobs(user).filter(pk=str(job_id)).first() if _is_uuid(job_id) else None
    if job is None:
        raise NotFound(_("后台任务不存在或不在您的权限范围内"))
    return job


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def workers_alive() -> int:
    """Workers whose heartbeat is fresh: a queued job waits for one, and says so when none is."""
    since = timezone.now() - timedelta(seconds=settings.WANGGE_JOBS_DEAD_AFTER)
    return WorkerBeat.objects.filter(seen_at__gte=since).count()
