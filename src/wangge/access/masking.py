"""Masking re-exported in one place so templates, API and exports mask the same way."""

from wangge.people.idnumber import mask_id_number
from wangge.people.phone import mask_phone

__all__ = ["mask_id_number", "mask_phone"]
