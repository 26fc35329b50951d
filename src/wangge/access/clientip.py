"""The client's address, for lockouts, rate limits and the audit log.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only when the
peer that connected to us (`REMOTE_ADDR`) is one of the proxies named in
`WANGGE_TRUSTED_PROXIES` (addresses or networks). Then the header is read from the right: each
hop a trusted proxy appended is skipped, and the first address no trusted proxy vouches for is
the client. The left-most hop is never taken on trust: a client can put anything there, and an
earlier version that did so let ten spoofed requests through the report limiter.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries if entry)


def trusted_networks() -> tuple[Network, ...]:
    return _networks(tuple(getattr(settings, "WANGGE_TRUSTED_PROXIES", ())))


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Any, networks: Iterable[Network]) -> bool:
    return address is not None and any(address in net for net in networks)


def client_ip(request: HttpRequest) -> str:
    """The address of the client as far as a trusted proxy can vouch for it."""
    peer = _parse(str(request.META.get("REMOTE_ADDR", "")))
    if peer is None:  # no socket peer (a test request, a unix socket): no address at all
        return ""
    networks = trusted_networks()
    if not _trusted(peer, networks):
        return str(peer)
    hops = [h for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:  # garbage where an address should be: stop at the last good one
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def axes_client_ip(request: HttpRequest) -> str | None:
    """django-axes' AXES_CLIENT_IP_CALLABLE: the same address everything else uses (None when
    there is none: axes stores it in an IP address column)."""
    return client_ip(request) or None


def ratelimit_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key callable: per client address."""
    return client_ip(request) or "no-address"
