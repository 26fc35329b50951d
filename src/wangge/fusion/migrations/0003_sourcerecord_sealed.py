"""Source records keep their masked ID, masked phone and birth date sealed in one encrypted column.

A masked ID (region + last four) beside a plaintext birth date in the same row was the whole ID
number to anyone holding the database file (issue 12, attack 3). Existing rows are sealed and
re-masked the way `mask_id_number` and `mask_phone` now mask (check digit hidden, a mobile shows
only its prefix and last two digits); then the plaintext columns are dropped. On SQLite the
connection runs with `secure_delete`, so the dropped columns' pages are overwritten, not merely
freed.
"""

import json
import re

from django.db import migrations

import wangge.access.fields

_OLD_ID18 = re.compile(r"^(\d{6}\*{8}\d{3})[\dX]$")
_OLD_ID15 = re.compile(r"^(\d{6}\*{6}\d{2})\d$")
_OLD_MOBILE = re.compile(r"^(1\d\d)\*{4}\d\d(\d\d)$")
_OLD_FIXED = re.compile(r"^(0\d{2,3})-\*{4}\d\d(\d\d)$")


def remask_id(masked: str) -> str:
    for pattern in (_OLD_ID18, _OLD_ID15):
        match = pattern.match(masked)
        if match:
            return match.group(1) + "*"
    return masked


def remask_phone(masked: str) -> str:
    parts = []
    for part in masked.split("/"):
        mobile, fixed = _OLD_MOBILE.match(part), _OLD_FIXED.match(part)
        if mobile:
            part = f"{mobile.group(1)}******{mobile.group(2)}"
        elif fixed:
            part = f"{fixed.group(1)}-******{fixed.group(2)}"
        parts.append(part)
    return "/".join(parts)


def seal(apps, schema_editor):
    SourceRecord = apps.get_model("fusion", "SourceRecord")
    db = schema_editor.connection.alias
    pending = []
    rows = (
        SourceRecord.objects.using(db)
        .exclude(id_number_masked="", phone_masked="", birth_date__isnull=True)
        .only("pk", "id_number_masked", "phone_masked", "birth_date")
    )
    for record in rows.iterator(chunk_size=5000):
        record.sealed = json.dumps(
            {
                "id": remask_id(record.id_number_masked),
                "phone": remask_phone(record.phone_masked),
                "birth": record.birth_date.isoformat() if record.birth_date else "",
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        pending.append(record)
        if len(pending) >= 5000:
            SourceRecord.objects.using(db).bulk_update(pending, ["sealed"])
            pending = []
    if pending:
        SourceRecord.objects.using(db).bulk_update(pending, ["sealed"])


class Migration(migrations.Migration):
    dependencies = [
        ("fusion", "0002_handover"),
    ]

    operations = [
        migrations.AddField(
            model_name="sourcerecord",
            name="sealed",
            field=wangge.access.fields.EncryptedTextField(blank=True, default=""),
        ),
        migrations.RunPython(seal, migrations.RunPython.noop),
        migrations.RemoveField(model_name="sourcerecord", name="birth_date"),
        migrations.RemoveField(model_name="sourcerecord", name="id_number_masked"),
        migrations.RemoveField(model_name="sourcerecord", name="phone_masked"),
    ]
