"""The Django admin under the same scope and audit as the pages.

The admin's model pages know nothing of grids: a street officer given `is_staff` and a model
permission would list, open and change every region, building and room of the district, and
nobody would know who looked. `ScopedAdmin` gives every ModelAdmin over data with a place
(regions, buildings, units, rooms, staff assignments) the rules of `wangge.access.scoping`:

- lists and pages show only what the user's scope covers (`visible_to(…, VIEW)`); an object
  outside it answers 404 like a page would (and the refusal is audited by the middleware);
- only records the user may change (`Right.CHANGE`) are editable or deletable, and a foreign
  key (region, grid, building, …) can only be set to a record the user may change, so nothing
  is moved into or out of another office's area through a raw id;
- registry-wide tables (users, roles, API tokens, the audit log, import batches) are for the
  district grid centre only (`DistrictAdmin`);
- every list (with whether it was searched, never the search text), every record opened, and
  every change and deletion (with the names of the changed fields) is an audit entry on the
  `admin` channel;
- an app above may refuse a deletion of another app's model for a while (`guard_deletions`:
  import commits keep the regions, buildings, units and rooms their rows point at).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from wangge.access import audit, scoping
from wangge.access.audit import AuditAction
from wangge.access.models import Role

CHANNEL = "admin"


def _label(model: type[Model] | Model) -> str:
    return model._meta.label_lower


def district_level(user: Any) -> bool:
    """The district grid centre (or a superuser): the registry-wide tables are theirs."""
    return bool(
        getattr(user, "is_active", False)
        and (user.is_superuser or Role.DISTRICT_ADMIN in scoping.scope_for(user).roles)
    )


class AuditedAdmin(admin.ModelAdmin):
    """Every list, record opened, change and deletion is an audit entry (`admin` channel)."""

    audit_type = ""  # the entries' object type; the model's label unless set

    def _audit_type(self) -> str:
        return self.audit_type or _label(self.model)

    def _may_change(self, request: HttpRequest, obj: Any) -> bool:
        return True

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        """None for a record outside the admin's queryset, as Django does; but such an attempt
        is a refusal, and goes to the audit log (Django answers it with a redirect)."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            try:
                exists = self.model._default_manager.filter(pk=object_id).exists()
            except (ValueError, TypeError, ValidationError):
                exists = False
            if exists:
                audit.record(
                    request.user,
                    "refused",
                    self._audit_type(),
                    object_id,
                    channel=CHANNEL,
                    detail={"path": request.path[:300], "method": request.method},
                )
        return obj

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit.record(
                request.user,
                AuditAction.LIST,
                self._audit_type(),
                "",
                channel=CHANNEL,
                detail={"searched": bool(request.GET.get("q"))},
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit.record(
                request.user, AuditAction.VIEW, self._audit_type(), object_id, channel=CHANNEL
            )
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not self._may_change(request, obj):  # the object as the form would leave it
            audit.record(
                request.user,
                "refused",
                self._audit_type(),
                obj.pk or "",
                channel=CHANNEL,
                detail={"right": str(scoping.Right.CHANGE)},
            )
            raise PermissionDenied(_("该记录不在您的管辖范围内"))
        super().save_model(request, obj, form, change)
        audit.record(
            request.user,
            AuditAction.UPDATE if change else AuditAction.CREATE,
            self._audit_type(),
            obj.pk,
            channel=CHANNEL,
            detail={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            _check_deletion(request.user, type(obj), [obj.pk])
            audit.record(
                request.user, AuditAction.DELETE, self._audit_type(), obj.pk, channel=CHANNEL
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            pks = list(queryset.values_list("pk", flat=True))
            _check_deletion(request.user, queryset.model, pks)
            for pk in pks:
                audit.record(
                    request.user, AuditAction.DELETE, self._audit_type(), pk, channel=CHANNEL
                )
            queryset.delete()


# Checks an app above this one adds for another app's models (in its AppConfig.ready), run in
# the deletion's transaction before anything is deleted; they raise PermissionDenied with the
# reason. Import commits use it: nothing a commit's rows point at goes while it writes.
DeletionGuard = Callable[[Any, type[Model], list[Any]], None]
_DELETION_GUARDS: dict[type[Model], list[DeletionGuard]] = {}


def guard_deletions(models: Iterable[type[Model]], guard: DeletionGuard) -> None:
    for model in models:
        guards = _DELETION_GUARDS.setdefault(model, [])
        if guard not in guards:
            guards.append(guard)


def _check_deletion(user: Any, model: type[Model], pks: list[Any]) -> None:
    for guard in _DELETION_GUARDS.get(model, ()):
        guard(user, model, pks)


class ScopedAdmin(AuditedAdmin):
    """Over a model with a policy in `wangge.access.scoping.POLICIES`: the pages' scope."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return scoping.visible_to(request.user, super().get_queryset(request))

    def _may_change(self, request: HttpRequest, obj: Any) -> bool:
        return obj is None or scoping.allows(request.user, obj, scoping.Right.CHANGE)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """A place can only be set to one the user may change (ids typed into a raw-id box
        too: the form validates against this queryset)."""
        related = db_field.related_model
        if related is not None and _label(related) in scoping.POLICIES:
            kwargs["queryset"] = scoping.visible_to(
                request.user, related._default_manager.all(), scoping.Right.CHANGE
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(
            request, scoping.visible_to(request.user, queryset, scoping.Right.CHANGE)
        )


class DistrictAdmin(AuditedAdmin):
    """Registry-wide tables (users, roles, tokens, the audit log, import batches of others):
    the district grid centre only, whatever model permissions a staff account was given."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return district_level(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return district_level(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return district_level(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return district_level(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return district_level(request.user) and super().has_delete_permission(request, obj)


def district_only_elsewhere(site: admin.AdminSite) -> None:
    """Put every ModelAdmin that another library registered (the task queue's results with
    their arguments and tracebacks, django-axes' log-in attempts with usernames and addresses,
    auth's groups with their permissions) under `DistrictAdmin`. Called from
    `AccessConfig.ready`, after the admin has discovered every app's admin module."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, AuditedAdmin) or type(model_admin).__module__.startswith(
            "wangge."
        ):
            continue
        wrapped = type(
            f"District{type(model_admin).__name__}", (DistrictAdmin, type(model_admin)), {}
        )
        site.unregister(model)
        site.register(model, wrapped)
