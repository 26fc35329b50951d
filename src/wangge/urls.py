"""URL map: each app owns its pages; the REST API lives under /api/ (docs at /api/docs)."""

from django.contrib import admin
from django.urls import include, path

from wangge.api import api

urlpatterns = [
    path("", include("wangge.core.urls")),
    path("", include("wangge.access.urls")),
    path("regions/", include("wangge.geo.urls")),
    path("buildings/", include("wangge.addresses.urls")),
    path("people/", include("wangge.people.urls")),
    path("imports/", include("wangge.fusion.urls")),
    path("cases/", include("wangge.cases.urls")),
    path("jobs/", include("wangge.jobs.urls")),
    path("inspections/", include("wangge.inspections.urls")),
    path("", include("wangge.offline.urls")),
    path("forms/", include("wangge.forms.urls")),
    path("openrosa/", include("wangge.forms.openrosa_urls")),
    path("tasks/", include("wangge.tasks.urls")),
    path("open311/v2/", include("wangge.cases.open311_urls")),
    path("report/", include("wangge.cases.public_urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "wangge.core.api_errors.bad_request"
handler403 = "wangge.core.api_errors.permission_denied"
handler404 = "wangge.core.views.not_found"
handler500 = "wangge.core.views.server_error"
