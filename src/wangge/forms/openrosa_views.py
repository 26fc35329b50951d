"""The OpenRosa 1.0 endpoints ODK Collect talks to (and the browser's offline forms):
form list, form download, manifest and roster files, submission. Every answer carries
`X-OpenRosa-Version: 1.0`; the submission answers also `X-OpenRosa-Accept-Content-Length`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from wangge.access import authn
from wangge.core.api_errors import mark_formatted
from wangge.core.errors import ServiceError
from wangge.forms import applying, openrosa, roster, services
from wangge.forms.auth import REALM, LockedOut, TooMany, openrosa_user
from wangge.forms.submissions import ACCEPT_CONTENT_LENGTH, Upload, receive

XML = "text/xml; charset=utf-8"


def _headers(response: HttpResponse, *, accept_length: bool = False) -> HttpResponse:
    response["X-OpenRosa-Version"] = openrosa.OPENROSA_VERSION
    response["Date"] = http_date()
    if accept_length:
        response["X-OpenRosa-Accept-Content-Length"] = str(ACCEPT_CONTENT_LENGTH)
    return response


def _xml(body: str, status: int = 200, *, accept_length: bool = False) -> HttpResponse:
    return _headers(
        HttpResponse(body, content_type=XML, status=status), accept_length=accept_length
    )


def _message(text: str, status: int, nature: str = "") -> HttpResponse:
    response = _xml(openrosa.response(text, nature), status, accept_length=True)
    mark_formatted(response)  # already the client's format: ErrorFormatMiddleware leaves it
    return response


def error_answer(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """Every error under /openrosa/ that no view made (the log-in lockout's 429, the body cap's
    413, an unreadable multipart body's 400, an unknown path's 404) as an OpenRosaResponse with
    the OpenRosa headers: the HTTP Request API asks `X-OpenRosa-Version` of every answer, and
    Collect shows the message of an OpenRosaResponse to the user."""
    return _message(message, status)


def is_xml_answer(response: HttpResponseBase) -> bool:
    """An XML error answer under /openrosa/ is an OpenRosaResponse already (ours are marked;
    a stand-in server's in the tests is not): the error formatter leaves it as it is."""
    return str(response.get("Content-Type", "")).startswith(("text/xml", "application/xml"))


def _challenge() -> HttpResponse:
    response = _message("请使用本人的账号和密码登录（HTTP Basic）", 401)
    response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def _no_view(request: HttpRequest) -> HttpResponse:  # the CSRF check needs a view to look at
    return HttpResponse()


def openrosa_view(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Authenticate (session or Basic), map service errors to OpenRosa answers."""

    @csrf_exempt
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            user = openrosa_user(request)
        except LockedOut:
            return _message(str(authn.lockout_message()), 429)
        except TooMany:
            return _message("请求过于频繁，请稍后再试", 429)
        if user is None:
            return _challenge()
        session = "HTTP_AUTHORIZATION" not in request.META
        if session and request.method not in ("GET", "HEAD", "OPTIONS"):
            refused = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(
                request, _no_view, (), {}
            )
            if refused is not None:
                return _message("CSRF 校验失败：网页提交须带 X-CSRFToken 头", 403)
        try:
            return view(request, user, *args, **kwargs)
        except ServiceError as exc:
            return _message(exc.message, exc.status)

    return wrapper


@openrosa_view
def form_list(request: HttpRequest, user: Any) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):  # HEAD: RFC 9110 §9.3.2, no content
        response = _message("只支持 GET 和 HEAD", 405)
        response["Allow"] = "GET, HEAD"
        return response
    wanted = request.GET.get("formID", "")
    # The workbench asks for the forms opened only from a task too; ODK Collect, which cannot
    # fill a task's hidden answers, is not offered those (applying.opened_from_task). The
    # inspection checklists are not such forms: Collect picks their place from places.csv.
    workbench = request.GET.get("from") == "workbench"
    listed = []
    for version in services.forms_for(user):
        code = version.form.code
        if wanted and code != wanted:
            continue
        if not workbench and applying.opened_from_task(code):
            continue
        listed.append(
            openrosa.ListedForm(
                form_id=code,
                name=version.form.title,
                version=version.version,
                md5=version.md5,
                download_url=request.build_absolute_uri(reverse("openrosa:form", args=[code])),
                manifest_url=request.build_absolute_uri(reverse("openrosa:manifest", args=[code]))
                if version.media
                else "",
            )
        )
    return _xml(openrosa.form_list(listed))


@openrosa_view
def form_download(request: HttpRequest, user: Any, form_code: str) -> HttpResponse:
    code = form_code
    version = services.form_for(user, code)
    return _xml(version.xform)


@openrosa_view
def manifest(request: HttpRequest, user: Any, form_code: str) -> HttpResponse:
    code = form_code
    version = services.form_for(user, code)
    files = roster.roster(user, version.media)
    listed = [
        (
            name,
            files[name].md5,
            request.build_absolute_uri(reverse("openrosa:media", args=[code, name])),
        )
        for name in version.media
        if name in files
    ]
    return _xml(openrosa.manifest(listed))


@openrosa_view
def media(request: HttpRequest, user: Any, form_code: str, name: str) -> HttpResponse:
    code = form_code
    version = services.form_for(user, code)
    files = roster.roster(user, [name] if name in version.media else [])
    if name not in version.media or name not in files:
        return _message(f"表单 {code} 没有文件 {name[:60]}", 404)
    response = HttpResponse(files[name].data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _headers(response)


@openrosa_view
def submission(request: HttpRequest, user: Any) -> HttpResponse:
    if request.method == "HEAD":
        return _headers(HttpResponse(status=204), accept_length=True)
    if request.method != "POST":
        response = _message("只支持 HEAD 和 POST", 405)
        response["Allow"] = "HEAD, POST"
        return response
    xml_file = request.FILES.get("xml_submission_file")
    if xml_file is None:
        return _message("缺少 xml_submission_file", 400, "submit_error")
    uploads = [
        Upload(f.name or key, f.read(), f.content_type or "application/octet-stream")
        for key in request.FILES
        if key not in ("xml_submission_file", "*isIncomplete*")
        for f in request.FILES.getlist(key)
    ]
    flag = request.FILES.get("*isIncomplete*")
    incomplete_part = request.POST.get("*isIncomplete*") or (
        flag.read().decode(errors="ignore") if flag is not None else ""
    )
    outcome = receive(
        user,
        xml_file.read(),
        uploads,
        incomplete=incomplete_part.strip().lower() == "yes",
        channel="web" if "HTTP_AUTHORIZATION" not in request.META else "openrosa",
        task_ref=request.GET.get("task", ""),  # the browser names the task it was opened for
    )
    nature = "submit_success" if outcome.status in (201, 202) else "submit_error"
    return _message(outcome.message, outcome.status, nature)
