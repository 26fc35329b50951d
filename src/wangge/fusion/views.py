"""Import pages: upload ledgers, check and correct the batch, commit or undo it.

Views are thin: every change goes through ``fusion.services`` (which checks the role, writes the
audit entry and keeps the batch whole); service refusals are shown as they are, in Chinese.
All changes on one batch post to the batch page itself with an ``action``. Staging, re-checking,
committing and undoing run as background jobs (``fusion.jobs``): the pages answer at once and
follow the job's progress with htmx until it ends.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.core.web import service_errors
from wangge.core.wording import say
from wangge.fusion import handovers, selectors, services
from wangge.fusion import jobs as import_jobs
from wangge.fusion.fields import FIELDS, ROLES
from wangge.fusion.forms import UploadForm, mapping_overrides, uploads_from
from wangge.fusion.models import BatchStatus, HandOverStatus
from wangge.fusion.normalise import DOUBTFUL, REJECTED
from wangge.jobs.models import Job, JobStatus
from wangge.jobs.selectors import get_job

ROW_FILTERS = ((REJECTED, "拒绝"), (DOUBTFUL, "待核实"), ("", "全部"))


@login_required
@require_GET
@service_errors
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = services.visible_batches(request.user).select_related("created_by", "region")[:200]
    return render(request, "fusion/batch_list.html", {"batches": batches})


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def upload(request: HttpRequest) -> HttpResponse:
    """The upload form; after posting, the same page follows the staging job to its batch."""
    services.require_importer(request.user)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    error = ""
    job = None
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ServiceError(
                    _("；").join(str(e) for errors in form.errors.values() for e in errors)
                )
            uploads = uploads_from(request.FILES.getlist("ledgers"))
            job = import_jobs.start_stage(
                request.user, uploads, channel="web", label=form.cleaned_data["label"]
            )
        except ServiceError as exc:  # shown beside the form, so the clerk can pick other files
            error = say(exc.message)
        else:
            if job.status == JobStatus.SUCCEEDED and job.result_url:  # ran at once
                return redirect(job.result_url)
            if not job.finished:
                return redirect(reverse("fusion:upload") + f"?job={job.pk}")
            error = job.error_text  # refused at once: beside the form, as before
    elif request.GET.get("job"):
        job = get_job(request.user, request.GET["job"])
        if job.kind != import_jobs.STAGE:
            raise NotFound(_("后台任务不存在或不在您的权限范围内"))
        if job.status == JobStatus.SUCCEEDED and job.result_url:
            return redirect(job.result_url)
    status = 400 if error else 200
    context = {"form": form, "error": error, "job": job if not error else None}
    return render(request, "fusion/upload.html", {**context, "follow": "result"}, status=status)


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
                return HttpResponse(
                    f'<p class="error-text" role="alert">{escape(say(exc.message))}</p>'
                )
            messages.error(request, say(exc.message))
            return redirect("fusion:batch", batch_id=batch_id)
    status = request.GET.get("status", REJECTED)
    if status not in dict(ROW_FILTERS):
        status = REJECTED
    rows = selectors.rows_page(batch, status, _int(request.GET.get("page"), 1))
    if request.headers.get("HX-Request") and request.GET.get("part") == "rows":
        return render(request, "fusion/_rows.html", {"batch": batch, "rows": rows})
    job = import_jobs.latest_job(batch.pk)
    return render(
        request,
        "fusion/batch_detail.html",
        {
            "batch": batch,
            "may_change": services.may_change_batch(request.user, batch),
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
            "job": job,
            "busy": job is not None and not job.finished,
            "follow": "refresh",
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
            context = {"batch": batch, "pair": pair, "may_change": True}
            return render(request, "fusion/_pair.html", context)
        messages.success(request, _("已记录核实结果"))
        return redirect(here + "#review")
    if action == "remap":
        batch = services.get_batch(user, batch_id)
        sheet = request.POST.get("sheet", "")
        overrides = mapping_overrides(batch.files, sheet, request.POST)
        return _started(request, import_jobs.start_remap(user, batch_id, overrides), here)
    if action == "template":
        template = services.save_template(
            user, batch_id, request.POST.get("sheet", ""), request.POST.get("name", "").strip()
        )
        messages.success(request, _("已保存列对应模板“%(name)s”") % {"name": template.name})
        return redirect(here + "#mapping")
    if action == "commit":
        return _started(request, import_jobs.start_commit(user, batch_id), here)
    if action == "discard":
        services.discard_batch(user, batch_id)
        messages.success(request, _("已放弃该批次"))
        return redirect("fusion:list")
    if action == "undo":
        return _started(request, import_jobs.start_undo(user, batch_id), here)
    raise ServiceError(_("未知的操作“%(action)s”") % {"action": action[:20]})


def _started(request: HttpRequest, job: Job, here: str) -> HttpResponse:
    """Back to the batch page, which shows the job's progress, or its outcome if it is over
    already (a worker was quick, or jobs run in the request)."""
    if job.status == JobStatus.SUCCEEDED:
        messages.success(request, str(job.result.get("message", _("已完成"))))
    elif job.finished:
        messages.error(request, job.error_text)
    else:
        messages.info(request, _("已交给后台执行“%(label)s”，进度见下方") % {"label": job.label})
    return redirect(here)


@login_required
@require_POST
@service_errors
def rejected_xlsx(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Start the export of the rows not imported; its job page offers the file when built."""
    job = import_jobs.start_rejected_export(request.user, batch_id)
    return redirect("jobs:detail", job_id=job.pk)


@login_required
@require_GET
@service_errors
def handover_list(request: HttpRequest) -> HttpResponse:
    """Rows other offices' imports handed to this office: persons it holds."""
    status = request.GET.get("status", HandOverStatus.PENDING)
    if status not in HandOverStatus.values:
        status = HandOverStatus.PENDING
    items = handovers.visible_handovers(request.user, status=status)[:200]
    return render(
        request,
        "fusion/handover_list.html",
        {"items": items, "status": status, "statuses": HandOverStatus.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def handover_detail(request: HttpRequest, handover_id: int) -> HttpResponse:
    item = handovers.get_handover(request.user, handover_id)
    if request.method == "POST":
        action = request.POST.get("action", "")
        note = request.POST.get("note", "").strip()
        try:
            if action == "accept":
                handovers.accept_handover(request.user, handover_id, note=note)
                messages.success(request, _("已接受，台账内容已写入该人员档案"))
            elif action == "reject":
                handovers.reject_handover(request.user, handover_id, note=note)
                messages.success(request, _("已拒绝该移交事项"))
            else:
                raise ServiceError(_("未知的操作“%(action)s”") % {"action": action[:20]})
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:
            messages.error(request, say(exc.message))
        return redirect("fusion:handover", handover_id=handover_id)
    return render(
        request,
        "fusion/handover_detail.html",
        {
            "item": item,
            "values": handovers.shown_values(item),
            "pending": item.status == HandOverStatus.PENDING,
        },
    )
