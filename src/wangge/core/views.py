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
