"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) over the case loop.

Services are the active leaf categories; service requests are cases, identified by their
receipt number. What a GET shows is what any resident may see: never the reporter's name or
phone; the description, address and exact position only for cases residents filed themselves
through a public channel (the public page, Open311), other cases' positions rounded to about
100 m. `?extensions=true` adds FixMyStreet-style `extended_attributes` with our detailed status.

POST takes the spec's form fields; the api_key is a platform API token
(`wangge.access.services.user_for_token`), and anonymous resident posts are accepted only if
`WANGGE_OPEN311_ANONYMOUS_POST` is set (rate-limited per IP like the public report page).
"""

from __future__ import annotations

import datetime
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from wangge.access.services import user_for_token
from wangge.cases import services
from wangge.cases.models import Case, CaseQuerySet, CaseStatus, Category, Channel
from wangge.core.errors import Forbidden, ServiceError

DEFAULT_DAYS = 90
MAX_REQUESTS = 1000
PUBLIC_CHANNELS = (Channel.RESIDENT_WEB, Channel.OPEN311)


class Open311Error(Exception):
    def __init__(self, status: int, description: str, code: int | None = None):
        super().__init__(description)
        self.status = status
        self.code = code or status
        self.description = description


# ---------------------------------------------------------------- rendering


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    child = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(child, key, inner)
    elif isinstance(value, list):
        for item in value:
            _xml_value(child, "keyword" if name == "keywords" else "value", item)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = str(value)


def _xml(root: str, item: str, rows: Sequence[dict[str, Any]]) -> bytes:
    element = ET.Element(root)
    for row in rows:
        node = ET.SubElement(element, item)
        for key, value in row.items():
            _xml_value(node, key, value)
    return bytes(ET.tostring(element, encoding="utf-8", xml_declaration=True))


def _render(fmt: str, root: str, item: str, rows: Any, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = _xml(root, item, rows if isinstance(rows, list) else [rows])
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(
        json.dumps(rows, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _error(fmt: str, exc: Open311Error) -> HttpResponse:
    rows = [{"code": exc.code, "description": exc.description}]
    return _render(fmt, "errors", "error", rows, status=exc.status)


def open311_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Spec-shaped errors (`errors/error` with code and description) in the asked format."""

    def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return _error(fmt, exc)
        except ServiceError as exc:
            return _error(fmt, Open311Error(exc.status, exc.message))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def iso(value: datetime.datetime | None) -> str | None:
    """W3C/ISO 8601 with the local offset, e.g. 2025-03-01T09:30:00+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------- services


def open311_services() -> list[Category]:
    """Active categories residents can choose: those without active subcategories."""
    return list(
        Category.objects.filter(active=True)
        .exclude(children__active=True)
        .select_related("parent")
        .order_by("code")
    )


def service_row(category: Category) -> dict[str, Any]:
    group = category.parent.name if category.parent else str(category.get_kind_display())
    words = [w for w in (category.name, category.name_en, group) if w]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{group} · {category.name}"
        + (f"（{category.source}）" if category.source else ""),
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(words),
        "group": group,
    }


@require_GET
@open311_view
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    row: dict[str, Any] = {
        "changeset": iso(timezone.now().replace(hour=0, minute=0, second=0)),
        "contact": getattr(settings, "WANGGE_OPEN311_CONTACT", "") or "网格化服务管理中心",
        "key_service": "向区网格中心申请平台接口令牌（API token）作为 api_key",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": iso(timezone.now().replace(hour=0, minute=0, second=0)),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    if fmt == "xml":
        root = ET.Element("discovery")
        for key in ("changeset", "contact", "key_service"):
            ET.SubElement(root, key).text = str(row[key])
        endpoints = ET.SubElement(root, "endpoints")
        for endpoint in row["endpoints"]:
            node = ET.SubElement(endpoints, "endpoint")
            for key in ("specification", "url", "changeset", "type"):
                ET.SubElement(node, key).text = str(endpoint[key])
            formats = ET.SubElement(node, "formats")
            for f in endpoint["formats"]:
                ET.SubElement(formats, "format").text = f
        body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return HttpResponse(body, content_type="text/xml; charset=utf-8")
    return _render(fmt, "discovery", "discovery", row)


@require_GET
@open311_view
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [service_row(c) for c in open311_services()]
    return _render(fmt, "services", "service", rows)


@require_GET
@open311_view
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    if not Category.objects.filter(code=code, active=True).exclude(children__active=True).exists():
        raise Open311Error(404, f"service_code {code} 不存在或已停用")
    row = {"service_code": code, "attributes": []}
    if fmt == "xml":
        root = ET.Element("service_definition")
        ET.SubElement(root, "service_code").text = code
        ET.SubElement(root, "attributes")
        body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        return HttpResponse(body, content_type="text/xml; charset=utf-8")
    return _render(fmt, "service_definition", "service_definition", row)


# ---------------------------------------------------------------- requests


def _public(case: Case) -> bool:
    return case.channel in PUBLIC_CHANNELS


def request_row(case: Case, *, extensions: bool = False) -> dict[str, Any]:
    """One case as a resident may see it (no reporter name or phone, ever)."""
    public = _public(case)
    lat, lon = case.lat, case.lon
    if not public and lat is not None and lon is not None:
        lat, lon = round(lat, 3), round(lon, 3)
    category = case.category
    closed = case.status == CaseStatus.CLOSED
    notes = str(case.get_status_display())
    if public and case.result and case.status in (CaseStatus.VERIFIED, CaseStatus.CLOSED):
        notes = f"{notes}：{case.result}"
    row: dict[str, Any] = {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": category.name if category else "",
        "service_code": category.code if category else "",
        "description": case.description if public else "",
        "agency_responsible": case.department.name if case.department else "",
        "service_notice": "",
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.handle_deadline),
        "address": case.address if public else "",
        "address_id": "",
        "zipcode": "",
        "lat": lat,
        "long": lon,
        "media_url": "",
    }
    if extensions:
        row["extended_attributes"] = {
            "detailed_status": case.status.upper(),
            "detailed_status_label": str(case.get_status_display()),
            "channel": case.channel,
            "region": case.region.name if case.region else "",
            "closed_datetime": iso(case.closed_at),
            "rating": case.rating,
        }
    return row


def _parse_when(name: str, text: str, *, end: bool = False) -> datetime.datetime:
    value = parse_datetime(text.replace(" ", "+")) if "T" in text else None
    if value is None:
        day = parse_date(text)
        if day is None:
            raise Open311Error(
                400, f"{name}“{text}”不是 ISO 8601 时间（如 2025-01-31T08:00:00+08:00）"
            )
        value = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _csv(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def public_cases() -> CaseQuerySet:
    return Case.objects.select_related("category", "department", "region")


def find_requests(params: Any) -> CaseQuerySet:
    """The spec's filters: service_request_id overrides the others; default the last 90 days."""
    queryset = public_cases()
    ids = _csv(params.get("service_request_id", ""))
    if ids:
        return queryset.filter(number__in=ids[:MAX_REQUESTS])
    now = timezone.now()
    start_text, end_text = params.get("start_date", ""), params.get("end_date", "")
    end = _parse_when("end_date", end_text, end=True) if end_text else now
    start = (
        _parse_when("start_date", start_text)
        if start_text
        else end - datetime.timedelta(days=DEFAULT_DAYS)
    )
    if start_text and end_text and start > end:
        raise Open311Error(400, "start_date 晚于 end_date")
    queryset = queryset.filter(created_at__gte=start, created_at__lte=end)
    codes = _csv(params.get("service_code", ""))
    if codes:
        queryset = queryset.filter(
            Q(category__code__in=codes) | Q(category__parent__code__in=codes)
        )
    statuses = set(_csv(params.get("status", "").lower()))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed")
    if statuses == {"open"}:
        queryset = queryset.exclude(status=CaseStatus.CLOSED)
    elif statuses == {"closed"}:
        queryset = queryset.filter(status=CaseStatus.CLOSED)
    return queryset


