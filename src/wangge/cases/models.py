"""Cases (接诉即办): categories, departments, the responsibility table, cases and their timeline.

A case carries the most specific region it is known to lie in (`region`: grid, else community,
else street) plus denormalised street/community/grid keys, so both the scoped list (one
`region_id IN (…)` filter) and the per-level metrics (one GROUP BY) stay single indexed passes
at a million rows. Every state change goes through `wangge.cases.services` and bumps `version`
(optimistic locking); every step is also kept as a `CaseEvent`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.access.fields import (
    BlindIndexField,
    EncryptedTextField,
    RedactedCharField,
    RedactedJSONField,
    RedactedTextField,
)
from wangge.access.masking import mask_phone
from wangge.geo.models import Region, StaffPost


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("部件")
    EVENT = "event", _("事件")
    COMPLAINT = "complaint", _("诉求")


class Category(models.Model):
    """GB/T 30428.2 major/minor classes plus the hotline's complaint types; admins edit it."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True, default="")
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("大类"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=CategoryKind.choices)
    source = models.CharField(_("来源"), max_length=50, blank=True, default="")
    department = models.CharField(_("默认责任部门"), max_length=100, blank=True, default="")
    response_hours = models.PositiveIntegerField(_("签收时限（小时）"), default=2)
    handle_working_days = models.PositiveIntegerField(_("办理时限（工作日）"), default=5)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("案件类别")
        verbose_name_plural = _("案件类别")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Department(models.Model):
    """A responsible unit (城管, 住建, 派出所, 物业…), optionally limited to one region subtree."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="departments",
        verbose_name=_("服务区域"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class DepartmentMembership(models.Model):
    """Binds a handler (部门承办人) to a department: they see and act on its cases."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="department_memberships"
    )
    department = models.ForeignKey(Department, models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="department_member_unique")
        ]
        verbose_name = _("部门成员")
        verbose_name_plural = _("部门成员")

    def __str__(self) -> str:
        return f"{self.user} @ {self.department}"


class Responsibility(models.Model):
    """定人定岗定责: in this region (and below), cases of this category go to this department.

    An empty category is the region's fallback for every category. The most specific rule wins:
    deepest region first, then the category itself, its major class, then the fallback.
    """

    region = models.ForeignKey(
        Region, models.CASCADE, related_name="case_responsibilities", verbose_name=_("区域")
    )
    category = models.ForeignKey(
        Category, models.CASCADE, null=True, blank=True, verbose_name=_("类别")
    )
    department = models.ForeignKey(Department, models.CASCADE, verbose_name=_("责任部门"))
    post = models.CharField(_("岗位"), max_length=32, choices=StaffPost.choices, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region", "category"], name="responsibility_unique_region_category"
            )
        ]
        ordering = ["region__code", "category__code"]
        verbose_name = _("责任清单")
        verbose_name_plural = _("责任清单")

    def __str__(self) -> str:
        what = self.category.name if self.category else "全部类别"
        return f"{self.region.name} {what} → {self.department.name}"


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12345热线")
    GRID_WORKER = "grid_worker", _("网格员上报")
    RESIDENT_WEB = "resident_web", _("居民网上反映")
    OPEN311 = "open311", _("Open311")
    API = "api", _("系统接口")
    INSPECTION = "inspection", _("隐患排查移交")


class CaseStatus(models.TextChoices):
    """The loop 受理 → 派遣 → 处置 → 反馈 → 核查 → 结案 → 评价; only CLOSED is Open311 "closed"."""

    NEW = "new", _("待派遣")
    DISPATCHED = "dispatched", _("待签收")
    IN_PROGRESS = "in_progress", _("处置中")
    HANDLED = "handled", _("待核查")
    VERIFIED = "verified", _("待评价")
    CLOSED = "closed", _("已结案")


