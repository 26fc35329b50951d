"""Import pages: upload ledgers, check and correct the batch, commit or undo it.

Views are thin: every change goes through ``fusion.services`` (which checks the role, writes the
audit entry and keeps the batch whole); service refusals are shown as they are, in Chinese.
All changes on one batch post to the batch page itself with an ``action``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.core.web import service_errors, xlsx_download
from wangge.fusion import selectors, services
from wangge.fusion.fields import FIELDS, ROLES
from wangge.fusion.forms import UploadForm, mapping_overrides, uploads_from
from wangge.fusion.models import BatchStatus
from wangge.fusion.normalise import DOUBTFUL, REJECTED

ROW_FILTERS = ((REJECTED, "拒绝"), (DOUBTFUL, "待核实"), ("", "全部"))


@login_required
@require_GET
@service_errors
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = services.visible_batches(request.user).select_related("created_by")[:200]
    return render(request, "fusion/batch_list.html", {"batches": batches})


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def upload(request: HttpRequest) -> HttpResponse:
    services.require_importer(request.user)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    error = ""
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ServiceError(
                    "；".join(str(e) for errors in form.errors.values() for e in errors)
                )
            uploads = uploads_from(request.FILES.getlist("ledgers"))
            batch = services.stage_batch(
                request.user, uploads, channel="web", label=form.cleaned_data["label"]
            )
        except ServiceError as exc:  # shown beside the form, so the clerk can pick other files
            error = exc.message
        else:
            return redirect("fusion:batch", batch_id=batch.pk)
    status = 400 if error else 200
    return render(request, "fusion/upload.html", {"form": form, "error": error}, status=status)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = services.get_batch(request.user, batch_id)
    if request.method == "POST":
        try:
            return _act(request, batch_id, request.POST.get("action", ""))
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:  # shown on the batch page, which stays as it was
            if request.headers.get("HX-Request"):
                # htmx swaps only 2xx answers: the message replaces the pair it concerns
                return HttpResponse(f'<p class="error-text" role="alert">{escape(exc.message)}</p>')
            messages.error(request, exc.message)
            return redirect("fusion:batch", batch_id=batch_id)
    status = request.GET.get("status", REJECTED)
    if status not in dict(ROW_FILTERS):
        status = REJECTED
    rows = selectors.rows_page(batch, status, _int(request.GET.get("page"), 1))
    if request.headers.get("HX-Request") and request.GET.get("part") == "rows":
        return render(request, "fusion/_rows.html", {"batch": batch, "rows": rows})
    return render(
        request,
        "fusion/batch_detail.html",
        {
            "batch": batch,
            "staged": batch.status == BatchStatus.STAGED,
            "committed": batch.status == BatchStatus.COMMITTED,
            "summary": batch.summary,
            "sheets": selectors.sheets_of(batch),
            "roles": ROLES.items(),
            "fields": FIELDS.items(),
            "rows": rows,
            "row_filters": ROW_FILTERS,
            "pairs": selectors.review_pairs(batch),
            "unmatched": selectors.unmatched_addresses(batch),
        },
    )


def _act(request: HttpRequest, batch_id: int, action: str) -> HttpResponse:
    user = request.user
    here = reverse("fusion:batch", args=[batch_id])
    if action == "decide":
        rid = _int(request.POST.get("rid"), -1)
        batch = services.decide_pair(user, batch_id, rid, request.POST.get("decision", ""))
        if request.headers.get("HX-Request"):
            pair = next(p for p in selectors.review_pairs(batch) if p["rid"] == rid)
            return render(request, "fusion/_pair.html", {"batch": batch, "pair": pair})
        messages.success(request, _("已记录核实结果"))
        return redirect(here + "#review")
    if action == "remap":
        batch = services.get_batch(user, batch_id)
        sheet = request.POST.get("sheet", "")
        overrides = mapping_overrides(batch.files, sheet, request.POST)
        services.restage_batch(user, batch_id, overrides)
        messages.success(request, _("已按新的列对应重新检查"))
        return redirect(here + "#mapping")
    if action == "template":
        template = services.save_template(
            user, batch_id, request.POST.get("sheet", ""), request.POST.get("name", "").strip()
        )
        messages.success(request, _("已保存列对应模板“%(name)s”") % {"name": template.name})
        return redirect(here + "#mapping")
    if action == "commit":
        summary = services.commit_batch(user, batch_id)
        messages.success(
            request,
            _("已导入：新增 %(created)s 人，更新 %(updated)s 人，待核实未导入 %(held)s 行")
            % {
                "created": summary.persons_created,
                "updated": summary.persons_updated,
                "held": summary.rows_held,
            },
        )
        return redirect(here)
    if action == "discard":
        services.discard_batch(user, batch_id)
        messages.success(request, _("已放弃该批次"))
        return redirect("fusion:list")
    if action == "undo":
        services.undo_batch(user, batch_id)
        messages.success(request, _("已撤销该批次，数据已恢复到导入前"))
        return redirect(here)
    raise ServiceError(f"未知的操作“{action[:20]}”")


@login_required
@require_GET
@service_errors
def rejected_xlsx(request: HttpRequest, batch_id: int) -> HttpResponse:
    data = services.rejected_rows_xlsx(request.user, batch_id)
    return xlsx_download(data, f"batch-{batch_id}-rejected.xlsx")
