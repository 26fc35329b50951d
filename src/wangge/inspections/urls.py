from django.urls import path

from wangge.inspections import campaign_views, views

app_name = "inspections"
urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export/", views.ledger_export, name="ledger_export"),
    path("map/", views.hazard_map, name="map"),
    path("map/data/", views.map_data, name="map_data"),
    path("counts/", views.counts_page, name="counts"),
    path("counts/export/", views.counts_export, name="counts_export"),
    path("campaigns/", campaign_views.campaign_list, name="campaigns"),
    path("campaigns/<int:campaign_id>/", campaign_views.campaign_detail, name="campaign"),
    path("places/", views.place_list, name="places"),
    path("places/import/", views.place_import, name="place_import"),
    path("places/<int:place_id>/", views.place_detail, name="place"),
    path("hazards/<int:hazard_id>/", views.hazard_detail, name="hazard"),
    path("hazards/photos/<int:hazard_photo_id>/", views.hazard_photo, name="photo"),
    path("rechecks/<int:task_id>/", views.recheck, name="recheck"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice"),
    path("notices/<int:notice_id>/refer/", views.notice_refer, name="notice_refer"),
    path("notices/<int:notice_id>/signed/", views.notice_signed, name="notice_signed"),
    path("notices/<int:notice_id>/<str:fmt>/", views.notice_document, name="notice_document"),
]
