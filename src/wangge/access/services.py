"""Users, roles and API tokens. Role changes are audited like any other change."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from wangge.access import audit
from wangge.access.crypto import sm3_hex
from wangge.access.models import ApiToken, Role, RoleAssignment
from wangge.access.scoping import forget_scope, require_district_admin
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
    require_district_admin(actor, "管理用户和角色")
    if role not in ROLE_LEVELS:
        raise ServiceError(f"未知角色：{role}")
    if region.level not in ROLE_LEVELS[role]:
        allowed = "、".join(str(RegionLevel(level).label) for level in ROLE_LEVELS[role])
        raise ServiceError(
            f"角色“{Role(role).label}”只能授权到{allowed}，不能授权到{region.get_level_display()}"
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
        require_district_admin(actor, "为其他用户生成API令牌")
    token = "wg_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=token[:8], digest=_digest(token))
    audit.record(actor, audit.AuditAction.CREATE, "api_token", user.pk, detail={"name": name})
    return token


def user_for_token(token: str) -> Any | None:
    if not token or not token.startswith("wg_"):
        return None
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked=False, user__is_active=True)
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.user
