from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "wangge.cases"
    verbose_name = "接诉即办"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_delete, post_save

        from wangge.cases import reference
        from wangge.cases.models import Category, Department, DepartmentMembership, Responsibility
        from wangge.cases.open311_format import error_response
        from wangge.core.api_errors import register_error_format
        from wangge.geo.models import Region

        for model in (Region, Category, Department, Responsibility, DepartmentMembership):
            for signal in (post_save, post_delete):
                signal.connect(reference.changed, sender=model, dispatch_uid=f"cases-ref-{model}")
        user = get_user_model()
        post_save.connect(reference.user_saved, sender=user, dispatch_uid="cases-ref-user")
        post_delete.connect(reference.changed, sender=user, dispatch_uid="cases-ref-user")
        request_started.connect(reference.request_started, dispatch_uid="cases-ref-request")
        request_finished.connect(reference.request_finished, dispatch_uid="cases-ref-request")
        # Open311 errors in the spec's errors/error shape, XML or JSON by the path's extension.
        register_error_format("/open311/", error_response)
