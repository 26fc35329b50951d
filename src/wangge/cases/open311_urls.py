"""Open311 GeoReport v2 under /open311/v2/: every resource in .xml and .json, the
service request updates extension, and the public photos media_url points to."""

from django.urls import re_path

from wangge.cases import open311, open311_updates

app_name = "open311"
FMT = r"\.(?P<fmt>xml|json)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[\w.-]+?)" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests_view, name="requests"),
    re_path(r"^requests/(?P<request_id>[\w-]+?)" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[\w-]+?)" + FMT, open311.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + FMT, open311_updates.updates_view, name="updates"),
    re_path(r"^media/(?P<photo_id>[0-9]{1,18})$", open311.media, name="media"),
]
