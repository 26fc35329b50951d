from django.urls import path

from wangge.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.report, name="report"),
    path("suggest/", views.suggest, name="suggest"),
    path("suggester/", views.suggester, name="suggester"),
    path("import/", views.hotline_import, name="import"),
    path("overdue/", views.overdue, name="overdue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export/", views.dashboard_export, name="dashboard_export"),
    path("map/", views.case_map, name="map"),
    path("map/data/", views.case_map_data, name="map_data"),
    path("placement/", views.placement_queue, name="placement"),
    path("<int:case_id>/place/", views.place, name="place"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/action/", views.case_action, name="action"),
    path("photos/<int:photo_id>/", views.case_photo, name="photo"),
    path("rate/<str:token>/", views.resident_rate, name="rate"),
]
