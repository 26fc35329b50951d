from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.cases.models import Category
from wangge.geo.coords import TILE_CRS, to_wgs84


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        prefix = "　" if obj.parent_id else ""
        return f"{prefix}{obj.name}"


def stored_position(data: dict[str, Any]) -> None:
    """Turn a position picked on the map (in the tiles' frame, named by the hidden `crs`
    field) into the WGS-84 the platform stores (geo/coords.py), in place."""
    lon, lat = data.get("lon"), data.get("lat")
    crs = data.get("crs") or "wgs84"
    if lon is not None and lat is not None and crs != "wgs84":
        data["lon"], data["lat"] = to_wgs84(lon, lat, crs)
    data["crs"] = "wgs84"


class PositionCrs(forms.ChoiceField):
    """The frame of a picked position: the tiles' (WANGGE_TILE_CRS), or WGS-84 if absent."""

    def __init__(self) -> None:
        super().__init__(
            choices=[(crs, crs) for crs in TILE_CRS],
            required=False,
            widget=forms.HiddenInput,
            error_messages={"invalid_choice": _("坐标系“%(value)s”不支持（可用 wgs84 或 gcj02）")},
        )


class ReportForm(forms.Form):
    title = forms.CharField(label=_("问题"), max_length=200)
    description = forms.CharField(
        label=_("详细描述"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = CategoryChoice(
        label=_("类别"),
        queryset=Category.objects.filter(active=True).order_by("code"),
        required=False,
        empty_label=_("（不确定，由街道派遣时确定）"),
    )
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    crs = PositionCrs()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lon") is None) != (data.get("lat") is None):
            raise forms.ValidationError(_("位置不完整，请重新定位或在地图上点选"))
        stored_position(data)
        return data


class PlaceForm(forms.Form):
    """定位: a point picked on the map, or a grid chosen from the dispatcher's grids."""

    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    crs = PositionCrs()
    grid = forms.CharField(required=False, max_length=24)
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lon") is None) != (data.get("lat") is None):
            raise forms.ValidationError(_("位置不完整，请在地图上重新点选"))
        stored_position(data)
        return data
