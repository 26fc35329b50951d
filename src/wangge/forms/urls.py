from django.urls import path

from wangge.forms import views

app_name = "forms"
urlpatterns = [
    path("", views.form_list, name="list"),
    path("collect/", views.collect_setup, name="collect"),
    path("submissions/", views.submission_list, name="submissions"),
    path("submissions/<int:submission_id>/reapply/", views.submission_reapply, name="reapply"),
    path("conflicts/", views.conflict_list, name="conflicts"),
    path("conflicts/<int:change_id>/", views.conflict_decide, name="decide"),
    path("<slug:form_code>/fill/", views.fill, name="fill"),
]
