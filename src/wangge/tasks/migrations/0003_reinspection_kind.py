"""回头看 gets a kind of its own: the re-inspections made before (kind `other`, subject
`inspections.notice:<id>`) are converted, so the workbench, the counts and the re-inspection
screen find them too."""

from django.db import migrations, models


def to_reinspection(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    Task.objects.filter(kind="other", subject_ref__startswith="inspections.notice:").update(
        kind="reinspection"
    )


def to_other(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    Task.objects.filter(kind="reinspection").update(kind="other")


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0002_inspection_kind"),
    ]

    operations = [
        migrations.AlterField(
            model_name="task",
            name="kind",
            field=models.CharField(
                choices=[
                    ("visit", "入户走访"),
                    ("verify_pair", "核实疑似重复"),
                    ("locate_address", "核实地址"),
                    ("confirm_value", "核实信息冲突"),
                    ("case", "案件"),
                    ("inspection", "场所检查"),
                    ("reinspection", "回头看"),
                    ("other", "其他"),
                ],
                max_length=24,
                verbose_name="类型",
            ),
        ),
        migrations.RunPython(to_reinspection, to_other),
    ]
