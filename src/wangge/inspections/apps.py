from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "wangge.inspections"
    verbose_name = "场所检查与隐患"
