from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "wangge.inspections"
    verbose_name = "场所检查与隐患"

    def ready(self) -> None:
        # the checklist forms' submissions become hazards (the forms app calls us back)
        from wangge.inspections.submitted import register

        register()
