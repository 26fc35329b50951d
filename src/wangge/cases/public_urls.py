"""Residents' pages under /report/, no login: file a report, follow it by its token."""

from django.urls import path

from wangge.cases import public_views

app_name = "report"
urlpatterns = [
    path("", public_views.report, name="report"),
    path("suggest", public_views.suggest, name="suggest"),
    path("track/<str:token>", public_views.track, name="track"),
]
