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
