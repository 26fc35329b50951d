"""Places (场所), hazards (隐患) and rectification notices (整改通知书).

A place sits at a registry address and in a grid; its hazards and notices copy that grid so
that the one scoping rule (`access.scoping.InGrid`) is an indexed filter on each table, also at
a million hazards. Notice numbers are handed to inspectors in blocks (`NumberBlock`) so a notice
can be numbered on a phone without a connection and still never clash with another's.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.access.fields import BlindIndexField, EncryptedTextField, RedactedTextField
from wangge.access.masking import mask_phone
from wangge.addresses.models import Building, GridScopedQuerySet, Room
from wangge.geo.models import Region


class PlaceKind(models.TextChoices):
    RENTAL_SITE = "rental_site", _("规模性租赁场所")
    COMPOUND = "compound", _("居民小区")
    ENTERPRISE = "enterprise", _("企业")
    SHOP = "shop", _("商铺市场")
    CHARGING = "charging", _("充电桩及储能站")
    POWER_ROOM = "power_room", _("配电室")
    GARAGE = "garage", _("地下车库")
    CONSTRUCTION = "construction", _("建筑工地")
    BUNGALOW = "bungalow", _("危旧平房")
    CIVIL_DEFENCE = "civil_defence", _("人防工程")


class Place(models.Model):
    name = models.CharField(_("场所名称"), max_length=100)
    kind = models.CharField(_("场所类型"), max_length=16, choices=PlaceKind.choices)
    building = models.ForeignKey(
        Building,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="places",
        verbose_name=_("楼栋"),
    )
    room = models.ForeignKey(
        Room,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="places",
        verbose_name=_("户室"),
    )
    address = models.CharField(_("地址"), max_length=200, blank=True, default="")
    grid = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="places",
        verbose_name=_("网格"),
    )
    responsible_person = models.CharField(_("负责人"), max_length=50, blank=True, default="")
    responsible_phone = EncryptedTextField(_("负责人电话"), blank=True, default="")
    responsible_phone_index = BlindIndexField(
        source="responsible_phone", normalizer="wangge.people.identifiers.phone_key"
    )
    department = models.ForeignKey(
        "cases.Department",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="places",
        verbose_name=_("主管部门"),
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    note = RedactedTextField(_("备注"), blank=True, default="")
    last_checked_at = models.DateTimeField(_("最近检查"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["name", "address"], name="place_unique_name_address")
        ]
        indexes = [models.Index(fields=["grid", "kind"], name="place_grid_kind")]
        verbose_name = _("场所")
        verbose_name_plural = _("场所")

    def __str__(self) -> str:
        return self.name

    @property
    def responsible_phone_masked(self) -> str:
        return mask_phone(self.responsible_phone) if self.responsible_phone else ""


class HazardCategory(models.TextChoices):
    PARTITION = "partition", _("违规隔断")
    CLUTTER = "clutter", _("楼道堆物")
    FIRE_LANE = "fire_lane", _("占用消防通道")
    FIRE_EQUIPMENT = "fire_equipment", _("消防设施缺损")
    EBIKE_CHARGING = "ebike_charging", _("电动车入户充电")
    AGEING_WIRING = "ageing_wiring", _("电线老化私拉乱接")
    WATERLOGGING = "waterlogging", _("积水内涝")
    STRUCTURE = "structure", _("房屋结构安全")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    SERIOUS = "serious", _("重大隐患")


class HazardStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    NOTICE_ISSUED = "notice_issued", _("已下达通知")
    RECTIFIED = "rectified", _("已整改")


class Hazard(models.Model):
    place = models.ForeignKey(Place, models.PROTECT, related_name="hazards", verbose_name=_("场所"))
    grid = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("网格"),
    )
    category = models.CharField(_("隐患类别"), max_length=16, choices=HazardCategory.choices)
    severity = models.CharField(
        _("隐患等级"), max_length=8, choices=Severity.choices, default=Severity.GENERAL
    )
    description = RedactedTextField(_("隐患描述"), blank=True, default="")
    status = models.CharField(
        _("状态"), max_length=16, choices=HazardStatus.choices, default=HazardStatus.OPEN
    )
    found_at = models.DateTimeField(_("发现时间"))
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notice = models.ForeignKey(
        "Notice",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="hazards",
        verbose_name=_("整改通知书"),
    )
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-found_at", "-pk"]
        indexes = [
            # the ledger: a region's grids, newest first, optionally one status or category
            models.Index(fields=["grid", "found_at"], name="hazard_grid_found"),
            # a street's or the district's ledger: walked newest first, filtered on the way,
            # stops after one page (sorting a street's 200 grids' rows took seconds at 1M)
            models.Index(fields=["found_at", "id"], name="hazard_found"),
            models.Index(fields=["grid", "status", "found_at"], name="hazard_grid_status"),
            models.Index(fields=["grid", "category", "found_at"], name="hazard_grid_category"),
            # a street's or the district's ledger filtered by status (and period), or by
            # category and status: the rows of the filter lie together in keyset order, so a
            # page seeks straight to its cursor and the capped count reads the index alone
            # (grid_id carried for the scope; PostgreSQL, other databases index the keys only)
            models.Index(
                fields=["status", "found_at", "id"], include=["grid"], name="hazard_status_found"
            ),
            models.Index(
                fields=["category", "status", "found_at", "id"],
                include=["grid"],
                name="hazard_category_status",
            ),
        ]
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")

    def __str__(self) -> str:
        return f"{self.place} {HazardCategory(self.category).label}"


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("整改前")
    AFTER = "after", _("整改后")


class HazardPhoto(models.Model):
    """A photo kept as SM4-GCM ciphertext (`data`): a hazard photo shows people's homes."""

    hazard = models.ForeignKey(Hazard, models.CASCADE, related_name="photos")
    stage = models.CharField(_("环节"), max_length=8, choices=PhotoStage.choices)
    data = models.BinaryField(editable=False)
    content_type = models.CharField(max_length=50, default="image/jpeg")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("隐患照片")
        verbose_name_plural = _("隐患照片")

    def __str__(self) -> str:
        return f"{self.stage} {self.pk}"


