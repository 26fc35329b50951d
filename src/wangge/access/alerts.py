"""Search alerts for the district admins: listed, and acknowledged with a note (audited)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wangge.access import audit
from wangge.access.models import AuditAction, SearchAlert
from wangge.access.scoping import require_district_admin
from wangge.core.errors import NotFound, ServiceError


def list_alerts(user: Any, *, channel: str = "web") -> QuerySet[SearchAlert]:
    require_district_admin(user, pgettext("admin task", "查看安全告警"))
    audit.record(user, AuditAction.LIST, "search_alert", "", channel=channel)
    return SearchAlert.objects.all()


def acknowledge(user: Any, alert_id: int, note: str, *, channel: str = "web") -> SearchAlert:
    require_district_admin(user, pgettext("admin task", "处理安全告警"))
    note = note.strip()
    if not note:
        raise ServiceError(_("请填写处理说明（例如：已与该用户核实，为正常工作）"))
    alert = SearchAlert.objects.filter(pk=alert_id).first()
    if alert is None:
        raise NotFound(_("告警 %(alert_id)s 不存在") % {"alert_id": alert_id})
    if alert.acknowledged_at is not None:
        raise ServiceError(
            _("告警 %(alert_id)s 已于 %(when)s 处理")
            % {
                "alert_id": alert_id,
                "when": f"{alert.acknowledged_at:%Y-%m-%d %H:%M}",
            }
        )
    alert.acknowledged_by = user
    alert.acknowledged_at = timezone.now()
    alert.note = note[:200]
    alert.save(update_fields=["acknowledged_by", "acknowledged_at", "note"])
    audit.record(
        user, AuditAction.UPDATE, "search_alert", alert.pk, channel=channel, detail={"ack": True}
    )
    return alert
