from django.contrib.auth import views as auth_views
from django.urls import path

from wangge.access import views

app_name = "access"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("security/alerts/", views.search_alerts, name="search_alerts"),
]
