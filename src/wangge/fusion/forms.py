"""Forms of the import pages: the upload and the column-mapping correction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from wangge.core.errors import ServiceError
from wangge.fusion.fields import FIELDS, MANUAL, ROLES
from wangge.fusion.services import Upload, read_limits


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Django's documented pattern for several files in one input."""

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return super().clean(data, initial)


class UploadForm(forms.Form):
    ledgers = MultipleFileField(
        label=_("台账文件"),
        widget=MultipleFileInput(
            attrs={"accept": ".xlsx,.xlsm,.xlsb,.xls,.ods,.csv,.txt", "multiple": True}
        ),
        help_text=_("可一次选择多个 .xlsx、.xls、.ods 或 .csv 文件"),
        required=False,
        # An empty file is refused by the reader, which names it (空.csv：文件是空的);
        # Django's own 所提交的是空文件 did not say which of several files it was.
        allow_empty_file=True,
    )
    label = forms.CharField(label=_("说明"), max_length=200, required=False)


def uploads_from(files: Iterable[UploadedFile]) -> list[Upload]:
    """Uploaded files as the service wants them; too-big files are refused before reading."""
    limit = read_limits().max_file_bytes
    uploads = []
    for f in files:
        name = f.name or "未命名文件"
        if f.size is not None and f.size > limit:
            raise ServiceError(
                _("文件“%(name)s”有 %(size).1f MB，超过上限 %(limit).0f MB，整批未导入")
                % {"name": name, "size": f.size / 1000000.0, "limit": limit / 1000000.0}
            )
        uploads.append(Upload(name, f.read()))
    if not uploads:
        raise ServiceError(_("请选择要导入的台账文件"))
    return uploads


def mapping_overrides(
    files: list[dict[str, Any]], edited: str, submitted: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """Overrides for a restage: earlier manual choices on every sheet, plus the columns the
    clerk changed on the edited sheet (``submitted`` holds 'role-<index>' and 'field-<index>')."""
    overrides: dict[str, dict[str, str]] = {}
    for f in files:
        for s in f["sheets"]:
            key = f"{f['name']}|{s['name']}"
            chosen: dict[str, str] = {}
            for c in s["columns"]:
                current = f"{c['role']}:{c['field']}"
                if c["evidence"] == MANUAL:
                    chosen[c["header"]] = current
                if key != edited:
                    continue
                role = submitted.get(f"role-{c['index']}")
                fld = submitted.get(f"field-{c['index']}")
                if role is None or fld is None:
                    continue
                if role not in ROLES or (fld and fld not in FIELDS):
                    raise ServiceError(
                        _("第 %(column)s 列“%(header)s”的对应无效")
                        % {"column": c["index"] + 1, "header": c["header"]}
                    )
                value = f"{role}:{fld}"
                if value == current:
                    continue
                chosen[c["header"]] = value
            if chosen:
                overrides[key] = chosen
    return overrides
