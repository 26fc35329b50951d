from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wangge.cases.models import Category


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        prefix = "　" if obj.parent_id else ""
        return f"{prefix}{obj.name}"


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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lon") is None) != (data.get("lat") is None):
            raise forms.ValidationError(_("位置不完整，请重新定位或在地图上点选"))
        return data
