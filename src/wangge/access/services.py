"""Users, roles and API tokens. Role changes are audited like any other change."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from wangge.access import audit
from wangge.access.crypto import sm3_hex
from wangge.access.models import ApiToken, Role, RoleAssignment
from wangge.access.scoping import forget_scope, require_district_admin
from wangge.core import sql
from wangge.core.errors import ServiceError
from wangge.geo.models import Region, RegionLevel

# Which region level each role may be bound to, and whether it may reveal full identifiers.
ROLE_LEVELS: dict[str, set[str]] = {
    Role.DISTRICT_ADMIN: {RegionLevel.DISTRICT},
    Role.STREET_OFFICER: {RegionLevel.STREET},
    Role.COMMUNITY_OFFICER: {RegionLevel.COMMUNITY},
    Role.GRID_WORKER: {RegionLevel.GRID},
    Role.DEPARTMENT_HANDLER: {RegionLevel.DISTRICT, RegionLevel.STREET, RegionLevel.COMMUNITY},
}
ROLES_THAT_REVEAL = {Role.DISTRICT_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_OFFICER}
REVEAL_GROUP = "可查看完整身份信息"


def user_role_labels(user: Any) -> list[str]:
    labels = dict(Role.choices)
    return [
        f"{labels.get(a.role, a.role)}·{a.region.name}"
        for a in RoleAssignment.objects.filter(user=user).select_related("region")
    ]


def _reveal_group() -> Group:
    group, _ = Group.objects.get_or_create(name=REVEAL_GROUP)
    perm = Permission.objects.get(codename="reveal_identifiers", content_type__app_label="people")
    group.permissions.add(perm)
    return group


@transaction.atomic
def assign_role(
    actor: Any, user: Any, role: str, region: Region, *, department: str = ""
) -> RoleAssignment:
    require_district_admin(actor, pgettext("admin task", "管理用户和角色"))
    if role not in ROLE_LEVELS:
        raise ServiceError(gettext("未知角色：%(role)s") % {"role": role})
    if region.level not in ROLE_LEVELS[role]:
        allowed = "、".join(str(RegionLevel(level).label) for level in ROLE_LEVELS[role])
        raise ServiceError(
            gettext("角色“%(label)s”只能授权到%(allowed)s，不能授权到%(level)s")
            % {"label": Role(role).label, "allowed": allowed, "level": region.get_level_display()}
        )
    assignment, _ = RoleAssignment.objects.get_or_create(
        user=user, role=role, region=region, defaults={"department": department}
    )
    if role in ROLES_THAT_REVEAL:
        user.groups.add(_reveal_group())
    forget_scope(user)
    audit.record(
        actor,
        audit.AuditAction.UPDATE,
        "user",
        user.pk,
        channel="cli" if actor is None else "web",
        detail={"assign_role": role, "region": region.code},
    )
    return assignment


def _digest(token: str) -> str:
    return sm3_hex(token.encode())


@transaction.atomic
def create_api_token(actor: Any, user: Any, name: str = "") -> str:
    """Return the new token once; only its digest is kept."""
    if actor is not None and actor != user:
        require_district_admin(actor, pgettext("admin task", "为其他用户生成API令牌"))
    token = "wg_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=token[:8], digest=_digest(token))
    audit.record(actor, audit.AuditAction.CREATE, "api_token", user.pk, detail={"name": name})
    return token


def user_for_token(token: str) -> Any | None:
    """The active user a live token belongs to. Plain SQL: every API call and Open311 POST
    runs this, and composing the join through the ORM cost more CPU than running it."""
    if not token or not token.startswith("wg_"):
        return None
    user_model = get_user_model()
    quote = connection.ops.quote_name
    users, tokens = quote(user_model._meta.db_table), quote(ApiToken._meta.db_table)
    fields = [f.attname for f in user_model._meta.concrete_fields]
    columns = ", ".join(f"u.{quote(f.column)}" for f in user_model._meta.concrete_fields)
    row = sql.fetch_one(
        f"SELECT {columns}, t.id, t.last_used_at FROM {users} u "
        f"JOIN {tokens} t ON t.user_id = u.id "
        "WHERE t.digest = %s AND NOT t.revoked AND u.is_active ORDER BY t.id LIMIT 1",
        [_digest(token)],
    )
    if row is None:
        return None
    user: Any = user_model.from_db(connection.alias, fields, row[: len(fields)])
    token_id, used = row[len(fields) :]
    now = timezone.now()
    if isinstance(used, str):  # SQLite hands extra columns of a raw query back as text …
        used = datetime.datetime.fromisoformat(used)
    if used is not None and timezone.is_naive(used):  # … in UTC without the zone
        used = timezone.make_aware(used, datetime.UTC)
    if used is None or (now - used).total_seconds() > 300:
        _stamp_token_use(token_id, now)
    return user


def _stamp_token_use(token_id: int, now: datetime.datetime) -> None:
    """Best effort: a token's last use is a convenience, so the API call it authenticates must
    not wait for it. On SQLite, while an import's commit holds the main file, the stamp is
    skipped at once instead of waiting (10 s) for the lock; the next call stamps it."""
    from django.db import OperationalError

    if connection.vendor != "sqlite" or connection.in_atomic_block:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 0")
        try:
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        except OperationalError:
            pass  # the main file is being written; the stamp waits for another call
        finally:
            cursor.execute("PRAGMA busy_timeout = 10000")
