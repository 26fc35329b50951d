"""The demo accounts, their roles and the marker of a built demo (access's part of `wangge demo`).

Five accounts, one per role (district admin, street, community, grid worker, police handler),
all with the public demo password; whether a demo is present is read from the audit log: the
build writes one ``import`` / ``demo`` entry with its size and seed in the same transaction as
the data. Unlike a marker file in the data directory it lives in the same database (also when
``WANGGE_DATABASE_URL`` points to PostgreSQL), it cannot disagree with the data after a
rolled-back build, and the hash chain makes it tamper-evident.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q

from wangge.access import audit
from wangge.access.models import AuditEntry, Role, RoleAssignment
from wangge.access.services import REVEAL_GROUP, assign_role
from wangge.core.demo import (
    DEMO_PASSWORD,
    DISTRICT_CODE,
    STREET_CODE,
    DemoAccount,
    DemoContext,
    DemoExists,
)
from wangge.geo.models import Region, StaffAssignment, StaffPost

STAGE = "演示账号"

# username, role, region code (None → first grid / first community), department, is_staff
_ACCOUNTS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("admin", Role.DISTRICT_ADMIN, DISTRICT_CODE, "", True),
    ("street", Role.STREET_OFFICER, STREET_CODE, "", False),
    ("community", Role.COMMUNITY_OFFICER, f"{STREET_CODE}001", "", False),
    ("grid", Role.GRID_WORKER, f"{STREET_CODE}001001", "", False),
    ("police", Role.DEPARTMENT_HANDLER, STREET_CODE, "派出所", False),
)
DEMO_USERNAMES = tuple(account[0] for account in _ACCOUNTS)
# The names the pages show for them (a case's handler, a task's assignee, an import's uploader):
# staff are called by name, the login is only what they type.
_DEMO_NAMES = {
    "admin": "赵敏",
    "street": "钱伟",
    "community": "孙丽",
    "grid": "李强",
    "police": "周军",
}
# Demo accounts carry this address (.invalid is reserved, RFC 2606), so a rebuild can tell its own
# "admin" from a real administrator who happens to have that name.
DEMO_EMAIL_DOMAIN = "demo.wangge.invalid"
# Apps whose data the demo admin may edit in the Django admin; users, roles and the audit log it
# may only look at there. With auth.change_user an is_staff account could tick its own
# "superuser" box and escape the role scoping the demo exists to show; roles are granted through
# access.services.assign_role, which is audited.
_ADMIN_APPS = ("geo", "addresses", "people")
_ADMIN_VIEW_ONLY_APPS = ("access", "audit", "auth")


def marker() -> dict[str, Any] | None:
    """Size and seed of the demo currently in the database, from its audit entry."""
    entry = (
        AuditEntry.objects.filter(
            action=audit.AuditAction.IMPORT, object_type="demo", object_id=DISTRICT_CODE
        )
        .order_by("-pk")
        .first()
    )
    if entry is None or not isinstance(entry.detail, dict):
        return None
    return entry.detail


def record_built(size: int, seed: int, counts: dict[str, int]) -> None:
    """The marker: written in the build's transaction, so it exists exactly when the data does."""
    audit.record(
        None,
        audit.AuditAction.IMPORT,
        "demo",
        DISTRICT_CODE,
        channel="cli",
        detail={"size": size, "seed": seed, "counts": counts},
    )


def accounts() -> tuple[DemoAccount, ...]:
    names = dict(
        Region.objects.filter(code__in=[a[2] for a in _ACCOUNTS]).values_list("code", "name")
    )
    labels = dict(Role.choices)
    return tuple(
        DemoAccount(
            username, DEMO_PASSWORD, role, str(labels[role]) + (f"（{dept}）" if dept else ""),
            code, names.get(code, code),
        )
        for username, role, code, dept, _ in _ACCOUNTS
    )  # fmt: skip


def check(context: DemoContext) -> None:
    """Refuse to take over a real account that is called admin, street, community, grid or police.

    Otherwise a server whose administrator happens to be "admin" would get the public demo
    password. Accounts the demo made earlier (marked by their e-mail domain, or holding a role in
    the demo district from before the marker existed) are reused.
    """
    foreign = [
        user.get_username()
        for user in get_user_model().objects.filter(username__in=DEMO_USERNAMES)
        if user.email != f"{user.get_username()}@{DEMO_EMAIL_DOMAIN}"
        and not RoleAssignment.objects.filter(
            user=user, region__code__startswith=DISTRICT_CODE
        ).exists()
    ]
    if foreign:
        raise DemoExists(
            f"用户名 {'、'.join(sorted(foreign))} 已被非演示账号占用；"
            "为免改动其密码和权限，请先给这些账号改名，再生成演示数据"
        )


def contribute(context: DemoContext) -> dict[str, int]:
    """The accounts and their roles, once the regions and posts are there."""
    codes = [account[2] for account in _ACCOUNTS]
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
    _make_users(regions)
    return {}


def counts() -> dict[str, int]:
    return {}


def _make_users(regions: dict[str, Region]) -> None:
    user_model = get_user_model()
    for username, role, code, department, is_staff in _ACCOUNTS:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model(username=username)
        user.email = f"{username}@{DEMO_EMAIL_DOMAIN}"
        user.first_name, user.last_name = _DEMO_NAMES[username], ""
        user.is_staff = is_staff
        user.is_superuser = False  # a superuser would see everything: no scoping to show
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        assign_role(None, user, role, regions[code], department=department)
        if username == "admin":
            # is_staff opens the Django admin; these let it show the registry there.
            user.user_permissions.set(
                Permission.objects.filter(
                    Q(content_type__app_label__in=_ADMIN_APPS)
                    | Q(
                        content_type__app_label__in=_ADMIN_VIEW_ONLY_APPS,
                        codename__startswith="view_",
                    )
                )
            )
        if username == "grid":
            worker = (
                StaffAssignment.objects.filter(region=regions[code], post=StaffPost.GRID_WORKER)
                .order_by("pk")
                .first()
            )
            if worker is not None:
                worker.user = user
                worker.save(update_fields=["user"])


def remove(district_code: str) -> None:
    """Demo user accounts are kept and only lose their roles and permissions: accounts named in
    the audit log are deactivated, never deleted."""
    RoleAssignment.objects.filter(
        Q(region__code__startswith=district_code) | Q(user__username__in=DEMO_USERNAMES)
    ).delete()
    for user in get_user_model().objects.filter(username__in=DEMO_USERNAMES):
        user.groups.remove(*user.groups.filter(name=REVEAL_GROUP))
        user.user_permissions.clear()
