from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "wangge.access"
    verbose_name = "权限与审计"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from wangge.access import signals  # noqa: F401

        # No `last_login` stamp: it is a write to the main database on every log-in, so on
        # SQLite log-ins would wait behind an import's commit. Log-ins are in the audit log.
        user_logged_in.disconnect(dispatch_uid="update_last_login")

        # Libraries' own admin pages (task results, log-in attempts, groups) are for the
        # district grid centre only, and audited (access.admin_scope).
        from django.contrib import admin

        from wangge.access.admin_scope import district_only_elsewhere

        district_only_elsewhere(admin.site)