def _extensions(request: HttpRequest) -> bool:
    return request.GET.get("extensions", "").lower() in {"true", "1", "yes"}


@csrf_exempt
@require_http_methods(["GET", "POST"])
@open311_view
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    try:
        limit = min(int(request.GET.get("page_size") or MAX_REQUESTS), MAX_REQUESTS)
    except ValueError as exc:
        raise Open311Error(400, "page_size 必须是整数") from exc
    cases = find_requests(request.GET)[: max(limit, 1)]
    rows = [request_row(c, extensions=_extensions(request)) for c in cases]
    return _render(fmt, "service_requests", "request", rows)


@require_GET
@open311_view
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    case = public_cases().filter(number=request_id).first()
    if case is None:
        raise Open311Error(404, f"service_request_id {request_id} 不存在")
    return _render(
        fmt, "service_requests", "request", [request_row(case, extensions=_extensions(request))]
    )


@require_GET
@open311_view
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    try:
        case = services.case_by_token(token)
    except ServiceError as exc:
        raise Open311Error(404, f"token {token} 不存在") from exc
    rows = [{"service_request_id": case.number, "token": token}]
    return _render(fmt, "service_requests", "request", rows)


# ---------------------------------------------------------------- POST


def client_ip(request: HttpRequest) -> str:
    """The peer address; behind a proxy set WANGGE_TRUST_X_FORWARDED_FOR to use its header."""
    if getattr(settings, "WANGGE_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def rate_limit_exceeded(request: HttpRequest, bucket: str) -> bool:
    """Count anonymous reports per IP in the default cache: N per window (0 = no limit)."""
    limit = int(getattr(settings, "WANGGE_REPORT_RATE_LIMIT", 5))
    window = int(getattr(settings, "WANGGE_REPORT_RATE_WINDOW", 600))
    if limit <= 0:
        return False
    key = f"wangge:report-rate:{bucket}:{client_ip(request)}"
    if cache.add(key, 1, window):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)
        return False
    return count > limit


