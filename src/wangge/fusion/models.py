"""Import batches, the ledger rows behind every value, and what a batch changed (for undo)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.geo.models import Region
from wangge.people.models import Household, Person


class BatchStatus(models.TextChoices):
    STAGED = "staged", _("待确认")
    COMMITTED = "committed", _("已导入")
    UNDONE = "undone", _("已撤销")
    DISCARDED = "discarded", _("已放弃")


class ImportBatch(models.Model):
    """One upload of one or more ledgers, staged, then committed as a whole or not at all."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.STAGED
    )
    channel = models.CharField(_("渠道"), max_length=8, default="web")
    label = models.CharField(_("说明"), max_length=200, blank=True, default="")
    # [{name, sha256, size, sheets: [{name, header_rows, rows, columns: [...], notes}]}]
    files: Any = models.JSONField(_("文件"), default=list)
    summary: Any = models.JSONField(_("汇总"), default=dict)
    # review decisions: {"<row id>": "same" | "different"}
    decisions: Any = models.JSONField(_("核实结果"), default=dict)
    staged_file = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"批次 {self.pk}（{self.get_status_display()}）"

    @property
    def file_names(self) -> str:
        return "、".join(f["name"] for f in self.files)


class MappingTemplate(models.Model):
    """A clerk's corrected column mapping, applied to the next ledger with the same layout."""

    name = models.CharField(_("名称"), max_length=100)
    signature = models.CharField(_("表头特征"), max_length=2000, db_index=True)
    overrides: Any = models.JSONField(_("列对应"), default=dict)  # header -> "role:field"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("列对应模板")
        verbose_name_plural = _("列对应模板")

    def __str__(self) -> str:
        return self.name


class SourceRecord(models.Model):
    """One ledger row that fed the platform: where it came from and what it said.

    ID numbers and phones are kept only masked (for showing a conflict) and as blind indexes
    (for telling whether two rows agree); the full values live encrypted on the person.
    """

    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="records")
    file_name = models.CharField(_("文件"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    sheet = models.CharField(_("工作表"), max_length=100, blank=True, default="")
    row = models.PositiveIntegerField(_("行号"))
    person = models.ForeignKey(
        Person, models.SET_NULL, null=True, blank=True, related_name="source_records"
    )
    household = models.ForeignKey(
        Household, models.SET_NULL, null=True, blank=True, related_name="source_records"
    )
    grid = models.ForeignKey(Region, models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(_("姓名"), max_length=50, blank=True, default="")
    id_number_masked = models.CharField(max_length=24, blank=True, default="")
    id_number_index = models.CharField(max_length=64, blank=True, default="")
    phone_masked = models.CharField(max_length=40, blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="")
    gender = models.CharField(max_length=2, blank=True, default="")
    birth_date = models.DateField(null=True, blank=True)
    address_text = models.CharField(max_length=300, blank=True, default="")
    address_code = models.CharField(max_length=64, blank=True, default="")
    record_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12)
    reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["batch", "file_name", "sheet", "row"]
        indexes = [
            models.Index(fields=["file_sha256", "sheet", "row"], name="source_record_origin"),
        ]
        verbose_name = _("来源记录")
        verbose_name_plural = _("来源记录")

    def __str__(self) -> str:
        return f"{self.where} {self.name}"

    @property
    def where(self) -> str:
        sheet = f"［{self.sheet}］" if self.sheet else ""
        return f"{self.file_name}{sheet}第{self.row}行"


class ValueSource(models.Model):
    """Which ledger row the value currently held in one field came from."""

    entity = models.CharField(max_length=12)  # person | household | residence
    entity_id = models.BigIntegerField()
    field = models.CharField(max_length=32)
    record = models.ForeignKey(SourceRecord, models.CASCADE, related_name="+")
    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "entity_id", "field"], name="value_source_unique"
            )
        ]
        verbose_name = _("字段来源")
        verbose_name_plural = _("字段来源")

    def __str__(self) -> str:
        return f"{self.entity}:{self.entity_id}.{self.field}"


class ChangeRecord(models.Model):
    """What a batch did, so undo can restore exactly the state before it.

    ``created`` rows hold the ids the batch inserted into one table; ``updated`` rows hold the
    raw column values of one row before the batch changed it (ciphertexts stay ciphertexts).
    """

    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="changes")
    model = models.CharField(max_length=40)
    action = models.CharField(max_length=8)  # created | updated | deleted
    object_id = models.BigIntegerField(null=True, blank=True)
    object_ids: Any = models.JSONField(default=list)
    before: Any = models.JSONField(default=dict)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["model", "object_id"], name="change_record_object")]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.action} {self.model}"
