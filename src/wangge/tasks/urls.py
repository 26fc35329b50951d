from django.urls import path

from wangge.tasks import views

app_name = "tasks"
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("list/", views.task_list, name="list"),
    path("not-visited/", views.not_visited, name="not_visited"),
    path("round/", views.visit_round, name="round"),
    path("<int:task_id>/", views.task_detail, name="detail"),
]
