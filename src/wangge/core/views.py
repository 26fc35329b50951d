from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from wangge.geo.services import home_regions


@login_required
def home(request: HttpRequest) -> HttpResponse:
    regions = home_regions(request.user)
    if len(regions) == 1:
        return redirect("geo:map", code=regions[0].code)
    return render(request, "core/home.html", {"regions": regions})


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/open311/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"message": f"接口不存在：{request.path}"}, status=404)
    return render(
        request, "core/error.html", {"message": f"页面不存在：{request.path}"}, status=404
    )


def server_error(request: HttpRequest) -> HttpResponse:
    message = "服务器内部错误，已记录，请稍后重试或联系管理员"
    if _wants_json(request):
        return JsonResponse({"message": message}, status=500)
    return render(request, "core/error.html", {"message": message}, status=500)
