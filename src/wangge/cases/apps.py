from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "wangge.cases"
    verbose_name = "接诉即办"
