"""Model fields that keep personal identifiers encrypted at rest.

The Python side of an `EncryptedTextField` holds plaintext and the column holds SM4-GCM
ciphertext, so no view can forget to encrypt. Because the ciphertext is randomised, exact search
uses a companion `BlindIndexField` filled from the plaintext on every save (also by bulk_create,
which calls `pre_save`; bulk_update does not, so services never bulk_update these fields).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string

from wangge.access.crypto import CIPHERTEXT_PREFIX, DataCipher


@cache
def data_cipher() -> DataCipher:
    return DataCipher.from_hex(settings.WANGGE_DATA_KEY)


class EncryptedTextField(models.TextField):
    description = "SM4-GCM encrypted text"
    bulk_prepare = True  # core.bulk: the value goes through get_db_prep_save (encryption)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return data_cipher().decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return ""
        if isinstance(value, str) and value.startswith(CIPHERTEXT_PREFIX):
            return value
        return data_cipher().encrypt(str(value))


class BlindIndexField(models.CharField):
    """SM3-HMAC of the normalised plaintext of another field, for exact-value lookups."""

    computed_on_save = True  # core.bulk: the value comes from pre_save, not the attribute

    def __init__(self, *args: Any, source: str = "", normalizer: str = "", **kwargs: Any):
        self.source = source
        self.normalizer = normalizer
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["normalizer"] = self.normalizer
        if not getattr(
            self, "db_index", True
        ):  # __init__ defaults it to True, so False must be spelled out
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def _normalize(self, value: str) -> str:
        if not self.normalizer:
            return value
        func: Callable[[str], str] = import_string(self.normalizer)
        return func(value)

    def index_for(self, plaintext: str) -> str:
        return data_cipher().blind_index(self._normalize(plaintext or ""))

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.index_for(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


class _Redacting:
    """Free text whose ID numbers and mobiles are masked on the way to the database
    (`wangge.people.redact`): every save, update, bulk insert and migration goes through
    `get_prep_value`, so no write path can store one in plaintext."""

    bulk_prepare = True  # core.bulk: the value goes through get_db_prep_save (redaction)

    def get_prep_value(self, value: Any) -> Any:
        from wangge.people.redact import redact_identifiers

        value = super().get_prep_value(value)  # type: ignore[misc]
        return redact_identifiers(value) if isinstance(value, str) else value

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        from wangge.people.redact import redact_identifiers

        value = super().pre_save(model_instance, add)  # type: ignore[misc]
        if isinstance(value, str):
            value = redact_identifiers(value)
            setattr(model_instance, self.attname, value)  # type: ignore[attr-defined]
        return value


class RedactedTextField(_Redacting, models.TextField):
    description = "Text without ID numbers or mobiles"


class RedactedCharField(_Redacting, models.CharField):
    description = "Short text without ID numbers or mobiles"


def _redact_json(value: Any) -> Any:
    from wangge.people.redact import redact_identifiers

    if isinstance(value, str):
        return redact_identifiers(value)
    if isinstance(value, list):
        return [_redact_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_json(v) for k, v in value.items()}
    return value


class RedactedJSONField(models.JSONField):
    """JSON whose every string is redacted like `RedactedTextField` (free answers from the
    public, such as Open311 attributes)."""

    description = "JSON without ID numbers or mobiles"

    def get_prep_value(self, value: Any) -> Any:
        return super().get_prep_value(_redact_json(value))


def redact_existing(app_label: str, model_name: str, fields: tuple[str, ...]) -> Any:
    """A RunPython step that masks identifiers in rows written before the field redacted
    (the migration that makes a field a redacted one runs it once)."""

    def run(apps: Any, schema_editor: Any) -> None:
        from wangge.people.redact import redact_identifiers

        model = apps.get_model(app_label, model_name)
        db = schema_editor.connection.alias
        pending: list[Any] = []
        for row in model.objects.using(db).only("pk", *fields).iterator(chunk_size=5000):
            changed = False
            for name in fields:
                value = getattr(row, name)
                if isinstance(value, str):
                    redacted = redact_identifiers(value)
                else:
                    redacted = _redact_json(value)
                if redacted != value:
                    setattr(row, name, redacted)
                    changed = True
            if changed:
                pending.append(row)
            if len(pending) >= 1000:
                model.objects.using(db).bulk_update(pending, list(fields))
                pending = []
        if pending:
            model.objects.using(db).bulk_update(pending, list(fields))

    return run
