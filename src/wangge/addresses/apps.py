from django.apps import AppConfig


class AddressesConfig(AppConfig):
    name = "wangge.addresses"
    verbose_name = "标准地址"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from wangge.addresses import locating
        from wangge.addresses.models import Building, Room, Unit
        from wangge.geo.models import Region

        # The per-process registry locator is rebuilt after any of these change.
        for model in (Building, Unit, Room, Region):
            for signal in (post_save, post_delete):
                signal.connect(
                    locating.changed, sender=model, dispatch_uid=f"addresses-locator-{model}"
                )
