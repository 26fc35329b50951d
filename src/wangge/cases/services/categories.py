"""The category table (reference data): loading it from CSV/xlsx, finding a category by code or
name, and the classifier's proposals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.scoping import require_district_admin
from wangge.cases.models import (
    Category,
    CategoryKind,
    Department,
)
from wangge.cases.services.common import DEFAULT_HANDLE_WORKING_DAYS, DEFAULT_RESPONSE_HOURS
from wangge.cases.services.routing import _reference
from wangge.core.errors import Problem, ServiceError, ValidationFailed
from wangge.core.tabular import TabularError, failed_formulas, read_sheets
from wangge.core.wording import say

# A category the suggester gives less than this share of its belief is no alternative a person
# should be shown: "楼下路灯不亮" offered 装修噪音 and 供暖收费 at 0.0 beside 路灯.
PLAUSIBLE_SHARE = 0.05


def suggest_categories(text: str, k: int = 3, least: float = 0.0) -> list[tuple[Category, float]]:
    """Categories proposed from the text by the suggester (the model last trained from this
    office's confirmed cases, else the one trained from the shipped corpus). `least`: after
    the first, only those with at least this score (the pages pass `PLAUSIBLE_SHARE`)."""
    if not text.strip():
        return []
    from wangge.cases.learning import current_suggester

    suggestions = current_suggester().suggest(text, k=k)
    suggestions = suggestions[:1] + [s for s in suggestions[1:] if s.score >= least]
    codes = [s.code for s in suggestions]
    by_code = {c.code: c for c in Category.objects.filter(code__in=codes, active=True)}
    return [(by_code[s.code], float(s.score)) for s in suggestions if s.code in by_code]


def resolve_category(text: str) -> Category | None:
    text = text.strip()
    if not text:
        return None
    return (
        Category.objects.filter(Q(code=text) | Q(name=text), active=True)
        .order_by("-parent_id")
        .first()
    )


def service_category(code: str) -> Category | None:
    """The active leaf category with this code (an Open311 service), from the cached table.

    The instance is shared by the process: read it, never change it."""
    found: Category | None = _reference().services.get(code)
    return found


CATEGORY_COLUMNS = (
    "code",
    "name",
    "name_en",
    "parent_code",
    "kind",
    "source",
    "department",
    "response_hours",
    "handle_working_days",
)
DEFAULT_CATEGORY_FILE = Path(__file__).resolve().parent.parent / "data" / "categories.csv"


@dataclass(frozen=True)
class CategoryLoadSummary:
    created: int
    updated: int
    departments_created: int


def _category_rows(data: bytes, file_name: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    try:
        sheets = read_sheets(file_name, data=data)
    except TabularError as exc:
        raise ServiceError(say(exc.reason)) from exc
    rows = sheets[0].rows if sheets else []
    if not rows:
        raise ServiceError(_("%(file_name)s：文件为空") % {"file_name": file_name})
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("code", "name", "kind") if c not in header]
    if missing:
        raise ServiceError(
            _("%(file_name)s：缺少列 %(items)s")
            % {"file_name": file_name, "items": ", ".join(missing)}
        )
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    codes: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        record: dict[str, Any] = {
            c: (row[header.index(c)].strip() if c in header and header.index(c) < len(row) else "")
            for c in CATEGORY_COLUMNS
        }
        where = f"第{number}行"
        failed = failed_formulas(
            {
                c: row[header.index(c)]
                for c in CATEGORY_COLUMNS
                if c in header and header.index(c) < len(row)
            }
        )
        if failed is not None:
            problems.append(Problem(where, say(failed)))
            continue
        if not record["code"] or not record["name"]:
            problems.append(Problem(where, _("编码和名称不能为空")))
            continue
        if record["code"] in codes:
            problems.append(Problem(where, _("编码“%(code)s”重复") % {"code": record["code"]}))
            continue
        codes.add(record["code"])
        if record["kind"] not in CategoryKind.values:
            problems.append(
                Problem(
                    where,
                    _("类型“%(kind)s”无效，应为 component、event 或 complaint")
                    % {"kind": record["kind"]},
                )
            )
            continue
        try:
            record["response_hours"] = int(record["response_hours"] or DEFAULT_RESPONSE_HOURS)
            record["handle_working_days"] = int(
                record["handle_working_days"] or DEFAULT_HANDLE_WORKING_DAYS
            )
        except ValueError:
            problems.append(Problem(where, _("时限必须是整数（小时、工作日）")))
            continue
        out.append(record)
    known = codes | set(Category.objects.values_list("code", flat=True))
    for record in out:
        if record["parent_code"] and record["parent_code"] not in known:
            where = f"类别 {record['code']}"
            problems.append(
                Problem(
                    where,
                    _("上级类别“%(parent_code)s”不存在") % {"parent_code": record["parent_code"]},
                )
            )
    return out, problems


@transaction.atomic
def load_categories(
    actor: Any, source: Path | str | bytes = DEFAULT_CATEGORY_FILE, *, file_name: str = ""
) -> CategoryLoadSummary:
    """Create or update the category table from a CSV/xlsx (codes are the key); all or nothing."""
    require_district_admin(actor, pgettext("admin task", "导入案件类别"))
    if isinstance(source, bytes):
        data, name = source, file_name or "categories.csv"
    else:
        path = Path(source)
        if not path.exists():
            raise ServiceError(_("找不到类别文件：%(path)s") % {"path": path})
        data, name = path.read_bytes(), file_name or path.name
    rows, problems = _category_rows(data, name)
    if problems:
        raise ValidationFailed(
            _("%(name)s：发现%(count)s个问题，类别表未改动")
            % {"name": name, "count": len(problems)},
            problems,
        )
    existing = {c.code: c for c in Category.objects.all()}
    departments = set(Department.objects.values_list("name", flat=True))
    new_departments = sorted({r["department"] for r in rows if r["department"]} - departments)
    for dept in new_departments:
        Department.objects.create(code=dept[:32], name=dept)
    created = updated = 0
    # Major classes first so that minor classes find their parent.
    for record in sorted(rows, key=lambda r: bool(r["parent_code"])):
        values = {
            "name": record["name"][:100],
            "name_en": record["name_en"][:100],
            "kind": record["kind"],
            "source": record["source"][:50],
            "department": record["department"][:100],
            "response_hours": record["response_hours"],
            "handle_working_days": record["handle_working_days"],
            "parent": existing.get(record["parent_code"]) if record["parent_code"] else None,
        }
        category = existing.get(record["code"])
        if category is None:
            category = Category.objects.create(code=record["code"], **values)
            existing[category.code] = category
            created += 1
        else:
            for key, value in values.items():
                setattr(category, key, value)
            category.save()
            updated += 1
    audit.record(
        actor,
        AuditAction.IMPORT,
        "category",
        "",
        channel="cli" if actor is None else "web",
        detail={"file": name, "created": created, "updated": updated},
    )
    return CategoryLoadSummary(created, updated, len(new_departments))
