from django.urls import path

from wangge.addresses import views

app_name = "addresses"
urlpatterns = [
    path("<int:building_id>/", views.building_detail, name="building"),
]
