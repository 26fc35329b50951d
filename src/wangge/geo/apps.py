from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "wangge.geo"
    verbose_name = "区域与网格"
