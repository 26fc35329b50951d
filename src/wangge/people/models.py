"""Persons, households and residences: the household file (一户一档).

A person's current grid and household are denormalised onto the person row so that the scoped
query every view goes through (`visible_to`) is one indexed filter even at 500k residents.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.access.fields import (
    BlindIndexField,
    EncryptedTextField,
    RedactedCharField,
    RedactedTextField,
)
from wangge.access.masking import mask_id_number, mask_phone
from wangge.addresses.models import GridScopedQuerySet, Room
from wangge.core.hidden import PublishedManager
from wangge.geo.models import Region


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("户籍")
    FLOATING = "floating", _("流动")
    OVERSEAS = "overseas", _("境外")


class Gender(models.TextChoices):
    MALE = "男", _("男")
    FEMALE = "女", _("女")


class Tag(models.Model):
    """A special group (独居老人, 残疾人, 低保…) the community looks after."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    description = models.TextField(_("说明"), blank=True, default="")

    class Meta:
        ordering = ["code"]
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    id_number = EncryptedTextField(_("身份证号码"), blank=True, default="")
    id_number_index = BlindIndexField(
        source="id_number", normalizer="wangge.people.identifiers.id_number_key"
    )
    gender = models.CharField(_("性别"), max_length=2, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    phone_index = BlindIndexField(source="phone", normalizer="wangge.people.identifiers.phone_key")
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True, default="")
    registered_residence = models.CharField(_("户籍地"), max_length=200, blank=True, default="")
    residence_type = models.CharField(
        _("人口类型"),
        max_length=16,
        choices=ResidenceType.choices,
        default=ResidenceType.REGISTERED,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="persons", verbose_name=_("标签"))
    grid = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="persons",
        verbose_name=_("网格"),
        # person_grid_name and person_grid_type start with the grid: a third index on it alone
        # served no query and cost every import one more index to write
        db_index=False,
    )
    household = models.ForeignKey(
        "Household",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="current_members",
        verbose_name=_("现住户"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # rows of an import still being committed are left out (core.hidden)
    objects = PublishedManager.from_queryset(GridScopedQuerySet)()

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["grid", "name"], name="person_grid_name"),
            # region statistics count residents per grid and type from this index alone
            models.Index(fields=["grid", "residence_type"], name="person_grid_type"),
        ]
        permissions = [
            ("reveal_identifiers", "可查看完整身份证号和电话"),
        ]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    def age(self, today: datetime.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        today = today or datetime.date.today()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


class Household(models.Model):
    room = models.ForeignKey(
        Room,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("户室"),
    )
    grid = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("网格"),
    )
    head = models.ForeignKey(
        Person, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("户主")
    )
    is_rental = models.BooleanField(_("租住户"), default=False)
    note = RedactedTextField(_("备注"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # rows of an import still being committed are left out (core.hidden)
    objects = PublishedManager.from_queryset(GridScopedQuerySet)()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("户")
        verbose_name_plural = _("户")

    def __str__(self) -> str:
        head = self.head.name if self.head_id and self.head else "—"
        return f"{head}户"


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    TENANT = "tenant", _("租户")
    OTHER = "other", _("其他")


class Residence(models.Model):
    """A person living in a household over a period; ended residences are the file's history."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="residences")
    # residence_household_until serves every lookup by household (not a second index)
    household = models.ForeignKey(
        Household, models.CASCADE, related_name="residences", db_index=False
    )
    relation = models.CharField(
        _("与户主关系"), max_length=16, choices=Relation.choices, default=Relation.OTHER
    )
    since = models.DateField(_("起始日期"), null=True, blank=True)
    until = models.DateField(_("终止日期"), null=True, blank=True)
    note = RedactedCharField(_("说明"), max_length=200, blank=True, default="")

    objects = PublishedManager()

    class Meta:
        ordering = ["household", "until", "since"]
        indexes = [models.Index(fields=["household", "until"], name="residence_household_until")]
        verbose_name = _("居住关系")
        verbose_name_plural = _("居住关系")

    def __str__(self) -> str:
        return f"{self.person} @ {self.household}"

    @property
    def is_current(self) -> bool:
        return self.until is None
