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
        from django.db.models.signals import post_delete

        from wangge.core.api_errors import register_error_format
        from wangge.forms.models import FormVersion
        from wangge.forms.openrosa_views import error_answer, is_xml_answer
        from wangge.forms.submissions import forget_versions

        # OpenRosaResponse with the OpenRosa headers; an XML answer is one already
        register_error_format("/openrosa/", error_answer, keep=is_xml_answer)

        # after a flush or migrate the versions are new rows; before loading the shipped ones
        post_migrate.connect(forget_versions, sender=self, dispatch_uid="wangge.forms.forget")
        post_migrate.connect(_load_shipped, sender=self, dispatch_uid="wangge.forms.shipped")
        post_delete.connect(forget_versions, sender=FormVersion, dispatch_uid="wangge.forms.gone")
