"""Import batches belong to an office (`ImportBatch.region`), scoped by `access.scoping`.

Batches staged before get their uploader's office as it is now: the region of their outermost
staff role. Batches of the command line, of superusers and of uploaders without a staff role
stay without one (the district's)."""

import django.db.models.deletion
from django.db import migrations, models

STAFF_ROLES = ("district_admin", "street_officer", "community_officer")


def offices_of_uploaders(apps, schema_editor):
    ImportBatch = apps.get_model("fusion", "ImportBatch")
    RoleAssignment = apps.get_model("access", "RoleAssignment")
    offices: dict[int, int] = {}
    assignments = RoleAssignment.objects.filter(
        role__in=STAFF_ROLES, user__is_superuser=False
    ).values_list("user_id", "region_id", "region__code")
    for user_id, region_id, _code in sorted(assignments, key=lambda a: (len(a[2]), a[2])):
        offices.setdefault(user_id, region_id)
    for user_id, region_id in offices.items():
        ImportBatch.objects.filter(created_by_id=user_id, region__isnull=True).update(
            region_id=region_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_search_alert"),
        ("fusion", "0006_indexes_a_commit_writes"),
        ("geo", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="region",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="geo.region",
                verbose_name="所属单位",
            ),
        ),
        migrations.RunPython(offices_of_uploaders, migrations.RunPython.noop),
    ]
