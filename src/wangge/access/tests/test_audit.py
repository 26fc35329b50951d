"""The audit log is a hash chain: any edit or removal is named by `wangge audit-verify`."""

import pytest
from django.core.management import CommandError, call_command

from wangge.access import audit
from wangge.access.audit import AuditAction, verify_chain
from wangge.access.models import AuditEntry

pytestmark = pytest.mark.django_db


def _entries(n: int) -> list[AuditEntry]:
    return [audit.record(None, AuditAction.VIEW, "person", i, channel="cli") for i in range(n)]


def test_entries_link_to_their_predecessor():
    entries = _entries(3)
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    assert verify_chain() == (3, None)


def test_an_altered_entry_is_named(capsys):
    entries = _entries(5)
    AuditEntry.objects.filter(pk=entries[2].pk).update(object_id="999")
    count, problem = verify_chain()
    assert problem is not None and problem.entry_id == entries[2].pk
    assert "被改动" in problem.message
    with pytest.raises(CommandError, match=f"第{entries[2].pk}条"):
        call_command("audit_verify")


def test_a_removed_entry_is_found_at_its_successor():
    entries = _entries(5)
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    _count, problem = verify_chain()
    assert problem is not None and problem.entry_id == entries[2].pk
    assert "删除" in problem.message


def test_cutting_off_the_newest_entries_is_found():
    entries = _entries(4)
    AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    _count, problem = verify_chain()
    assert problem is not None and "最新的记录被删除" in problem.message


def test_an_intact_log_verifies(capsys):
    _entries(2)
    call_command("audit_verify")
    assert "审计日志完整" in capsys.readouterr().out


def test_rolled_back_changes_leave_no_entry():
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(None, AuditAction.UPDATE, "person", 1)
        raise RuntimeError("boom")
    assert AuditEntry.objects.count() == 0
    assert verify_chain() == (0, None)
