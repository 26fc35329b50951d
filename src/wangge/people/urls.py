from django.urls import path

from wangge.people import views

app_name = "people"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("households/<int:household_id>/", views.household_detail, name="household"),
    path("<int:person_id>/", views.person_detail, name="person"),
    path("<int:person_id>/reveal/", views.person_reveal, name="reveal"),
]
