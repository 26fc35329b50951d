"""Import batches, the ledger rows behind every value, and what a batch changed (for undo)."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.access.fields import EncryptedTextField, RedactedCharField, data_cipher
from wangge.addresses.models import GridScopedQuerySet
from wangge.core.hidden import PublishedManager
from wangge.geo.models import Region
from wangge.people.models import Household, Person


class BatchStatus(models.TextChoices):
    STAGED = "staged", _("待确认")
    COMMITTING = "committing", _("导入中")
    COMMITTED = "committed", _("已导入")
    UNDONE = "undone", _("已撤销")
    DISCARDED = "discarded", _("已放弃")


# How a batch arrived, as the import list shows it beside the uploader (the field stores the code
# the audit log uses; a label here needs no migration).
CHANNEL_LABELS = {"web": _("网页"), "api": _("接口"), "cli": _("命令行")}


class ImportBatch(models.Model):
    """One upload of one or more ledgers, staged, then committed as a whole or not at all."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The office the batch belongs to: the region of its uploader's staff role (the outermost,
    # if they hold several); none for the command line. Who reads and acts on the batch is the
    # `fusion.importbatch` policy in `access.scoping`.
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属单位"),
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.STAGED
    )
    channel = models.CharField(_("渠道"), max_length=8, default="web")
    label = RedactedCharField(_("说明"), max_length=200, blank=True, default="")
    # [{name, sha256, size, sheets: [{name, header_rows, rows, columns: [...], notes}]}]
    files: Any = models.JSONField(_("文件"), default=list)
    summary: Any = models.JSONField(_("汇总"), default=dict)
    # review decisions: {"<row id>": "same" | "different"}
    decisions: Any = models.JSONField(_("核实结果"), default=dict)
    staged_file = models.CharField(max_length=200, blank=True, default="")
    # While committing: who writes (host:pid:token) and when it last showed it was alive; a
    # commit whose writer died is cleaned up and may be started again (fusion.committing).
    commit_owner = models.CharField(max_length=120, blank=True, default="")
    commit_heartbeat = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")

    def __str__(self) -> str:
        return f"批次 {self.pk}（{self.get_status_display()}）"

    @property
    def channel_label(self) -> str:
        return str(CHANNEL_LABELS.get(self.channel, self.channel))

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


def seal_identifiers(id_number_masked: str, phone_masked: str, birth_date: str | None) -> str:
    """The ciphertext of a source record's `sealed` column, for callers that insert rows in
    database form (the import commit); '' when the row named none of the three."""
    if not (id_number_masked or phone_masked or birth_date):
        return ""
    plain = json.dumps(
        {"id": id_number_masked, "phone": phone_masked, "birth": birth_date or ""},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return data_cipher().encrypt(plain)


class SourceRecord(models.Model):
    """One ledger row that fed the platform: where it came from and what it said.

    ID numbers and phones are kept only masked (for showing a conflict) and as blind indexes
    (for telling whether two rows agree); the full values live encrypted on the person. The
    masked values and the row's birth date are sealed together in one encrypted column: a
    masked ID beside a plaintext birth date (here, or the person's through `person_id`) is the
    whole number to anyone holding a copy of the database file (issue 12, attack 3).
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
    id_number_index = models.CharField(max_length=64, blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="")
    # JSON {"id": masked ID, "phone": masked phone, "birth": ISO date}, SM4-GCM encrypted
    sealed = EncryptedTextField(blank=True, default="")
    gender = models.CharField(max_length=2, blank=True, default="")
    address_text = models.CharField(max_length=300, blank=True, default="")
    address_code = models.CharField(max_length=64, blank=True, default="")
    record_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12)
    reason = models.TextField(blank=True, default="")

    objects = PublishedManager()  # a batch's rows are hidden until it is committed

    class Meta:
        ordering = ["batch", "file_name", "sheet", "row"]
        # By file only: a commit inserts its rows person by person, so an index on (file,
        # sheet, row) took its keys in random order and every chunk of a 1M-row commit
        # rewrote most of its leaf pages (a third of what the chunks wrote); keyed by the
        # file, the new rows land at the end of each file's range. Both readers (rows of
        # files already imported, held rows by their row numbers) ask by file first.
        indexes = [models.Index(fields=["file_sha256"], name="source_record_file")]
        verbose_name = _("来源记录")
        verbose_name_plural = _("来源记录")

    def __str__(self) -> str:
        return f"{self.where} {self.name}"

    @property
    def where(self) -> str:
        sheet = f"［{self.sheet}］" if self.sheet else ""
        return f"{self.file_name}{sheet}第{self.row}行"

    @property
    def _unsealed(self) -> dict[str, str]:
        return json.loads(self.sealed) if self.sealed else {}

    @property
    def id_number_masked(self) -> str:
        return self._unsealed.get("id", "")

    @property
    def phone_masked(self) -> str:
        return self._unsealed.get("phone", "")

    @property
    def birth_date(self) -> datetime.date | None:
        value = self._unsealed.get("birth", "")
        return datetime.date.fromisoformat(value) if value else None


class ValueSource(models.Model):
    """Which ledger row the value currently held in one field came from."""

    entity = models.CharField(max_length=12)  # person | household | residence
    entity_id = models.BigIntegerField()
    field = models.CharField(max_length=32)
    record = models.ForeignKey(SourceRecord, models.CASCADE, related_name="+")
    batch = models.ForeignKey(ImportBatch, models.CASCADE, related_name="+")

    objects = PublishedManager()

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


class HandOverStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    ACCEPTED = "accepted", _("已接受")
    REJECTED = "rejected", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")  # its batch was undone before anyone decided


class HandOver(models.Model):
    """An import row about a person the importer may not change, handed to whoever holds them.

    `person` is the resident the row matched (held by the community of their grid); None means
    a new person the importer could not place in their scope, which only the district may add.
    The row's values are kept encrypted until the holder accepts (applied through the scoped
    write path, audited) or rejects them. The importer is told only how many rows were handed
    over, never to whom, so an import cannot be used to learn who lives elsewhere.
    """

    batch = models.ForeignKey(
        ImportBatch, models.SET_NULL, null=True, blank=True, related_name="handovers"
    )
    person = models.ForeignKey(
        Person, models.CASCADE, null=True, blank=True, related_name="handovers"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("移交时间"), auto_now_add=True)
    origin = models.CharField(_("来源"), max_length=400, blank=True, default="")
    payload = EncryptedTextField(_("台账内容"), blank=True, default="")  # JSON of the row values
    status = models.CharField(
        _("状态"), max_length=12, choices=HandOverStatus.choices, default=HandOverStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = RedactedCharField(_("处理说明"), max_length=200, blank=True, default="")

    objects = PublishedManager.from_queryset(GridScopedQuerySet)()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "person"], name="handover_status_person")]
        verbose_name = _("移交事项")
        verbose_name_plural = _("移交事项")

    def __str__(self) -> str:
        return f"移交 {self.pk}（{self.get_status_display()}）"

    @property
    def values(self) -> dict[str, Any]:
        return json.loads(self.payload) if self.payload else {}
