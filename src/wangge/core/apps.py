from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_table(using: str = "default", **kwargs: Any) -> None:
    """The database cache's table is not a model; `migrate` makes it too (tests get it from
    Django's test database creation)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "wangge.core"
    verbose_name = "平台"

    def ready(self) -> None:
        # post_migrate is sent per app with models; core has none, so hang it on access.
        from django.apps import apps

        post_migrate.connect(_create_cache_table, sender=apps.get_app_config("access"))
