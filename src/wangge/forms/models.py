"""Forms (XLSForm sources compiled to XForms, every version kept), submissions as received, and
the field-by-field changes they propose to the household file, with provenance.

Nothing of a submission is lost: the raw XML and every attachment are kept (encrypted) whatever
became of them, so a refused or failed submission can be applied again.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.access.fields import EncryptedTextField
from wangge.geo.models import Region


class Form(models.Model):
    """One form (the XForm `id`); its versions hold the definitions."""

    code = models.CharField(_("表单编号"), max_length=64, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    # Roles (access.Role values) that see it in formList; empty: every role that writes.
    roles: Any = models.JSONField(_("适用角色"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    shipped = models.BooleanField(_("随系统提供"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager[Form]] = models.Manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("表单")
        verbose_name_plural = _("表单")

    def __str__(self) -> str:
        return f"{self.title}（{self.code}）"


class FormVersion(models.Model):
    form = models.ForeignKey(Form, models.CASCADE, related_name="versions")
    version = models.CharField(_("版本"), max_length=64)
    source_name = models.CharField(_("源文件"), max_length=200)
    source = models.BinaryField(_("XLSForm 源文件"))
    xform = models.TextField(_("XForm"))
    md5 = models.CharField(max_length=32)
    targets: Any = models.JSONField(_("写入映射"), default=dict)  # instance path → target
    media: Any = models.JSONField(_("花名册文件"), default=list)
    current = models.BooleanField(_("当前版本"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects: ClassVar[models.Manager[FormVersion]] = models.Manager()
    form_id: int

    class Meta:
        ordering = ["form", "-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["form", "version"], name="form_version_unique")
        ]
        verbose_name = _("表单版本")
        verbose_name_plural = _("表单版本")

    def __str__(self) -> str:
        return f"{self.form.code} v{self.version}"


class SubmissionStatus(models.TextChoices):
    INCOMPLETE = "incomplete", _("附件未传完")
    RECEIVED = "received", _("已接收")
    APPLIED = "applied", _("已写入")
    CONFLICTS = "conflicts", _("有冲突待核")
    REFUSED = "refused", _("已拒绝")
    FAILED = "failed", _("写入失败")


class Submission(models.Model):
    """One filled form as ODK Collect or the browser sent it; the XML kept as received."""

    instance_id = models.CharField(_("实例ID"), max_length=100, unique=True)
    form = models.ForeignKey(Form, models.SET_NULL, null=True, blank=True, related_name="+")
    form_version = models.ForeignKey(
        FormVersion, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    form_code = models.CharField(_("表单编号"), max_length=64, default="")
    version = models.CharField(_("版本"), max_length=64, default="", blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    username = models.CharField(_("提交人"), max_length=150, default="")
    device_id = models.CharField(_("设备"), max_length=200, default="", blank=True)
    channel = models.CharField(_("渠道"), max_length=16, default="openrosa")
    xml = EncryptedTextField(_("原始XML"))
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.RECEIVED,
    )
    message = models.CharField(_("说明"), max_length=500, default="", blank=True)
    grid = models.ForeignKey(
        Region, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("网格")
    )
    household_id_value = models.CharField(max_length=20, default="", blank=True)
    task_ref = models.CharField(_("任务"), max_length=20, default="", blank=True)
    applied_at = models.DateTimeField(_("写入时间"), null=True, blank=True)

    objects: ClassVar[models.Manager[Submission]] = models.Manager()
    user_id: int | None
    grid_id: int | None
    form_version_id: int | None

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["user", "received_at"], name="submission_user_at")]
        verbose_name = _("表单提交")
        verbose_name_plural = _("表单提交")

    def __str__(self) -> str:
        return f"{self.form_code} {self.instance_id}"


class Attachment(models.Model):
    """A photo or file sent with a submission, stored encrypted under the data directory."""

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    size = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=300)
    received_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager[Attachment]] = models.Manager()
    submission_id: int

    class Meta:
        ordering = ["submission", "name"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "name"], name="attachment_unique_name")
        ]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class ChangeStatus(models.TextChoices):
    APPLIED = "applied", _("已写入")
    UNCHANGED = "unchanged", _("无变化")
    CONFLICT = "conflict", _("冲突待核")
    ACCEPTED = "accepted", _("冲突已采纳")
    REJECTED = "rejected", _("冲突已驳回")
    REFUSED = "refused", _("越权拒绝")
    INVALID = "invalid", _("值无效")


class Change(models.Model):
    """One field a submission proposed for one record: the provenance of every value a form
    wrote, and the conflict inbox's items (status `conflict`)."""

    submission = models.ForeignKey(Submission, models.CASCADE, related_name="changes")
    model = models.CharField(_("对象"), max_length=32)  # person | household | case | task
    object_id = models.CharField(max_length=20, default="", blank=True)
    field = models.CharField(_("字段"), max_length=32)
    # values: encrypted (phones, names); what the record held before, what it held when the
    # conflict was found, and what the form said
    old_value = EncryptedTextField(_("原值"), blank=True, default="")
    current_value = EncryptedTextField(_("现值"), blank=True, default="")
    submitted_value = EncryptedTextField(_("提交值"), blank=True, default="")
    status = models.CharField(_("状态"), max_length=16, choices=ChangeStatus.choices)
    grid = models.ForeignKey(
        Region, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("网格")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")

    objects: ClassVar[models.Manager[Change]] = models.Manager()
    submission_id: int
    grid_id: int | None

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["status", "grid"], name="change_status_grid"),
            models.Index(fields=["model", "object_id", "field"], name="change_target"),
        ]
        verbose_name = _("表单写入")
        verbose_name_plural = _("表单写入")

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id}.{self.field} {self.status}"
