"""Regions: the district → street → community → grid tree, and the staff posted to each."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wangge.access.fields import BlindIndexField, EncryptedTextField


class RegionLevel(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")


LEVEL_DEPTH = {
    RegionLevel.DISTRICT: 0,
    RegionLevel.STREET: 1,
    RegionLevel.COMMUNITY: 2,
    RegionLevel.GRID: 3,
}


class RegionQuerySet(models.QuerySet["Region"]):
    def subtree(self, *codes: str) -> RegionQuerySet:
        """The regions under any of `codes`, themselves included (none for no codes).

        Codes extend their parent's code (GB/T 2260 then local digits), so a subtree is a prefix.
        """
        query = models.Q(pk__in=[])
        for code in codes:
            query |= models.Q(code__startswith=code)
        return self.filter(query)

    def visible_to(self, user: Any) -> RegionQuerySet:
        from wangge.access.scoping import scope_for

        scope = scope_for(user)
        if scope.unrestricted:
            return self.all()
        return self.subtree(*scope.root_codes)


class Region(models.Model):
    code = models.CharField(_("编码"), max_length=24, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children"
    )
    # GeoJSON geometry (WGS-84 lon/lat) as text: portable across SQLite and PostgreSQL without
    # SpatiaLite/PostGIS; point-in-polygon work runs in Shapely (geo.pointindex).
    boundary = models.TextField(_("边界"), blank=True, default="")
    centroid_lon = models.FloatField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("区域")
        verbose_name_plural = _("区域")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def boundary_geojson(self) -> dict[str, Any] | None:
        return json.loads(self.boundary) if self.boundary else None

    def ancestors(self) -> list[Region]:
        chain: list[Region] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class StaffPost(models.TextChoices):
    GRID_LEADER = "grid_leader", _("网格长")
    GRID_WORKER = "grid_worker", _("网格员")
    POLICE = "police", _("片警")
    DOCTOR = "doctor", _("片医")
    URBAN_MANAGEMENT = "urban_management", _("城管")
    PROPERTY = "property", _("物业")
    BUILDING_LEADER = "building_leader", _("楼栋长")
    VOLUNTEER = "volunteer", _("志愿者")


class StaffAssignment(models.Model):
    """定人定岗定责: who holds which post in which region, and what they answer for."""

    region = models.ForeignKey(Region, models.CASCADE, related_name="staff")
    post = models.CharField(_("岗位"), max_length=32, choices=StaffPost.choices)
    name = models.CharField(_("姓名"), max_length=50)
    department = models.CharField(_("所属单位"), max_length=100, blank=True, default="")
    phone = EncryptedTextField(_("联系电话"), blank=True, default="")
    phone_index = BlindIndexField(source="phone", normalizer="wangge.people.identifiers.phone_key")
    duties = models.TextField(_("职责"), blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_posts",
    )

    class Meta:
        ordering = ["region__code", "post", "name"]
        verbose_name = _("岗位人员")
        verbose_name_plural = _("岗位人员")

    def __str__(self) -> str:
        return f"{self.region.name} {self.get_post_display()} {self.name}"
