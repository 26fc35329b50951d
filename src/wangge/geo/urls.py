from django.urls import path

from wangge.geo import views

app_name = "geo"
urlpatterns = [
    path("", views.home, name="home"),
    path("<str:code>/", views.region_detail, name="detail"),
    path("<str:code>/map/", views.region_map, name="map"),
    path("<str:code>/features.geojson", views.region_features, name="features"),
]
