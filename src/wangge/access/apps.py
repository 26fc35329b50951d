from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "wangge.access"
    verbose_name = "权限与审计"

    def ready(self) -> None:
        from wangge.access import signals  # noqa: F401
