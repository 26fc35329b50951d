"""The QR code that sets up ODK Collect for a user: Collect's settings JSON (server URL and
username; never the password, which the user types once), zlib-compressed and base64-encoded
as Collect's "scan QR code" expects.

segno draws it: a pure-Python QR encoder with no dependencies (no Pillow), maintained, that
writes SVG directly, so the page embeds it as a data URI under the strict CSP.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import segno


def collect_settings(server_url: str, username: str) -> dict[str, Any]:
    return {
        "general": {
            "server_url": server_url,
            "username": username,
            "form_update_mode": "match_exactly",
            "periodic_form_updates_check": "every_one_hour",
            "autosend": "wifi_and_cellular",
            "delete_send": False,
        },
        "admin": {},
        "project": {"name": "网格 Wangge", "icon": "网", "color": "#c62828"},
    }


def encode_settings(settings: dict[str, Any]) -> str:
    raw = json.dumps(settings, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(zlib.compress(raw)).decode("ascii")


def decode_settings(payload: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(zlib.decompress(base64.b64decode(payload)))
    return data


def qr_svg_data_uri(payload: str) -> str:
    return str(segno.make(payload, error="l", micro=False).svg_data_uri(scale=5, border=2))
