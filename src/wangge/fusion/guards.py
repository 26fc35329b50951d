"""Nothing an import commit points at is deleted while it writes.

A commit writes its rows in short chunks with SQLite's row-by-row foreign-key checks off
(`committing._Committer._write`): every key in a chunk is the commit's own, or a region
(grid), building, unit or room read before. One deleted through the admin between two chunks
would leave the later chunks pointing at nothing, and SQLite would not say so. So deleting
those is refused while a batch is 导入中, with the reason, and the refusal is audited
(`access.admin_scope.guard_deletions`, added in `FusionConfig.ready`). The check takes the
write lock first, as the commit's claim does (`core.bulk.begin_write`), so the two cannot
pass each other.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.core.bulk import begin_write
from wangge.fusion.models import BatchStatus, ImportBatch


def refuse_while_committing(actor: Any, model: type[Model], pks: list[Any]) -> None:
    """Raise PermissionDenied (each key audited) while a batch is being committed."""
    begin_write()
    batch = (
        ImportBatch.objects.filter(status=BatchStatus.COMMITTING)
        .values_list("pk", flat=True)
        .first()
    )
    if batch is None:
        return
    for pk in pks:
        audit.record(
            actor,
            "refused",
            model._meta.label_lower,
            pk,
            channel="admin",
            detail={"reason": "import_committing", "batch": batch},
        )
    raise PermissionDenied(
        _("批次 %(batch)s 正在导入人口档案，导入完成前不能删除网格、楼栋、单元或房屋，请稍后再试")
        % {"batch": batch}
    )
