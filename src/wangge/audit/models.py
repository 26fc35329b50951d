"""The audit log, kept in its own store (the ``audit`` database alias, see ``routers``).

Entries are appended in a *pending* state (no sequence number, no hash) by plain INSERTs, so
appenders never queue on a shared row; the sequencer (`log.sequence_pending`) later numbers the
pending entries in arrival order, chains them with a keyed SM3-HMAC and signs a checkpoint — the
way a Certificate-Transparency log merges its queue into the tree.

Who acted is a snapshot (id as a plain integer, username, roles and regions at that time), not a
foreign key: deleting or renaming a user later changes nothing that was hashed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Txn(models.TextChoices):
    """Whether the data change an entry describes was committed (reads have no transaction)."""

    NONE = "", _("无事务")
    OPEN = "open", _("事务进行中")
    COMMITTED = "committed", _("已提交")
    UNCONFIRMED = "unconfirmed", _("未确认提交")


class AuditEntry(models.Model):
    """One append-only record; `entry_hash` = HMAC(previous hash, seq and content)."""

    seq = models.BigIntegerField(_("序号"), null=True, blank=True, unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    user_id = models.BigIntegerField(_("用户编号"), null=True, blank=True)
    username = models.CharField(_("用户"), max_length=150, blank=True, default="")
    user_roles = models.JSONField(_("当时的角色"), default=list, blank=True)
    action = models.CharField(_("操作"), max_length=32)
    object_type = models.CharField(_("对象类型"), max_length=50, blank=True, default="")
    object_id = models.CharField(_("对象"), max_length=64, blank=True, default="")
    channel = models.CharField(_("渠道"), max_length=16, default="web")
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    txn = models.CharField(
        _("数据事务"), max_length=12, choices=Txn.choices, blank=True, default=""
    )
    entry_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="auditlog_object"),
            models.Index(fields=["action", "at"], name="auditlog_action_at"),
            models.Index(fields=["user_id", "at"], name="auditlog_user_at"),
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="auditlog_pending"
            ),
        ]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return (
            f"#{self.seq or '-'} {self.username} {self.action} {self.object_type}:{self.object_id}"
        )


class AuditCheckpoint(models.Model):
    """The chain's head after one sequencing run, signed (Ed25519), so cutting off the newest
    entries is found; printed by `wangge audit-sequence` for keeping elsewhere as an anchor."""

    seq = models.BigIntegerField(unique=True)
    entry_hash = models.CharField(max_length=64)
    at = models.DateTimeField()
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"