def _float(params: Any, name: str) -> float | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise Open311Error(400, f"{name}“{text}”不是数字") from exc


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    api_key = params.get("api_key", "") or request.GET.get("api_key", "")
    actor = None
    if api_key:
        actor = user_for_token(api_key)
        if actor is None:
            raise Open311Error(403, "api_key 无效或已停用")
    elif not getattr(settings, "WANGGE_OPEN311_ANONYMOUS_POST", False):
        raise Open311Error(403, "需要 api_key（平台接口令牌）")
    elif rate_limit_exceeded(request, "open311"):
        raise Open311Error(429, "提交过于频繁，请10分钟后再试")
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code")
    category = services.service_category(code)
    if category is None:
        raise Open311Error(404, f"service_code {code} 不存在或已停用")
    lat, lon = _float(params, "lat"), _float(params, "long")
    address = (params.get("address_string") or params.get("address_id") or "").strip()
    if (lat is None or lon is None) and not address:
        raise Open311Error(400, "需要位置：lat 和 long，或 address_string")
    description = (params.get("description") or "").strip()
    media_url = (params.get("media_url") or "").strip()
    if media_url:
        description = f"{description}\n附件：{media_url}".strip()
    name = f"{params.get('last_name', '').strip()}{params.get('first_name', '').strip()}"
    try:
        case = services.submit_case(
            actor,
            channel=Channel.OPEN311,
            title="",
            description=description or category.name,
            category=category,
            address=address,
            lon=lon,
            lat=lat,
            reporter_name=name,
            reporter_phone=(params.get("phone") or "").strip(),
            photos=request.FILES.getlist("media"),
        )
    except Forbidden as exc:
        raise Open311Error(403, exc.message) from exc
    rows = [
        {
            "service_request_id": case.number,
            "token": case.rating_token,
            "service_notice": f"已受理，受理编号 {case.number}",
            "account_id": None,
        }
    ]
    return _render(fmt, "service_requests", "request", rows)
