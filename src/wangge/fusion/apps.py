from django.apps import AppConfig


class FusionConfig(AppConfig):
    name = "wangge.fusion"
    verbose_name = "台账汇聚"
