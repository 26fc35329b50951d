from django.urls import path

from wangge.offline import views

app_name = "offline"
urlpatterns = [
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.web_manifest, name="manifest"),
    path("offline/", views.workbench, name="workbench"),
    path("offline/fill/", views.fill, name="fill"),
]
