"""Job pages: the list of one's jobs, and a job's page whose progress htmx polls until done.

A failed or interrupted job is retried by posting ``action=retry`` to its own page. Other pages
embed the same progress bar (``jobs/_progress.html`` with ``follow``) to follow their own jobs.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.core.web import XLSX_CONTENT_TYPE, service_errors
from wangge.jobs import exports, selectors, services
from wangge.jobs.models import JobStatus

# What a page embedding a job's progress wants when the job ends: to be reloaded
# ("refresh": the batch page, whose state the job changed) or to go on to the job's outcome
# ("result": the upload page goes on to the staged batch).
FOLLOW = frozenset({"refresh", "result"})


@login_required
@require_GET
@service_errors
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.visible_jobs(request.user)[:200]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    job = selectors.get_job(request.user, job_id)
    if request.method == "POST":
        if request.POST.get("action") != "retry":
            raise ServiceError(_("未知的操作"))
        try:
            services.retry(request.user, job.pk)
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已重新提交该任务"))
        return redirect("jobs:detail", job_id=job.pk)
    follow = request.GET.get("follow", "")
    if follow not in FOLLOW:
        follow = ""
    context = {"job": job, "follow": follow}
    if request.headers.get("HX-Request") and request.GET.get("part") == "progress":
        response = render(request, "jobs/_progress.html", context)
        if job.finished and follow == "refresh":
            response["HX-Refresh"] = "true"  # the page around the bar shows the new state
        elif job.status == JobStatus.SUCCEEDED and follow == "result" and job.result_url:
            response["HX-Redirect"] = job.result_url  # straight on to the outcome
        return response
    return render(request, "jobs/job_detail.html", context)


def file_response(data: bytes, filename: str) -> HttpResponse:
    """An export's file, saved by the browser rather than shown, and never cached."""
    kind = XLSX_CONTENT_TYPE if filename.endswith(".xlsx") else "application/octet-stream"
    response = HttpResponse(data, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
@service_errors
def download(request: HttpRequest, job_id: str) -> HttpResponse:
    """An export's file: its starter only, until it expires; every download audited."""
    data, filename = exports.download(request.user, job_id)
    return file_response(data, filename)
