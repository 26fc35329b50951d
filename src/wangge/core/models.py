"""Platform-wide bookkeeping that belongs to no single domain."""

from __future__ import annotations

from django.db import models


class HiddenRows(models.Model):
    """Primary keys of rows a long write has inserted but not yet published (`core.hidden`).

    A row here with ``low > high`` hides nothing: it announces that the owner is about to
    insert into the table, so readers start checking (see `core.hidden.announce`).
    """

    owner = models.CharField(max_length=40)
    table_name = models.CharField(max_length=64)
    low = models.BigIntegerField()
    high = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["table_name", "low"], name="hidden_rows_table_low"),
            models.Index(fields=["owner"], name="hidden_rows_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.table_name} {self.low}–{self.high}"
