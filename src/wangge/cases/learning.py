"""The category suggester learns from the office's own cases.

Which cases teach it (`confirmed_cases`), the retraining that mixes them with the shipped corpus
(`retrain`, run as the background job ``suggester-retrain``: weekly by default, or when a
district admin asks), the model file in ``WANGGE_DATA_DIR`` and how web processes pick up a new
one (`current_suggester`).

The model file is the suggester's NumPy archive (no pickle) encrypted and authenticated with the
data key (SM4-GCM, like staged uploads and exports): it holds character n-grams of residents'
complaints, and a file the platform did not write, or a damaged one, fails authentication and
is never parsed. When the file is missing or unusable the suggester falls back to the
cold-start model trained from the shipped corpus alone.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from wangge.access import audit
from wangge.access.crypto import DecryptionError
from wangge.access.fields import data_cipher
from wangge.access.scoping import require_district_admin
from wangge.cases.models import Case, CaseStatus, Category, Channel
from wangge.cases.suggester import (
    OFFICE_WEIGHT,
    CategorySuggester,
    ModelFileError,
    category_names,
    default_suggester,
    training_data,
)
from wangge.core.errors import Forbidden

logger = logging.getLogger("wangge.cases")

RETRAIN_JOB = "suggester-retrain"
# The most recent confirmed cases a retraining reads: a year or two of a busy district.
MAX_CASES = 200_000

# Channels where a staff member (hotline operator, grid worker, a department's system) picked
# the category; on the other channels the resident picked it.
STAFF_CHANNELS = (Channel.HOTLINE, Channel.GRID_WORKER, Channel.API)
# A case that left 待派遣: staff dispatched it under its category.
PAST_DISPATCH = (
    CaseStatus.DISPATCHED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.HANDLED,
    CaseStatus.VERIFIED,
    CaseStatus.CLOSED,
)


def confirmed_cases() -> QuerySet[Case]:
    """Cases whose category staff stand behind, so their wording may teach the suggester.

    A case counts when it has a minor category and no department ever sent it back (退单 is
    how a wrong category usually shows), and either staff picked the category (a staff
    channel) and dispatched the case, or the resident picked it and the case went the whole way
    to 结案 under it. A resident's pick on a case still open does not count: nobody has
    checked it yet.
    """
    return Case.objects.filter(
        category__isnull=False,
        category__parent__isnull=False,
        return_count=0,
    ).filter(Q(channel__in=STAFF_CHANNELS, status__in=PAST_DISPATCH) | Q(status=CaseStatus.CLOSED))


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "suggester" / "model.bin"


def _fingerprint(cases: QuerySet[Case]) -> str:
    """Changes when a case becomes confirmed or a confirmed one is edited."""
    summary = cases.aggregate(n=Count("pk"), last=Max("updated_at"))
    last = summary["last"].isoformat() if summary["last"] else ""
    return f"{summary['n']}:{last}"


def write_model(suggester: CategorySuggester, path: Path | None = None) -> Path:
    """Encrypt and store atomically: a web process never reads half a file."""
    path = path or model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    blob = data_cipher().encrypt_bytes(suggester.to_bytes())
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    return path


def read_model(path: Path | None = None) -> CategorySuggester:
    """The stored model; raises `ModelFileError` for a file this platform did not write."""
    path = path or model_path()
    try:
        data = data_cipher().decrypt_bytes(path.read_bytes())
    except DecryptionError as exc:
        # logged, not shown: the source language
        raise ModelFileError(gettext_noop("模型文件校验失败：%(exc)s") % {"exc": exc}) from exc
    return CategorySuggester.from_bytes(data, category_names())


_lock = threading.Lock()
_loaded: tuple[tuple[int, int, int], CategorySuggester] | None = None


def current_suggester() -> CategorySuggester:
    """The model the last retraining stored, reloaded when the file changes (one stat per
    call); the cold-start model when there is none or it cannot be used."""
    global _loaded
    path = model_path()
    try:
        stat = path.stat()
    except OSError:
        return default_suggester()
    key = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    with _lock:
        if _loaded is not None and _loaded[0] == key:
            return _loaded[1]
        try:
            suggester = read_model(path)
        except (OSError, ModelFileError) as exc:
            logger.warning(
                "类别推荐模型 %s 无法使用（%s），改用随系统提供的语料训练的模型", path, exc
            )
            suggester = default_suggester()
        _loaded = (key, suggester)
        return suggester


def model_status() -> dict[str, Any]:
    """What the retraining page shows about the model in use."""
    path = model_path()
    if not path.exists():
        return {"stored": False, "message": _("尚未用本单位的案件训练，使用随系统提供的语料")}
    try:
        info = read_model(path).info
    except (OSError, ModelFileError) as exc:
        return {
            "stored": False,
            "message": _("模型文件无法使用（%(reason)s），使用随系统提供的语料") % {"reason": exc},
        }
    trained_at = parse_datetime(str(info.get("trained_at", "")))
    return {
        "stored": True,
        "message": _("使用本单位确认的案件训练的模型"),
        **info,
        "trained_at": trained_at,
    }


def describe(actor: Any) -> dict[str, Any]:
    """The model in use and how many cases would teach the next retraining (district admins)."""
    require_district_admin(actor, pgettext("admin task", "查看类别推荐模型"))
    return {**model_status(), "confirmed_cases": confirmed_cases().count()}


def start_retrain(actor: Any) -> Any:
    """Queue a retraining now (district admins); its result shows on the job's page."""
    from wangge.jobs.services import enqueue

    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录"))
    require_district_admin(actor, pgettext("admin task", "重新训练类别推荐模型"))
    return enqueue(RETRAIN_JOB, actor, {"force": True})