class IssuingUnit(models.Model):
    """Who signs notices (a street's fire-safety office…): its word prefix, e.g. 京广消字."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("文号字头"), max_length=20)
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="issuing_units", verbose_name=_("所属区域")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("发文单位")
        verbose_name_plural = _("发文单位")

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}）"


class SerialCounter(models.Model):
    """The highest serial handed out for one unit and year (bumped by one UPDATE … + n, which
    both SQLite and PostgreSQL run atomically, so two reservations never overlap)."""

    unit = models.ForeignKey(IssuingUnit, models.CASCADE, related_name="counters")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="serial_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.last}"


class NumberBlock(models.Model):
    """Serials `first`..`last` of one year, reserved to one inspector ahead of time."""

    unit = models.ForeignKey(IssuingUnit, models.CASCADE, related_name="blocks")
    year = models.PositiveSmallIntegerField()
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notice_blocks"
    )
    first = models.PositiveIntegerField()
    last = models.PositiveIntegerField()
    reserved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["unit", "year", "first"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "first"], name="block_unique_first")
        ]
        verbose_name = _("预留文号段")
        verbose_name_plural = _("预留文号段")

    def __str__(self) -> str:
        return f"{self.unit.prefix} {self.year} {self.first}-{self.last}"


class NoticeKind(models.TextChoices):
    IMMEDIATE = "immediate", _("责令立即改正通知书")
    DEADLINE = "deadline", _("责令限期改正通知书")


class Notice(models.Model):
    number = models.CharField(_("文号"), max_length=60, unique=True)
    unit = models.ForeignKey(IssuingUnit, models.PROTECT, related_name="notices")
    year = models.PositiveSmallIntegerField()
    serial = models.PositiveIntegerField()
    block = models.ForeignKey(NumberBlock, models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=16, choices=NoticeKind.choices)
    place = models.ForeignKey(Place, models.PROTECT, related_name="notices", verbose_name=_("场所"))
    grid = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("网格"),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("下达时间"))
    deadline_days = models.PositiveSmallIntegerField(_("整改期限（工作日）"), null=True, blank=True)
    deadline = models.DateTimeField(_("整改期限"), null=True, blank=True)
    # A phone issuing offline names each notice, so a retried sync does not issue it twice.
    client_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    signed_photo = models.BinaryField(null=True, blank=True, editable=False)
    signed_content_type = models.CharField(max_length=50, blank=True, default="")
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "serial"], name="notice_unique_serial")
        ]
        indexes = [models.Index(fields=["grid", "issued_at"], name="notice_grid_issued")]
        verbose_name = _("整改通知书")
        verbose_name_plural = _("整改通知书")

    def __str__(self) -> str:
        return self.number


def notice_number(prefix: str, year: int, serial: int) -> str:
    """The official style: 京广消字〔2026〕第0042号 (hexagonal brackets, four digits at least)."""
    return f"{prefix}〔{year}〕第{serial:04d}号"


class Campaign(models.Model):
    """A special inspection (专项检查: 三清四查, 充电设施安全检查, 汛前排查): which kinds of place
    in which street, with which checklist, over which period, by which joint team. Starting it
    puts one inspection task per place on the workbench (`campaigns.start_campaign`)."""

    name = models.CharField(_("名称"), max_length=100)
    place_kinds: Any = models.JSONField(_("场所类型"), default=list)
    checklist = models.CharField(_("检查表"), max_length=64)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="campaigns", verbose_name=_("组织街道")
    )
    night_check = models.BooleanField(_("夜查"), default=False)
    note = models.TextField(_("说明"), blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("启动时间"), null=True, blank=True)

    objects: ClassVar[models.Manager[Campaign]] = models.Manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("专项检查")
        verbose_name_plural = _("专项检查")

    def __str__(self) -> str:
        return self.name


class CampaignMember(models.Model):
    """One member of the joint team (联合检查组) and the department or unit they represent."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("成员")
    )
    department = models.ForeignKey(
        "cases.Department",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("部门"),
    )
    unit = models.CharField(_("所代表单位"), max_length=100, blank=True, default="")

    objects: ClassVar[models.Manager[CampaignMember]] = models.Manager()

    class Meta:
        ordering = ["campaign", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="campaign_member_unique")
        ]
        verbose_name = _("联合检查组成员")
        verbose_name_plural = _("联合检查组成员")

    def __str__(self) -> str:
        return f"{self.user} {self.unit}"


class CampaignCheck(models.Model):
    """One place of a campaign and its inspection task: what makes starting a campaign twice
    idempotent, and what the campaign's progress and `/api/inspections` read (the grid copied
    from the place so the one scoping rule is an indexed filter)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="checks")
    place = models.ForeignKey(Place, models.CASCADE, related_name="checks")
    grid = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("网格")
    )
    task = models.OneToOneField(
        "tasks.Task", models.CASCADE, related_name="campaign_check", verbose_name=_("任务")
    )
    hazards_found = models.PositiveIntegerField(_("发现隐患"), default=0)

    objects: ClassVar[Any] = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "place"], name="campaign_check_unique")
        ]
        indexes = [models.Index(fields=["grid", "campaign"], name="campaign_check_grid")]
        verbose_name = _("专项检查任务")
        verbose_name_plural = _("专项检查任务")

    def __str__(self) -> str:
        return f"{self.campaign} {self.place}"
