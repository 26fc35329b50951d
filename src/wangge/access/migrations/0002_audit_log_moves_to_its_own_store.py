"""The audit log leaves the main database for its own store (the `audit` app and alias).

Entries already logged are copied across in their order as pending entries, so the sequencer
chains them into the new keyed chain and no history is lost; then the old tables go.
"""

from typing import Any

from django.db import migrations

CHUNK = 5000


def copy_entries(apps: Any, schema_editor: Any) -> None:
    old = apps.get_model("access", "AuditEntry")
    rows = old.objects.using(schema_editor.connection.alias).order_by("pk")
    if not rows.exists():
        return
    # The live model: the audit store is another database, outside this migration's state.
    from django.db import DatabaseError

    from wangge.audit.models import AuditEntry

    try:
        AuditEntry.objects.exists()
    except DatabaseError as exc:  # pragma: no cover - an operator ran one store alone
        raise RuntimeError("请先迁移审计库：运行 wangge migrate（不带 --database）") from exc
    batch = []
    for row in rows.iterator(chunk_size=CHUNK):
        batch.append(
            AuditEntry(
                at=row.at,
                user_id=row.user_id,
                username=row.username,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                channel=row.channel,
                detail={**(row.detail or {}), "migrated_from": row.pk},
            )
        )
        if len(batch) >= CHUNK:
            AuditEntry.objects.bulk_create(batch)
            batch = []
    AuditEntry.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_entries, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="auditentry", name="user"),
        migrations.DeleteModel(name="AuditHead"),
        migrations.DeleteModel(name="AuditEntry"),
    ]
