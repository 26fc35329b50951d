from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "wangge.inspections"
    verbose_name = "场所检查与隐患"

    def ready(self) -> None:
        # the checklist forms' submissions become hazards (the forms app calls us back)
        from wangge.inspections.submitted import register

        register()
        # ODK Collect picks a checklist's place from places.csv, which the forms app serves
        from wangge.inspections import places_roster

        places_roster.register()
        # a re-inspection task (回头看) opens its notice, whose hazards are closed one by one
        from wangge.inspections.reinspection import register_links

        register_links()
