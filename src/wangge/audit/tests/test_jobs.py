"""The scheduler runs the sequencer: pending entries are chained without anyone asking."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from wangge.access import audit
from wangge.audit.models import AuditCheckpoint, AuditEntry
from wangge.jobs import services

pytestmark = pytest.mark.django_db


def test_the_scheduler_sequences_pending_entries(settings: Any) -> None:
    settings.WANGGE_JOBS_EVERY = {
        "case-sweep": 0,
        "exports-expire": 0,
        "task-sweep": 0,
        "suggester-retrain": 0,
    }
    for i in range(3):
        audit.record(None, audit.AuditAction.VIEW, "person", i, channel="cli")
    started = services.run_schedules(timezone.now())
    assert [job.kind for job in started] == ["audit-sequence"]
    checkpoint = AuditCheckpoint.objects.get()
    assert started[0].result == {
        "message": "排序入链 3 条",
        "sequenced": 3,
        "checkpoint": f"3:{checkpoint.entry_hash}",
    }
    assert not AuditEntry.objects.filter(seq__isnull=True).exists()
