"""Tasks: one work item for a person or a post in a region (a visit, a verification, a case…).

Why one model for every kind: the grid worker's day is one list (the workbench), escalation and
coverage are counted the same way for all of it, and every later field capability (inspections,
re-inspections, check-ins) adds a kind instead of its own list and scheduler (DESIGN.md).

The subject is a set of typed nullable foreign keys rather than a generic (content type, id)
pair: the workbench groups by building and joins households and cases, which a generic relation
cannot do in one indexed query, and a deleted subject should not leave a dangling id. A subject
with no FK here yet (a model of an app not built) goes in `subject_ref` as "app.model:pk".
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.access.fields import RedactedCharField, RedactedJSONField, RedactedTextField
from wangge.geo.models import Region, StaffPost


class TaskKind(models.TextChoices):
    VISIT = "visit", _("入户走访")
    VERIFY_PAIR = "verify_pair", _("核实疑似重复")
    LOCATE_ADDRESS = "locate_address", _("核实地址")
    CONFIRM_VALUE = "confirm_value", _("核实信息冲突")
    CASE = "case", _("案件")
    INSPECTION = "inspection", _("场所检查")
    # 回头看: going back after a rectification notice to check only the items it ordered fixed
    REINSPECTION = "reinspection", _("回头看")
    OTHER = "other", _("其他")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class Priority(models.IntegerChoices):
    LOW = 1, _("低")
    NORMAL = 2, _("普通")
    HIGH = 3, _("高")
    URGENT = 4, _("紧急")


class TaskQuerySet(models.QuerySet["Task"]):
    def visible_to(self, user: Any) -> TaskQuerySet:
        from wangge.access.scoping import visible_to

        return cast(TaskQuerySet, visible_to(user, self))

    def open(self) -> TaskQuerySet:
        return self.filter(status=TaskStatus.OPEN)


class Task(models.Model):
    kind = models.CharField(_("类型"), max_length=24, choices=TaskKind.choices)
    title = RedactedCharField(_("标题"), max_length=200)
    note = RedactedTextField(_("说明"), blank=True, default="")
    # The grid (or community, street) whose task this is: the scope of who sees and does it.
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="tasks", verbose_name=_("区域"), db_index=False
    )
    # Without an assignee the task is for whoever holds this post in `region`.
    post = models.CharField(
        _("岗位"), max_length=32, choices=StaffPost.choices, blank=True, default=""
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="tasks",
        verbose_name=_("承办人"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    priority = models.PositiveSmallIntegerField(
        _("优先级"), choices=Priority.choices, default=Priority.NORMAL
    )
    due_date = models.DateField(_("截止日期"))
    # The XLSForm form_id of the form to fill (forms app); "" for none. A code, not an FK, so
    # tasks do not depend on the forms app and a form can be replaced by a newer version.
    form_code = models.CharField(_("表单"), max_length=100, blank=True, default="")
    # subject (any of these; see the module docstring)
    household = models.ForeignKey(
        "people.Household", models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    person = models.ForeignKey(
        "people.Person", models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    building = models.ForeignKey(
        "addresses.Building", models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    case = models.ForeignKey(
        "cases.Case", models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    batch = models.ForeignKey(
        "fusion.ImportBatch", models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    source_record = models.ForeignKey(
        "fusion.SourceRecord", models.CASCADE, null=True, blank=True, related_name="tasks"
    )
    subject_ref = models.CharField(_("对象"), max_length=100, blank=True, default="")
    result = RedactedTextField(_("结果"), blank=True, default="")
    result_data: Any = RedactedJSONField(_("结果数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # 0: on time or not yet looked at; 1: reported to the level above; 2: two levels above
    escalation_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "-priority", "pk"]
        indexes = [
            # the workbench: a grid's open tasks by due date (1,000 open among 1M rows)
            models.Index(fields=["region", "status", "due_date"], name="task_region_open"),
            # the escalation sweep: open tasks past their date
            models.Index(fields=["status", "due_date"], name="task_status_due"),
            # coverage: the last visit of each household
            models.Index(fields=["household", "status", "completed_at"], name="task_household"),
        ]
        constraints = [
            # one live task per case (the case's own state decides whether it is open)
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(case__isnull=False), name="task_one_per_case"
            )
        ]
        verbose_name = _("任务")
        verbose_name_plural = _("任务")

    def __str__(self) -> str:
        return str(self.title)
