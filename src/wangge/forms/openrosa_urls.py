from django.urls import path

from wangge.forms import openrosa_views as views

app_name = "openrosa"
urlpatterns = [
    path("formList", views.form_list, name="form_list"),
    path("forms/<slug:form_code>/form.xml", views.form_download, name="form"),
    path("xformsManifest/<slug:form_code>", views.manifest, name="manifest"),
    path("media/<slug:form_code>/<str:name>", views.media, name="media"),
    path("submission", views.submission, name="submission"),
]
