"""The standard address registry: buildings, their units and rooms, each placed in a grid."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.geo.models import Region


class GridScopedQuerySet(models.QuerySet[Any]):
    """Rows reachable by a user are those whose grid lies in the user's region subtree; the
    rule is the model's policy in `access.scoping` (one for reads and writes)."""

    def visible_to(self, user: Any) -> Any:
        from wangge.access.scoping import visible_to

        return visible_to(user, self)

    def changeable_by(self, user: Any) -> Any:
        """The rows the user may change (grid workers and offices; not department handlers)."""
        from wangge.access.scoping import Right, visible_to

        return visible_to(user, self, Right.CHANGE)


class BuildingKind(models.TextChoices):
    APARTMENT = "apartment", _("楼房")
    COURTYARD = "courtyard", _("平房院落")


class Building(models.Model):
    community = models.ForeignKey(
        Region, models.PROTECT, related_name="community_buildings", verbose_name=_("社区")
    )
    grid = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="grid_buildings",
        verbose_name=_("网格"),
    )
    road = models.CharField(_("街路巷"), max_length=100)
    number = models.CharField(_("门牌号"), max_length=30)
    name = models.CharField(_("楼栋号"), max_length=50, blank=True, default="")
    kind = models.CharField(
        _("类型"), max_length=16, choices=BuildingKind.choices, default=BuildingKind.APARTMENT
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["road", "number", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "road", "number", "name"], name="building_unique_address"
            )
        ]
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        building = f"{self.name}号楼" if self.name and self.name.isdigit() else self.name
        return f"{self.road}{self.number}号{building}"


class Unit(models.Model):
    building = models.ForeignKey(Building, models.CASCADE, related_name="units")
    name = models.CharField(_("单元号"), max_length=20)

    class Meta:
        ordering = ["building", "name"]
        constraints = [
            models.UniqueConstraint(fields=["building", "name"], name="unit_unique_name")
        ]
        verbose_name = _("单元")
        verbose_name_plural = _("单元")

    def __str__(self) -> str:
        return f"{self.name}单元"


class RoomUse(models.TextChoices):
    OWNER_OCCUPIED = "owner_occupied", _("自住")
    RENTED = "rented", _("出租")
    VACANT = "vacant", _("空置")
    COMMERCIAL = "commercial", _("商用")
    OTHER = "other", _("其他")


class Room(models.Model):
    address_code = models.CharField(_("地址编码"), max_length=64, unique=True)
    building = models.ForeignKey(Building, models.CASCADE, related_name="rooms")
    unit = models.ForeignKey(Unit, models.CASCADE, null=True, blank=True, related_name="rooms")
    name = models.CharField(_("户室号"), max_length=30)
    use = models.CharField(
        _("用途"), max_length=16, choices=RoomUse.choices, default=RoomUse.OWNER_OCCUPIED
    )
    grid = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="rooms", verbose_name=_("网格")
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)

    objects = GridScopedQuerySet.as_manager()

    class Meta:
        ordering = ["building", "unit__name", "name"]
        verbose_name = _("户室")
        verbose_name_plural = _("户室")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        unit = f"{self.unit.name}单元" if self.unit_id and self.unit else ""
        # 301 → 301室 (the written form); names such as 东3 stay as they are.
        room = f"{self.name}室" if self.name.isdigit() else self.name
        return f"{self.building.label}{unit}{room}"
