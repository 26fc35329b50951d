"""Form definitions: uploading an XLSForm (district administrators), the shipped forms, and
which forms a user is offered.

Every upload is compiled by pyxform and its `wangge::target` mapping checked before anything is
stored; a new version becomes the current one, the old ones are kept (submissions name theirs).
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.models import Role
from wangge.access.scoping import WRITING_ROLES, require_district_admin, scope_for
from wangge.core.errors import NotFound, ServiceError
from wangge.forms.applying import form_check_for
from wangge.forms.models import Form, FormVersion
from wangge.forms.xlsform import XLSFormError, compile_xlsform

MAX_XLSFORM_BYTES = 5 * 1024 * 1024
# The forms the project ships (wangge/forms/data/forms/<code>.md) and who is offered them.
SHIPPED = {
    "household_visit": [Role.GRID_WORKER, Role.COMMUNITY_OFFICER],
    "verify_pair": [Role.GRID_WORKER, Role.COMMUNITY_OFFICER],
    "verify_address": [Role.GRID_WORKER, Role.COMMUNITY_OFFICER],
    "verify_value": [Role.GRID_WORKER, Role.COMMUNITY_OFFICER],
}


@transaction.atomic
def upload_form(
    actor: Any,
    data: bytes,
    file_name: str,
    *,
    roles: list[str] | None = None,
    shipped: bool = False,
) -> FormVersion:
    """Compile an XLSForm and store it as the form's current version.

    A version already stored with the same number is refused unless it is the same file (the
    shipped forms are loaded again at every migration without making new versions)."""
    require_district_admin(actor, pgettext("admin task", "上传表单"))
    if len(data) > MAX_XLSFORM_BYTES:
        raise ServiceError(_("XLSForm 文件过大（最多5MB）"))
    try:
        compiled = compile_xlsform(data, file_name)
    except XLSFormError as exc:
        raise ServiceError(exc.message) from exc
    check = form_check_for(compiled.code)
    problems = check(compiled.questions) if check is not None else []
    if problems:
        raise ServiceError(_("XLSForm 有误：%(problems)s") % {"problems": _("；").join(problems)})
    for role in roles or []:
        if role not in Role.values:
            raise ServiceError(_("未知角色“%(role)s”") % {"role": role[:30]})
    form, _created = Form.objects.get_or_create(
        code=compiled.code,
        defaults={"title": compiled.title[:200], "roles": roles or [], "shipped": shipped},
    )
    md5 = hashlib.md5(compiled.xform.encode()).hexdigest()  # noqa: S324 - the OpenRosa hash
    existing = FormVersion.objects.filter(form=form, version=compiled.version).first()
    if existing is not None:
        if existing.md5 == md5:
            return existing
        raise ServiceError(
            _("表单 %(code)s 已有版本 %(version)s：修改表单后请在 settings 表提高 version")
            % {"code": form.code, "version": compiled.version}
        )
    FormVersion.objects.filter(form=form, current=True).update(current=False)
    version = FormVersion.objects.create(
        form=form,
        version=compiled.version,
        source_name=file_name[:200],
        source=data,
        xform=compiled.xform,
        md5=md5,
        targets=compiled.targets,
        media=compiled.media,
        current=True,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    form.title = compiled.title[:200]
    if roles is not None:
        form.roles = roles
    form.save(update_fields=["title", "roles"])
    if actor is None and shipped:
        return version  # loaded at migrate time, before the audit store may exist
    audit.record(
        actor,
        AuditAction.CREATE,
        "forms.formversion",
        version.pk,
        detail={"form": form.code, "version": version.version, "targets": len(compiled.targets)},
    )
    return version


def shipped_sources() -> dict[str, bytes]:
    root = resources.files("wangge.forms") / "data" / "forms"
    return {code: (root / f"{code}.md").read_bytes() for code in SHIPPED}


def load_shipped_forms() -> list[FormVersion]:
    """Load (or leave as they are) the forms the project ships; run at migrate time."""
    return [
        upload_form(None, data, f"{code}.md", roles=list(SHIPPED[code]), shipped=True)
        for code, data in shipped_sources().items()
    ]


def forms_for(user: Any) -> QuerySet[FormVersion]:
    """Current versions of the active forms the user's roles are offered."""
    scope = scope_for(user)
    qs = FormVersion.objects.filter(current=True, form__active=True).select_related("form")
    if scope.unrestricted:
        return qs.order_by("form__code")
    roles = set(scope.roles) & set(WRITING_ROLES)
    if not roles:
        return qs.none()
    wanted = [v.pk for v in qs if not v.form.roles or roles & set(v.form.roles)]
    return qs.filter(pk__in=wanted).order_by("form__code")


def form_for(user: Any, code: str) -> FormVersion:
    version = forms_for(user).filter(form__code=code).first()
    if version is None:
        raise NotFound(_("没有编号为“%(code)s”的表单，或您无权使用") % {"code": code[:64]})
    return version
