from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "wangge.jobs"
    label = "jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        # Each app declares its background work in its own jobs.py (registry.job).
        autodiscover_modules("jobs")
