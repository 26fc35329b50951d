from django.apps import AppConfig


class FusionConfig(AppConfig):
    name = "wangge.fusion"
    verbose_name = "台账汇聚"

    def ready(self) -> None:
        from wangge.access.admin_scope import guard_deletions
        from wangge.addresses.models import Building, Room, Unit
        from wangge.fusion.guards import refuse_while_committing
        from wangge.geo.models import Region

        guard_deletions((Region, Building, Unit, Room), refuse_while_committing)
