from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The first page after login, decided by the app named in `HOME_VIEW` (core knows
    no app above it; an app that should greet users first, such as a workbench, is named there)."""
    view: Any = import_string(settings.HOME_VIEW)
    response: HttpResponse = view(request)
    return response


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/open311/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {"message": _("接口不存在：%(path)s") % {"path": request.path}}, status=404
        )
    return render(
        request,
        "core/error.html",
        {"message": _("页面不存在：%(path)s") % {"path": request.path}},
        status=404,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    message = _("服务器内部错误，已记录，请稍后重试或联系管理员")
    if _wants_json(request):
        return JsonResponse({"message": message}, status=500)
    return render(request, "core/error.html", {"message": message}, status=500)