OPEN_STATUSES = (
    CaseStatus.NEW,
    CaseStatus.DISPATCHED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.HANDLED,
    CaseStatus.VERIFIED,
)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class HotlineBatch(models.Model):
    """One imported work-order file: all rows stored or none."""

    file_name = models.CharField(_("文件名"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    case_count = models.PositiveIntegerField(_("工单数"), default=0)
    dispatched_count = models.PositiveIntegerField(_("自动派遣数"), default=0)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("热线工单批次")
        verbose_name_plural = _("热线工单批次")

    def __str__(self) -> str:
        return f"{self.file_name}（{self.case_count}）"


class CaseCounter(models.Model):
    """The last receipt number handed out on one day; bulk intake reserves a block at once."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day} {self.last}"


class ReferenceStamp(models.Model):
    """A random token renewed whenever regions, categories, departments or the responsibility
    table change, so every process knows when its in-memory copy of them is stale.

    Random rather than a counter: a rolled-back change restores the old token, which then again
    describes the data as it is.
    """

    key = models.CharField(max_length=32, primary_key=True)
    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"{self.key} {self.token}"


class Placement(models.TextChoices):
    """How a case found its place (cases.placement): the reporter's pin, the registry (a room,
    a door or building, a road), a region the report names, the reporter's own region, or a
    dispatcher. Empty: nothing told where (only district staff see it)."""

    POINT = "point", _("地图位置")
    ROOM = "room", _("标准地址（户室）")
    BUILDING = "building", _("标准地址（门牌/楼栋）")
    ROAD = "road", _("道路")
    NAMED = "named", _("所写区域")
    CHANNEL = "channel", _("上报人所在区域")
    MANUAL = "manual", _("人工定位")


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        from wangge.access.scoping import visible_to

        return visible_to(user, self)  # type: ignore[return-value]

    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Case(models.Model):
    number = models.CharField(_("受理编号"), max_length=20)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("外部工单号"), max_length=64, blank=True, default="")
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    title = RedactedCharField(_("标题"), max_length=200)
    description = RedactedTextField(_("诉求内容"), blank=True, default="")
    # The resident asked that the description not be published (Open311 GET leaves it out);
    # the category, status, department and times stay public.
    description_private = models.BooleanField(_("描述不公开"), default=False)
    # Answers to the category's questions (Open311 `attribute[code]`), kept with the question
    # and answer as they were worded then: {code: {"name": question, "value": key, "text": answer}}.
    attributes = RedactedJSONField(_("补充信息"), default=dict, blank=True)
    category = models.ForeignKey(
        Category,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("类别"),
        db_index=False,
    )
    address = RedactedCharField(_("地址"), max_length=255, blank=True, default="")
    # The registry room the address matched (cases.placement); '' when none did.
    address_code = models.CharField(_("标准地址编码"), max_length=64, blank=True, default="")
    placement = models.CharField(
        _("定位方式"), max_length=16, choices=Placement.choices, blank=True, default=""
    )
    # Why the case waits for a dispatcher to place it, or how its pin contradicts its
    # address (Chinese, shown on the case and in the 待定位 queue); '' when placed cleanly.
    location_note = RedactedCharField(_("定位说明"), max_length=300, blank=True, default="")
    location_conflict = models.BooleanField(_("位置与地址不符"), default=False)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属区域"),
        db_index=False,
    )
    street = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("街道"),
        db_index=False,
    )
    community = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
        db_index=False,
    )
    grid = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("网格"),
        db_index=False,
    )
    reporter_name = RedactedCharField(_("反映人"), max_length=50, blank=True, default="")
    reporter_phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    reporter_phone_index = BlindIndexField(
        source="reporter_phone", normalizer="wangge.people.identifiers.phone_key", db_index=False
    )
    reporter_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("承办部门"),
        db_index=False,
    )
    post = models.CharField(_("岗位"), max_length=32, choices=StaffPost.choices, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办人"),
        db_index=False,
    )
    batch = models.ForeignKey(
        HotlineBatch,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        db_index=False,
    )
    created_at = models.DateTimeField(_("受理时间"), db_index=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    sign_deadline = models.DateTimeField(_("签收时限"), null=True, blank=True)
    handle_deadline = models.DateTimeField(_("办结时限"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处置时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    result = RedactedTextField(_("处置结果"), blank=True, default="")
    rating = models.CharField(_("评价"), max_length=24, choices=Rating.choices, blank=True)
    rating_comment = RedactedCharField(_("评价意见"), max_length=500, blank=True, default="")
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    rating_token = models.CharField(max_length=32, blank=True, default="")
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        # Every index costs each intake row; these are the ones queries use. Foreign keys get no
        # index of their own where a listing index starts with them (category, region,
        # department) or where only a rare delete of the referenced row would scan (street,
        # community, grid, batch); keys that are empty at intake get partial indexes, which
        # intake rows never enter. No varchar_pattern_ops twins: nothing LIKE-searches these.
        indexes = [
            models.Index(fields=["rating_token"], name="case_rating_token"),
            models.Index(fields=["reporter_phone_index"], name="case_reporter_phone_index"),
            models.Index(
                fields=["reporter_user"],
                name="case_reporter_user",
                condition=models.Q(reporter_user__isnull=False),
            ),
            models.Index(
                fields=["handler"], name="case_handler", condition=models.Q(handler__isnull=False)
            ),
            models.Index(fields=["region", "status", "created_at"], name="case_region_status"),
            models.Index(fields=["status", "created_at"], name="case_status_created"),
            models.Index(fields=["category", "created_at"], name="case_category_created"),
            models.Index(fields=["department", "status"], name="case_department_status"),
            models.Index(fields=["status", "handle_deadline"], name="case_status_deadline"),
            # the 待定位 queue: cases without a grid, or whose pin contradicts the address
            models.Index(
                fields=["region", "created_at"],
                name="case_to_place",
                condition=models.Q(grid__isnull=True) | models.Q(location_conflict=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="case_number_unique"),
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="case_unique_external_id",
            ),
        ]
        verbose_name = _("案件")
        verbose_name_plural = _("案件")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED

    @property
    def reporter_phone_masked(self) -> str:
        return mask_phone(self.reporter_phone) if self.reporter_phone else ""


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("受理")
    DISPATCHED = "dispatched", _("派遣")
    TRANSFERRED = "transferred", _("转派")
    RETURNED = "returned", _("退单")
    SIGNED_IN = "signed_in", _("签收")
    HANDLED = "handled", _("处置反馈")
    VERIFIED = "verified", _("核查通过")
    VERIFICATION_FAILED = "verification_failed", _("核查未通过")
    RATED = "rated", _("评价")
    CLOSED = "closed", _("结案")
    REOPENED = "reopened", _("重新办理")
    REMINDED = "reminded", _("到期提醒")
    ESCALATED = "escalated", _("超期督办")
    PLACED = "placed", _("定位")
    COMMENTED = "commented", _("补充反映")


class CaseEvent(models.Model):
    """One step of a case's timeline; never edited, never deleted."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("环节"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True, default="")
    channel = models.CharField(_("渠道"), max_length=16, blank=True, default="")
    from_status = models.CharField(max_length=16, blank=True, default="")
    to_status = models.CharField(max_length=16, blank=True, default="")
    department = models.ForeignKey(
        Department, models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    note = RedactedTextField(_("说明"), blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        # (case, at) also serves the cascade from a case; actor and department are set on some
        # events only and are looked up only when a user or department is deleted.
        indexes = [
            models.Index(fields=["case", "at"], name="case_event_case_at"),
            # the Open311 update feed reads steps by time across cases
            models.Index(fields=["at"], name="case_event_at"),
            models.Index(
                fields=["actor"], name="case_event_actor", condition=models.Q(actor__isnull=False)
            ),
            models.Index(
                fields=["department"],
                name="case_event_department",
                condition=models.Q(department__isnull=False),
            ),
        ]
        verbose_name = _("案件环节")
        verbose_name_plural = _("案件环节")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class PhotoStage(models.TextChoices):
    REPORT = "report", _("上报")
    HANDLING = "handling", _("处置")
    VERIFICATION = "verification", _("核查")


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        CaseEvent, models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    stage = models.CharField(_("环节"), max_length=16, choices=PhotoStage.choices)
    image = models.FileField(_("照片"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=50, default="image/jpeg")
    # Shown to everyone (Open311 media_url): only photos a resident sent with a report through a
    # public channel that told them so, and that they did not ask to keep private. Photos
    # uploaded before residents were told stay False.
    public = models.BooleanField(_("公开"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("案件照片")
        verbose_name_plural = _("案件照片")

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.pk}"
