"""Pages of the forms app: the forms and their upload (district administrators), the ODK
Collect set-up QR code, the submissions one sent or oversees, and the conflict inbox."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wangge.access.scoping import Right, scope_for, visible_to
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.core.web import service_errors
from wangge.forms import collect, conflicts, services
from wangge.forms.models import Change, ChangeStatus, Form, FormVersion, Submission
from wangge.people.phone import mask_phone


def _is_admin(request: HttpRequest) -> bool:
    scope = scope_for(request.user)
    return scope.unrestricted or "district_admin" in scope.roles


@login_required
@require_http_methods(["GET", "POST"])
@service_errors
def form_list(request: HttpRequest) -> HttpResponse:
    admin = _is_admin(request)
    if request.method == "POST":
        upload = request.FILES.get("xlsform")
        if upload is None:
            raise ServiceError(_("请选择 XLSForm 文件（.xlsx）"))
        try:
            version = services.upload_form(request.user, upload.read(), upload.name or "form.xlsx")
        except (Forbidden, NotFound):
            raise
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("已上传 %(code)s 版本 %(version)s")
                % {"code": version.form.code, "version": version.version},
            )
        return redirect("forms:list")
    # The forms this user fills themselves: only these get the XForm and 填写 links (a district
    # admin sees every form but fills none, and both links answered 404).
    own = list(services.forms_for(request.user))
    fillable = {v.form.code for v in own}
    if admin:
        versions: dict[int, list[FormVersion]] = {}
        for v in FormVersion.objects.order_by("form_id", "-uploaded_at", "-pk"):
            versions.setdefault(v.form_id, []).append(v)
        rows = [(f, versions.get(f.pk, [])) for f in Form.objects.all()]
    else:
        rows = [(v.form, [v]) for v in own]
    return render(
        request, "forms/form_list.html", {"rows": rows, "admin": admin, "fillable": fillable}
    )


@login_required
@require_GET
def collect_setup(request: HttpRequest) -> HttpResponse:
    server = request.build_absolute_uri(reverse("openrosa:form_list")).rsplit("/", 1)[0]
    payload = collect.encode_settings(collect.collect_settings(server, request.user.get_username()))
    return render(
        request,
        "forms/collect.html",
        {
            "server": server,
            "qr": collect.qr_svg_data_uri(payload),
            "forms": services.forms_for(request.user),
        },
    )


@login_required
@require_GET
@service_errors
def fill(request: HttpRequest, form_code: str) -> HttpResponse:
    """Where the workbench opens a form in the browser: on to the offline workbench's fill page
    (ODK Web Forms, docs/offline.md), with the task and household it was opened for."""
    version = services.form_for(request.user, form_code)  # the user's own forms only
    query = {"form": version.form.code}
    for key in ("task", "household"):
        value = request.GET.get(key, "")[:20]
        if value:
            query[key] = value
    return redirect(f"{reverse('offline:fill')}?{urlencode(query)}")


@login_required
@require_GET
def submission_list(request: HttpRequest) -> HttpResponse:
    items = conflicts.visible_submissions(request.user).order_by("-received_at", "-pk")[:200]
    changeable = set(
        visible_to(
            request.user, Submission.objects.filter(pk__in=[s.pk for s in items]), Right.CHANGE
        ).values_list("pk", flat=True)
    )
    return render(request, "forms/submission_list.html", {"items": items, "changeable": changeable})


@login_required
@require_POST
@service_errors
def submission_reapply(request: HttpRequest, submission_id: int) -> HttpResponse:
    try:
        message = conflicts.reapply(request.user, submission_id)
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, message)
    return redirect("forms:submissions")


@login_required
@require_GET
def conflict_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", ChangeStatus.CONFLICT)
    if status not in (ChangeStatus.CONFLICT, ChangeStatus.ACCEPTED, ChangeStatus.REJECTED):
        status = ChangeStatus.CONFLICT
    items = list(conflicts.inbox(request.user, status)[:200])
    held = conflicts.held_newcomers(request.user, items)
    rows = [
        (
            c,
            conflicts.FIELD_NAMES.get(c.field, c.field),
            _shown(c.field, c.old_value),
            _shown(c.field, c.current_value),
            _shown(c.field, c.submitted_value),
            held.get(c.pk),
        )
        for c in items
    ]
    return render(
        request,
        "forms/conflict_list.html",
        {
            "rows": rows,
            "status": status,
            "statuses": [
                (ChangeStatus.CONFLICT, "待核对"),
                (ChangeStatus.ACCEPTED, "已采纳"),
                (ChangeStatus.REJECTED, "已驳回"),
            ],
        },
    )


def _shown(field: str, value: str) -> str:
    """Phones masked here too: the inbox compares, it does not reveal."""
    if field == "phone" and value:
        return mask_phone(value)
    return value or "—"


@login_required
@require_POST
@service_errors
def conflict_decide(request: HttpRequest, change_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    if action not in ("accept", "reject"):
        raise ServiceError(_("未知的操作“%(action)s”") % {"action": action[:20]})
    try:
        change = conflicts.decide(
            request.user,
            change_id,
            accept=action == "accept",
            note=request.POST.get("note", "").strip(),
        )
    except (Forbidden, NotFound):
        raise
    except ServiceError as exc:
        # shown above the whole inbox: it says which item, as the item's heading does
        item = _item(conflicts.get_change(request.user, change_id))
        messages.error(request, f"{exc.message}（{item}）")
    else:
        done = "已采纳，写入档案" if action == "accept" else "已驳回"
        messages.success(request, f"{done}（{_item(change)}）")
    return redirect("forms:conflicts")


def _item(change: Change) -> str:
    """An inbox item as its card's heading names it: 人员 #12 · 出生日期."""
    record = "人员" if change.model == "person" else "户"
    return f"{record} #{change.object_id} · {conflicts.FIELD_NAMES.get(change.field, change.field)}"
