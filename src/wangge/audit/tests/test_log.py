"""The audit log: pending appends, the sequencer's keyed chain, and what verification finds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from wangge.access import audit
from wangge.access.audit import AuditAction, sequence_pending, verify_chain
from wangge.access.models import Role, RoleAssignment
from wangge.audit.models import AuditCheckpoint, AuditEntry, Txn
from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db


def _entries(n: int) -> list[AuditEntry]:
    [audit.record(None, AuditAction.VIEW, "person", i, channel="cli") for i in range(n)]
    sequence_pending()
    return list(AuditEntry.objects.order_by("seq"))


def test_appends_are_pending_until_the_sequencer_chains_them():
    entry = audit.record(None, AuditAction.VIEW, "person", 1, channel="cli")
    assert entry.seq is None and entry.entry_hash == ""
    assert sequence_pending() == 1
    entry.refresh_from_db()
    assert entry.seq == 1 and len(entry.entry_hash) == 64
    assert AuditCheckpoint.objects.get().seq == 1
    assert sequence_pending() == 0


def test_entries_link_to_their_predecessor_in_order():
    entries = _entries(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert verify_chain() == (3, None)
    # the chain is keyed: the same content under another key gives another hash
    from wangge.audit.chain import ChainKeys
    from wangge.audit.log import _content

    other = ChainKeys.from_master(b"\x01" * 32)
    assert other.link("0" * 64, 1, _content(entries[0])) != entries[0].entry_hash


def test_an_altered_entry_is_named():
    entries = _entries(5)
    AuditEntry.objects.filter(pk=entries[2].pk).update(object_id="999")
    _count, problem = verify_chain()
    assert problem is not None and problem.entry_id == 3
    assert "第3条记录的内容被改动" in problem.message
    with pytest.raises(CommandError, match="第3条"):
        call_command("audit_verify")


def test_a_removed_entry_is_named():
    entries = _entries(5)
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    _count, problem = verify_chain()
    assert problem is not None and problem.entry_id == 2
    assert "第2条记录被删除" in problem.message


def test_an_entry_made_pending_again_shows_as_a_gap():
    entries = _entries(3)
    AuditEntry.objects.filter(pk=entries[0].pk).update(seq=None, entry_hash="")
    _count, problem = verify_chain()
    assert problem is not None and problem.entry_id == 1


def test_cutting_off_the_newest_entries_is_found_by_the_checkpoint():
    entries = _entries(4)
    AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    _count, problem = verify_chain()
    assert problem is not None and "最新的记录被删除" in problem.message
    # and the sequencer does not paper over the gap: new entries continue after seq 4
    audit.record(None, AuditAction.VIEW, "person", 99, channel="cli")
    _count, problem = verify_chain()
    assert problem is not None and problem.entry_id == 4


def test_an_anchor_kept_elsewhere_finds_a_cut_that_took_its_checkpoint_too(capsys):
    _entries(3)
    audit.record(None, AuditAction.VIEW, "person", 4, channel="cli")
    call_command("audit_sequence")
    anchor = capsys.readouterr().out.strip().splitlines()[-1].split()[-1]
    assert anchor.startswith("4:")
    AuditEntry.objects.filter(seq=4).delete()
    AuditCheckpoint.objects.filter(seq=4).delete()
    assert verify_chain() == (3, None)  # nothing inside the database shows it …
    with pytest.raises(CommandError, match="锚点记到第4条"):  # … the anchor does
        call_command("audit_verify", anchor=[anchor])


def test_a_rewritten_prefix_disagrees_with_its_anchor(tmp_path):
    entries = _entries(2)
    anchors = tmp_path / "anchors.txt"
    anchors.write_text(f"2026-01-01 sig {entries[1].seq}:{'a' * 64}\n")
    with pytest.raises(CommandError, match="第2条与锚点不符"):
        call_command("audit_verify", anchor_file=anchors)
    with pytest.raises(CommandError, match="锚点格式"):
        call_command("audit_verify", anchor=["two:abc"])


def test_a_forged_checkpoint_is_refused():
    _entries(2)
    AuditCheckpoint.objects.update(signature="00" * 64)
    _count, problem = verify_chain()
    assert problem is not None and "签名无效" in problem.message


def test_an_intact_log_verifies(capsys):
    _entries(2)
    call_command("audit_verify")
    assert "审计日志完整：共 2 条" in capsys.readouterr().out


def test_deleting_a_user_keeps_the_chain_verifiable(sample: SampleDistrict):
    user = get_user_model().objects.create_user("gone", password="x" * 12)
    RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, region=sample.grids[0])
    entry = audit.record(user, AuditAction.VIEW, "person", sample.persons[0].pk)
    assert entry.user_roles == [f"grid_worker@{sample.grids[0].code}"]
    user_id = user.pk
    sequence_pending()
    user.delete()
    assert verify_chain()[1] is None
    entry.refresh_from_db()
    assert (entry.user_id, entry.username) == (user_id, "gone")
    assert entry.user_roles == [f"grid_worker@{sample.grids[0].code}"]
    call_command("audit_verify")


def test_entries_of_writes_are_open_until_their_transaction_ends(settings):
    settings.WANGGE_AUDIT_OPEN_GRACE = 3600
    with transaction.atomic():
        entry = audit.record(None, AuditAction.UPDATE, "person", 1)
    assert entry.txn == Txn.OPEN
    read = audit.record(None, AuditAction.VIEW, "person", 1)
    assert read.txn == Txn.NONE
    assert sequence_pending() == 1  # the open one waits for its transaction …
    assert sequence_pending(grace=timedelta(0)) == 1  # … until the grace period is over
    entry.refresh_from_db()
    assert entry.txn == Txn.UNCONFIRMED and entry.seq == 2
    assert verify_chain()[1] is None


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_committed_change_is_marked_committed_and_a_rolled_back_one_never_is(settings):
    settings.WANGGE_AUDIT_OPEN_GRACE = 3600
    with transaction.atomic():
        committed = audit.record(None, AuditAction.UPDATE, "person", 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = audit.record(None, AuditAction.UPDATE, "person", 2)
        raise RuntimeError("boom")
    committed.refresh_from_db()
    rolled_back.refresh_from_db()
    assert committed.txn == Txn.COMMITTED
    assert rolled_back.txn == Txn.OPEN
    assert sequence_pending() == 1
    assert sequence_pending(grace=timedelta(0)) == 1
    rolled_back.refresh_from_db()
    assert rolled_back.txn == Txn.UNCONFIRMED


def test_the_router_keeps_the_stores_apart_and_leaves_other_stores_to_their_routers(settings):
    from wangge.audit.routers import AuditRouter

    router = AuditRouter()
    settings.WANGGE_AUDIT_SHARES_DEFAULT = True  # one PostgreSQL database: either alias will do
    assert router.allow_migrate("default", "audit") is None
    settings.WANGGE_AUDIT_SHARES_DEFAULT = False
    assert router.allow_migrate("audit", "audit") and router.allow_migrate("audit", "sessions")
    assert router.allow_migrate("audit", "people") is False
    assert router.allow_migrate("default", "audit") is False
    assert router.allow_migrate("default", "people") is None
    assert router.allow_migrate("another", "people") is None


def test_migrate_goes_through_each_separate_database_once():
    from wangge.audit.management.commands.migrate import _stores

    main = {"ENGINE": "django.db.backends.postgresql", "HOST": "h", "PORT": "5432", "NAME": "w"}
    assert _stores({"default": main, "audit": {**main}, "jobs": {**main}}) == [
        "default"
    ]  # second connections to one database: through default
    separate_log = {"default": main, "jobs": {**main}, "audit": {**main, "NAME": "log"}}
    assert _stores(separate_log) == ["audit", "default"]
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/var/w.sqlite3"}
    files = {
        "default": sqlite,
        "jobs": {**sqlite, "NAME": "/var/jobs.sqlite3"},
        "audit": {**sqlite, "NAME": "/var/a.sqlite3"},
    }
    assert _stores(files) == ["audit", "default", "jobs"]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_batch_writes_its_entries_in_one_insert_before_the_commit_and_confirms_only_what_committed(
    settings,
):
    """`batched()`: one INSERT and one UPDATE of the audit store for a unit of work, however
    many entries; the entries are stored (open) before the data commits; one recorded in a
    savepoint that rolled back is never marked committed."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    settings.WANGGE_AUDIT_OPEN_GRACE = 3600
    seen_before_commit: list[int] = []
    with CaptureQueriesContext(connections["audit"]) as queries, transaction.atomic():
        with audit.batched():
            first = audit.record(None, AuditAction.CREATE, "forms.submission", 1)
            try:
                with transaction.atomic():
                    undone = audit.record(None, AuditAction.UPDATE, "person", 2)
                    raise RuntimeError("refused")
            except RuntimeError:
                pass
            with audit.batched():  # nested: joins the outer batch
                second = audit.record(None, AuditAction.UPDATE, "person", 3)
            assert first.pk is None and AuditEntry.objects.count() == 0  # not written yet
        # the batch has ended, the data transaction not yet: the entries are stored, open
        seen_before_commit.extend(AuditEntry.objects.values_list("txn", flat=True))
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(inserts) == 1 and len(updates) == 1
    assert seen_before_commit == [Txn.OPEN] * 3
    for entry in (first, undone, second):
        entry.refresh_from_db()
    assert first.txn == Txn.COMMITTED and second.txn == Txn.COMMITTED
    assert undone.txn == Txn.OPEN
    assert sequence_pending() == 2


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_batch_is_written_even_when_its_transaction_fails(settings):
    settings.WANGGE_AUDIT_OPEN_GRACE = 3600
    with pytest.raises(RuntimeError), transaction.atomic(), audit.batched():
        entry = audit.record(None, AuditAction.UPDATE, "person", 1)
        raise RuntimeError("boom")
    entry.refresh_from_db()  # an attempted change is never missing from the log
    assert entry.txn == Txn.OPEN
    assert sequence_pending(grace=timedelta(0)) == 1
    entry.refresh_from_db()
    assert entry.txn == Txn.UNCONFIRMED


def test_a_nul_in_what_is_recorded_is_kept_visible_and_storable():
    """PostgreSQL holds no NUL in text or JSON: recording one failed the request that was being
    refused (a signed-in user's 404 for /cases/%00/ was a 500 there). The entry is written with
    the NUL shown as ␀, so the attempt is still in the log."""
    audit.record(
        None,
        AuditAction.DENIED,
        "request",
        "7\x00",
        channel="cli",
        detail={"path": "/cases/\x00/", "nested": ["a\x00"], "k\x00": 1},
    )
    entry = AuditEntry.objects.get()
    assert entry.object_id == "7␀"
    assert entry.detail == {"path": "/cases/␀/", "nested": ["a␀"], "k␀": 1}
    assert sequence_pending() == 1 and verify_chain() == (1, None)


def test_a_signed_in_users_404_for_a_path_with_nul_is_a_404(sample: SampleDistrict):
    from django.test import Client

    client = Client()
    client.force_login(sample.users["grid"])
    assert client.get("/cases/%00/").status_code == 404
    denied = AuditEntry.objects.filter(action=AuditAction.DENIED).last()
    assert denied is not None and denied.detail["path"] == "/cases/␀/"
