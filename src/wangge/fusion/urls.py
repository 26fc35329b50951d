from django.urls import path

from wangge.fusion import views

app_name = "fusion"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.upload, name="upload"),
    path("<int:batch_id>/", views.batch_detail, name="batch"),
    path("<int:batch_id>/rejected.xlsx", views.rejected_xlsx, name="rejected"),
    path("handovers/", views.handover_list, name="handovers"),
    path("handovers/<int:handover_id>/", views.handover_detail, name="handover"),
]
