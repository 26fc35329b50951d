from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wangge.addresses import services
from wangge.core.web import service_errors


@login_required
@service_errors
def building_detail(request: HttpRequest, building_id: int) -> HttpResponse:
    file = services.get_building(request.user, building_id)
    return render(
        request, "addresses/building_detail.html", {"file": file, "building": file.building}
    )
