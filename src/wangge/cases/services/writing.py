"""Writing a case: the optimistic version check, the event appended to its timeline, the audit entry.

Every state change (actions, deadlines, placement) goes through `_write` and `_event`, so a
stale page hears `Conflict` and nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
)
from wangge.cases.services.common import _actor_name, _audit_channel, _is_user
from wangge.core.errors import ServiceError


class Conflict(ServiceError):
    """Someone else changed the case after the actor loaded it; nothing was written."""

    status = 409


def _event(
    case: Case,
    kind: str,
    actor: Any,
    *,
    channel: str = "web",
    from_status: str = "",
    to_status: str = "",
    department_id: int | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    save: bool = True,
) -> CaseEvent:
    event = CaseEvent(
        case=case,
        at=timezone.now(),
        kind=kind,
        actor=actor if _is_user(actor) else None,
        actor_name=_actor_name(actor),
        channel=channel,
        from_status=from_status,
        to_status=to_status,
        department_id=department_id,
        note=note,
        data=data or {},
    )
    if save:
        event.save(force_insert=True)
    return event


def _write(case: Case, version: int | None, **changes: Any) -> None:
    """Apply `changes` only if the case is still at the version the actor saw."""
    expected = case.version if version is None else version
    rows = Case.objects.filter(pk=case.pk, version=expected).update(
        version=expected + 1, updated_at=timezone.now(), **changes
    )
    if rows == 0:
        current = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
        raise _conflict(case, expected, current)
    for name, value in changes.items():
        setattr(case, name, value)
    case.version = expected + 1


def _conflict(case: Case, expected: int, current: Any) -> Conflict:
    return Conflict(
        _(
            "案件 %(number)s 已被他人更新（您看到的是第%(expected)s版，现在是第%(current)s版），请刷新后查看最新情况再操作"
        )
        % {"number": case.number, "expected": expected, "current": current}
    )


def _require_status(
    case: Case, allowed: Iterable[str], doing: str, version: int | None = None
) -> None:
    """Stale first: someone who acted on an old page hears that, not a status complaint."""
    if version is not None and version != case.version:
        raise _conflict(case, version, case.version)
    allowed = list(allowed)
    if case.status not in allowed:
        names = _("、").join(str(CaseStatus(s).label) for s in allowed)
        raise ServiceError(
            _("案件 %(number)s 当前为“%(status)s”，只有%(names)s的案件可以%(doing)s")
            % {
                "number": case.number,
                "status": case.get_status_display(),
                "names": names,
                "doing": doing,
            }
        )


def _require_reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("请填写%(what)s") % {"what": what})
    return reason[:1000]


def _changed(actor: Any, case: Case, kind: str, channel: str = "web") -> None:
    from wangge.tasks.services import case_changed

    case_changed(case)  # the grid's task for the case follows it (wangge.tasks)
    audit.record(
        actor,
        AuditAction.UPDATE,
        "case",
        case.pk,
        channel=_audit_channel(channel),
        detail={"event": kind, "version": case.version},
    )
