from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate


def _load_shipped(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """A fresh install (and every migrate or flush) has the forms the project ships; a form
    already loaded at that version is left as it is."""
    if using != DEFAULT_DB_ALIAS:
        return
    from wangge.forms.models import Form
    from wangge.forms.services import load_shipped_forms

    # A partial migrate (``migrate access 0001``, as an upgrade from an old release runs it)
    # sends post_migrate to every app, also to one whose tables are not made yet.
    if Form._meta.db_table not in connections[using].introspection.table_names():
        return

    load_shipped_forms()


class FormsConfig(AppConfig):
    name = "wangge.forms"
    label = "forms"
    verbose_name = "表单"

    def ready(self) -> None:
        post_migrate.connect(_load_shipped, sender=self, dispatch_uid="wangge.forms.shipped")
