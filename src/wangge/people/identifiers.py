"""Canonical keys for blind indexes, so "138 1234 5678" and "+86 13812345678" find one person."""

from __future__ import annotations

from wangge.people.idnumber import check_id_number, normalize_id_number
from wangge.people.phone import check_phone


def id_number_key(value: str) -> str:
    check = check_id_number(value)
    if check.normalized:
        return check.normalized
    return normalize_id_number(value)


def phone_key(value: str) -> str:
    check = check_phone(value)
    if check.normalized:
        return check.normalized
    return "".join(ch for ch in value if ch.isdigit())
