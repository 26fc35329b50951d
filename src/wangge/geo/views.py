from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from wangge.core.web import service_errors
from wangge.geo import services
from wangge.geo.models import RegionLevel


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The regions a user's roles reach (settings.HOME_VIEW): straight to the map when
    there is one."""
    regions = services.home_regions(request.user)
    if len(regions) == 1:
        return redirect("geo:map", code=regions[0].code)
    return render(request, "core/home.html", {"regions": regions})


@login_required
@service_errors
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    summary = services.region_summary(request.user, code)
    region = summary.region
    context: dict[str, Any] = {"summary": summary, "region": region}
    if region.level in (RegionLevel.COMMUNITY, RegionLevel.GRID):
        context["buildings"] = services.region_buildings(request.user, summary.grid_ids)
        context["building_limit"] = services.BUILDING_LIST_LIMIT
    if region.level == RegionLevel.GRID:
        paginator = Paginator(services.region_households(request.user, summary.grid_ids), 50)
        context["households"] = paginator.get_page(request.GET.get("page"))
    return render(request, "geo/region_detail.html", context)


@login_required
@service_errors
def region_map(request: HttpRequest, code: str) -> HttpResponse:
    region = services.get_region(request.user, code)
    return render(
        request,
        "geo/region_map.html",
        {
            "region": region,
            "tile_url": settings.WANGGE_TILE_URL,
            "tile_crs": settings.WANGGE_TILE_CRS,
        },
    )


@login_required
@service_errors
def region_features(request: HttpRequest, code: str) -> HttpResponse:
    crs = request.GET.get("crs", "wgs84")
    return JsonResponse(services.region_map_features(request.user, code, crs=crs))