def retrain(
    actor: Any,
    *,
    force: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, Any]:
    """Train on the shipped corpus plus the confirmed cases, store the model, audit it.

    The scheduled run (``force=False``) does nothing when no case was confirmed or changed
    since the stored model was trained, or when there are none and no model was ever stored
    (the cold-start model is that model already).
    """
    require_district_admin(actor, pgettext("admin task", "重新训练类别推荐模型"))
    report = progress or (lambda done, total, stage: None)
    cases = confirmed_cases()
    fingerprint = _fingerprint(cases)
    if not force:
        path = model_path()
        try:
            stored = read_model(path).info.get("fingerprint") if path.exists() else None
        except (OSError, ModelFileError):
            stored = "unusable"
        if stored == fingerprint or (stored is None and fingerprint.startswith("0:")):
            return {
                "message": "自上次训练以来没有新确认的案件，沿用当前模型",
                "retrained": False,
            }

    report(0, 3, "读取确认的案件")
    texts, labels = training_data()
    weights = [1.0] * len(texts)
    known = set(Category.objects.filter(active=True).values_list("code", flat=True))
    rows = cases.order_by("-created_at").values_list("title", "description", "category__code")
    office = 0
    for title, description, code in rows[:MAX_CASES].iterator(chunk_size=2000):
        text = "。".join(part for part in (title.strip(), description.strip()) if part)
        if text and code in known:
            texts.append(text)
            labels.append(code)
            weights.append(OFFICE_WEIGHT)
            office += 1

    report(1, 3, "训练")
    started = time.perf_counter()
    suggester = CategorySuggester(category_names()).train(texts, labels, weights)
    seconds = time.perf_counter() - started
    suggester.info.update(
        office_cases=office,
        fingerprint=fingerprint,
        trained_at=timezone.now().isoformat(timespec="seconds"),
        seconds=round(seconds, 1),
    )
    report(2, 3, "保存")
    write_model(suggester)
    result = {
        "message": (
            f"已用本单位确认的 {office} 件案件和随系统提供的语料重新训练："
            f"{len(suggester.classes)} 个类别，用时 {seconds:.1f} 秒"
        ),
        "retrained": True,
        "office_cases": office,
        "corpus_texts": len(texts) - office,
        "categories": len(suggester.classes),
        "features": len(suggester.vocabulary),
        "seconds": round(seconds, 1),
    }
    audit.record(
        actor,
        audit.AuditAction.UPDATE,
        "cases.suggester",
        "model",
        channel="system",
        detail={k: v for k, v in result.items() if k != "message"},
    )
    report(3, 3, "保存")
    return result
