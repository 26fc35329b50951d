from django.urls import URLPattern

app_name = "fusion"
urlpatterns: list[URLPattern] = []
