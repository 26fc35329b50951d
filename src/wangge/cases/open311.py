"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) over the case loop.

Services are the active leaf categories; service requests are cases, identified by their
receipt number. What a GET shows is what any resident may see: never the reporter's name or
phone; the description, address, exact position and photos only for cases residents filed
themselves through a public channel (the public page, Open311), none of the description and
photos when the resident asked to keep them private (`description_private`), other cases'
positions rounded to about 100 m. Cases not yet given a category are not listed (a request
without a service is not a GeoReport request). `?extensions=true` adds FixMyStreet-style
`extended_attributes`; the detailed status is also in `extras`, where FixMyStreet reads it.

POST takes the spec's form fields plus what FixMyStreet's client sends (`photo1…N` uploads,
`attribute[code]`, `#NOTPINPOINTED#`); the api_key is a platform API token
(`wangge.access.authn.presented_token_user`), and anonymous resident posts are accepted only if
`WANGGE_OPEN311_ANONYMOUS_POST` is set (rate-limited per IP like the public report page).
The update extension (`servicerequestupdates`) is in `open311_updates`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django_ratelimit.core import is_ratelimited

from wangge.access import authn
from wangge.access.clientip import ratelimit_key
from wangge.cases import services
from wangge.cases.models import (
    Case,
    CasePhoto,
    CaseQuerySet,
    CaseStatus,
    Category,
    Channel,
)
from wangge.cases.open311_attributes import AnswerError, Attribute, attributes_for, check_answers
from wangge.cases.open311_format import Open311Error, error, errors, render, xml_document
from wangge.core.bounds import date_problem, text_problem
from wangge.core.errors import Forbidden, ServiceError
from wangge.geo.models import Region

MAX_SPAN_DAYS = 90  # the spec: start_date and end_date may not span more than 90 days
MAX_REQUESTS = 1000  # rows a list answers at most (page_size 1 … this)
MAX_IDS = 10_000  # ids a status poll may name (FixMyStreet sends all its open reports at once)
MAX_DESCRIPTION = 4000  # the spec's limit on a request's description
MAX_MEDIA_URL = 2000
PUBLIC_CHANNELS = (Channel.RESIDENT_WEB, Channel.OPEN311)
NOT_PINPOINTED = "#NOTPINPOINTED#"  # FixMyStreet's address_id for "the user placed no pin"
PHOTO_FIELD = re.compile(r"^photo(\d+)$")
ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
MEDIA_KEY = "media_url"  # the posted media_url links, kept among the case's attributes

# Detailed statuses, for FixMyStreet's extended statuses and the spec's open/closed.
DETAILED_STATUS: dict[str, str] = {
    CaseStatus.NEW: "OPEN",
    CaseStatus.DISPATCHED: "ACTION_SCHEDULED",
    CaseStatus.IN_PROGRESS: "IN_PROGRESS",
    CaseStatus.HANDLED: "FIXED",
    CaseStatus.VERIFIED: "FIXED",
    CaseStatus.CLOSED: "CLOSED",
}


# ---------------------------------------------------------------- the views' frame


def jurisdictions() -> set[str]:
    """The jurisdiction_id values this endpoint answers to: WANGGE_OPEN311_JURISDICTION if
    set, else the codes of the top regions (the district's administrative division code)."""
    configured = settings.WANGGE_OPEN311_JURISDICTION
    if configured:
        return set(configured)
    return set(Region.objects.filter(parent__isnull=True).values_list("code", flat=True))


def check_jurisdiction(request: HttpRequest) -> None:
    given = (request.GET.get("jurisdiction_id") or "").strip()
    if request.method == "POST":
        given = (request.POST.get("jurisdiction_id") or given).strip()
    if not given:
        return  # the spec: required only where an endpoint serves several jurisdictions
    known = jurisdictions()
    if given not in known:
        raise Open311Error(
            404,
            f"jurisdiction_id“{given[:50]}”不存在；本平台的 jurisdiction_id："
            + ("、".join(sorted(known)) or "（未配置）"),
        )


_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def _form_body(request: HttpRequest) -> bool:
    """GeoReport v2 sends a POST's arguments as form fields (form-encoded, or multipart with
    media). A body of another type (JSON, XML) is a 415 that says so: read as a form it is
    empty, and the client would be told its api_key or service_code is missing. A POST with no
    body at all (the arguments in the query string) is a form with no fields."""
    if request.content_type in _FORM_TYPES:
        return True
    return not request.META.get("CONTENT_LENGTH") or request.META.get("CONTENT_LENGTH") == "0"


def endpoint(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """An Open311 resource: the allowed methods (others get a 405 in the asked format, before
    any CSRF check: nothing here reads cookies), the jurisdiction check, and every refusal as
    the spec's `errors/error` with code and description in the asked format."""

    # HEAD wherever GET is (RFC 9110 §9.3.2; the body is taken off by core.middleware)
    allowed = (*methods, "HEAD") if "GET" in methods else methods

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                response = errors(
                    fmt,
                    405,
                    [(405, f"{request.path} 不支持 {request.method}；允许：{', '.join(allowed)}")],
                )
                response["Allow"] = ", ".join(allowed)
                return response
            if request.method == "POST" and not _form_body(request):
                return errors(
                    fmt,
                    415,
                    [
                        (
                            415,
                            f"不支持的请求体类型 {(request.content_type or '')[:60]}：POST 的参数须为 "
                            "application/x-www-form-urlencoded 或 multipart/form-data",
                        )
                    ],
                )
            try:
                check_jurisdiction(request)
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc)
            except Forbidden as exc:
                return error(fmt, Open311Error(403, exc.message))
            except ServiceError as exc:
                return error(fmt, Open311Error(exc.status, exc.message))

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return csrf_exempt(wrapper)

    return decorate


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
        .select_related("parent__parent")
        .order_by("code")
    )


def category_attributes(category: Category) -> tuple[Attribute, ...]:
    """The questions a service asks: those of its name, else of its nearest ancestor's."""
    names: list[str] = []
    node: Category | None = category
    while node is not None and len(names) < 10:
        names.append(node.name)
        node = node.parent
    return attributes_for(names)


def service_notice(category: Category | None) -> str:
    if category is None:
        return ""
    return (
        f"受理后 {category.response_hours} 小时内签收，"
        f"{category.handle_working_days} 个工作日内办结（节假日顺延）"
    )


def service_row(category: Category) -> dict[str, Any]:
    group = category.parent.name if category.parent else str(category.get_kind_display())
    words = [w for w in (category.name, category.name_en, group) if w]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{group} · {category.name}"
        + (f"（{category.source}）" if category.source else ""),
        "metadata": bool(category_attributes(category)),
        "type": "realtime",
        "keywords": ",".join(words),
        "group": group,
    }


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    changeset = iso(timezone.now().replace(hour=0, minute=0, second=0))
    row: dict[str, Any] = {
        "changeset": changeset,
        "contact": getattr(settings, "WANGGE_OPEN311_CONTACT", "") or "网格化服务管理中心",
        "key_service": "向区网格中心申请平台接口令牌（API token）作为 api_key",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    if fmt == "xml":
        return HttpResponse(
            xml_document("discovery", None, row), content_type="text/xml; charset=utf-8"
        )
    return render(fmt, "discovery", "discovery", row)


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    rows = [service_row(c) for c in open311_services()]
    return render(fmt, "services", "service", rows)


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = services.service_category(code)
    if category is None:
        raise Open311Error(404, f"service_code {code} 不存在或已停用")
    attributes = category_attributes(category)
    row = {
        "service_code": code,
        "attributes": [a.spec_row(order) for order, a in enumerate(attributes, start=1)],
    }
    if fmt == "xml":
        return HttpResponse(
            xml_document("service_definition", None, row),
            content_type="text/xml; charset=utf-8",
        )
    return render(fmt, "service_definition", None, row)


# ---------------------------------------------------------------- requests


def _public(case: Case) -> bool:
    return case.channel in PUBLIC_CHANNELS


def media_urls(request: HttpRequest, case: Case) -> list[str]:
    """Links to what a resident published with a public case: its public photos (served by
    `media`), then the media_url links the client posted; nothing for other cases."""
    if not _public(case) or case.description_private:
        return []
    photos: Iterable[CasePhoto] = getattr(case, "public_photos", None) or case.photos.filter(
        public=True
    )
    urls = [
        request.build_absolute_uri(reverse("open311:media", args=[photo.pk])) for photo in photos
    ]
    posted = (case.attributes or {}).get(MEDIA_KEY, {}).get("value", [])
    return urls + [u for u in posted if isinstance(u, str)]


def extras(case: Case) -> dict[str, Any]:
    """The detailed status (待核查, 待评价, …) where FixMyStreet reads it (`<extras>`)."""
    label = str(case.get_status_display())
    return {
        "detailed_status": case.status.upper(),
        "detailed_status_label": label,
        "detailed_information": label,
        "external_status_code": case.status,
    }


def request_row(request: HttpRequest, case: Case, *, extensions: bool = False) -> dict[str, Any]:
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
    media = media_urls(request, case)
    row: dict[str, Any] = {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": category.name if category else "",
        "service_code": category.code if category else "",
        "description": case.description if public and not case.description_private else "",
        "agency_responsible": case.department.name if case.department else "",
        "service_notice": service_notice(category),
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.handle_deadline),
        "address": case.address if public else "",
        "address_id": "",
        "zipcode": "",
        "lat": lat,
        "long": lon,
        "media_url": media[0] if media else "",
        "extras": extras(case),
    }
    if extensions:
        row["extended_attributes"] = {
            "detailed_status": case.status.upper(),
            "detailed_status_label": str(case.get_status_display()),
            "channel": case.channel,
            "region": case.region.name if case.region else "",
            "closed_datetime": iso(case.closed_at),
            "rating": case.rating,
            "media_urls": media,
            "attributes": {
                code: answer.get("value")
                for code, answer in (case.attributes or {}).items()
                if code != MEDIA_KEY and public and not case.description_private
            },
        }
    return row


def parse_when(name: str, text: str, *, end: bool = False) -> datetime.datetime:
    """An ISO 8601 date or date-time (naive = Beijing time) within 1900–2100, else a 400 that
    says which parameter and why (`2025-02-30`, `T25:00` and year 9999 included)."""
    text = text.strip()
    example = "（如 2025-01-31 或 2025-01-31T08:00:00+08:00）"
    try:
        # In a query string a `+` offset arrives as a space.
        value = parse_datetime(text.replace(" ", "+")) if "T" in text else None
        day = None if value is not None else parse_date(text)
    except ValueError as exc:
        # Python's own words (year 0 is out of range, day is out of range for month) would
        # put English into a Chinese answer; the parts that can be out of range are named.
        raise Open311Error(
            400, f"{name}“{text[:40]}”不是有效的日期时间：年、月、日或时刻超出范围{example}"
        ) from exc
    if value is None:
        if day is None:
            raise Open311Error(400, f"{name}“{text[:40]}”不是 ISO 8601 时间{example}")
        value = datetime.datetime.combine(day, datetime.time.max if end else datetime.time.min)
    problem = date_problem(value)
    if problem:
        raise Open311Error(400, f"{name}：{problem}")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if end and value.microsecond == 0:
        value += datetime.timedelta(microseconds=999_999)  # the whole second it names
    return value


def _csv(params: Any, name: str) -> list[str]:
    """A comma list filter; checked before it reaches a query (PostgreSQL refuses a NUL). The
    spec's filters "can be declared multiple times, comma delimited": `status=open&status=closed`
    is both, as `status=open,closed` is (reading only the last would drop the others unsaid)."""
    text = ",".join(params.getlist(name)) if hasattr(params, "getlist") else params.get(name, "")
    problem = text_problem(text)
    if problem:
        raise Open311Error(400, f"{name}：{problem}")
    return [v.strip() for v in text.split(",") if v.strip()]


def public_cases() -> CaseQuerySet:
    """Cases GeoReport may list: those with a service (category); with their public photos."""
    return (
        Case.objects.filter(category__isnull=False)
        .select_related("category", "department", "region")
        .prefetch_related(
            Prefetch(
                "photos",
                queryset=CasePhoto.objects.filter(public=True).order_by("at", "pk"),
                to_attr="public_photos",
            )
        )
    )


def date_window(params: Any) -> tuple[datetime.datetime, datetime.datetime]:
    """start_date/end_date with the spec's defaults (the most recent 90 days) and limit."""
    now = timezone.now()
    start_text, end_text = params.get("start_date", ""), params.get("end_date", "")
    end = parse_when("end_date", end_text, end=True) if end_text.strip() else now
    if start_text.strip():
        start = parse_when("start_date", start_text)
    else:
        start = end - datetime.timedelta(days=MAX_SPAN_DAYS)
    if not end_text.strip():
        end = max(end, start)  # a start in the future finds nothing, it is no error
    if start > end:
        raise Open311Error(400, "start_date 晚于 end_date")
    if end - start > datetime.timedelta(days=MAX_SPAN_DAYS, seconds=1):
        raise Open311Error(
            400,
            f"start_date 到 end_date 不能超过 {MAX_SPAN_DAYS} 天"
            f"（现为 {(end - start).days} 天；只给 start_date 时 end_date 为现在），请分段查询",
        )
    return start, end


def find_requests(params: Any) -> CaseQuerySet:
    """The spec's filters: service_request_id overrides the others; default the last 90 days."""
    queryset = public_cases()
    ids = _csv(params, "service_request_id")
    if ids:
        if len(ids) > MAX_IDS:
            raise Open311Error(
                400, f"service_request_id 一次最多 {MAX_IDS} 个（收到 {len(ids)} 个），请分批查询"
            )
        return queryset.filter(number__in=ids)
    start, end = date_window(params)
    queryset = queryset.filter(created_at__gte=start, created_at__lte=end)
    codes = _csv(params, "service_code")
    if codes:
        queryset = queryset.filter(
            Q(category__code__in=codes) | Q(category__parent__code__in=codes)
        )
    statuses = {s.lower() for s in _csv(params, "status")}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed")
    if statuses == {"open"}:
        queryset = queryset.exclude(status=CaseStatus.CLOSED)
    elif statuses == {"closed"}:
        queryset = queryset.filter(status=CaseStatus.CLOSED)
    return queryset


def page_size(params: Any) -> int:
    return _whole_number(params, "page_size", MAX_REQUESTS, default=MAX_REQUESTS)


MAX_PAGE = 1_000_000


def page_number(params: Any) -> int:
    """`page` (1 for the first), the pagination extension's companion of `page_size`
    (wiki.open311.org/GeoReport_v2/Extensions, the one most servers implement): a client pages
    until an empty page, so an ignored `page` would hand it the first page for ever."""
    return _whole_number(params, "page", MAX_PAGE, default=1)


def _whole_number(params: Any, name: str, most: int, default: int) -> int:
    text = (params.get(name) or "").strip()
    if not text:
        return default
    try:
        number = int(text)
    except ValueError as exc:
        raise Open311Error(400, f"{name}“{text[:20]}”必须是整数") from exc
    if not 1 <= number <= most:
        raise Open311Error(400, f"{name} 须在 1 至 {most} 之间（收到 {number}）")
    return number


def _extensions(request: HttpRequest) -> bool:
    return request.GET.get("extensions", "").lower() in {"true", "1", "yes"}


@endpoint("GET", "POST")
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    params: Any = request.GET
    if request.method == "POST":
        if "service_code" in request.POST or "service_request_id" not in request.POST:
            return _post_request(request, fmt)
        # A status poll too long for a URL may come as a form body (no api_key needed,
        # it reads only what GET shows).
        params = request.POST
    size = page_size(params)
    first = (page_number(params) - 1) * size
    cases = find_requests(params)[first : first + size]  # newest first, then by id: stable
    rows = [request_row(request, c, extensions=_extensions(request)) for c in cases]
    return render(fmt, "service_requests", "request", rows)


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    case = public_cases().filter(number=request_id).first()
    if case is None:
        raise Open311Error(404, f"service_request_id {request_id} 不存在")
    return render(
        fmt,
        "service_requests",
        "request",
        [request_row(request, case, extensions=_extensions(request))],
    )


@endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    try:
        case = services.case_by_token(token)
    except ServiceError as exc:
        raise Open311Error(404, f"token {token} 不存在") from exc
    rows = [{"service_request_id": case.number, "token": token}]
    return render(fmt, "service_requests", "request", rows)


def media(request: HttpRequest, photo_id: int) -> HttpResponseBase:
    """A public photo (see CasePhoto.public); any other id is a 404, in JSON."""
    photo = CasePhoto.objects.filter(pk=photo_id, public=True).select_related("case").first()
    if photo is None or photo.case.description_private:
        return error("json", Open311Error(404, f"照片 {photo_id} 不存在或不公开"))
    try:
        handle = photo.image.open("rb")
    except OSError:
        return error("json", Open311Error(404, f"照片 {photo_id} 的文件已不存在"))
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- POST


def rate_limit_exceeded(request: HttpRequest, bucket: str) -> bool:
    """Anonymous reports per client address: WANGGE_REPORT_RATE_LIMIT per
    WANGGE_REPORT_RATE_WINDOW seconds (0 = no limit), counted by django-ratelimit in the
    shared cache, so every worker and process sees one count; the address comes from
    access.clientip (X-Forwarded-For only from WANGGE_TRUSTED_PROXIES)."""
    limit = int(settings.WANGGE_REPORT_RATE_LIMIT)
    window = int(settings.WANGGE_REPORT_RATE_WINDOW)
    if limit <= 0 or window <= 0:
        return False
    return bool(
        is_ratelimited(
            request,
            group=f"wangge-report-{bucket}",
            key=ratelimit_key,
            rate=f"{limit}/{window}s",
            increment=True,
        )
    )


def text_field(params: Any, name: str, limit: int) -> str:
    """A posted text field, stripped, refused (400) if too long or not storable."""
    text = (params.get(name) or "").strip()
    if len(text) > limit:
        raise Open311Error(400, f"{name} 超过 {limit} 个字符（收到 {len(text)} 个）")
    problem = text_problem(text)
    if problem:
        raise Open311Error(400, f"{name}：{problem}")
    return text


def _float(params: Any, name: str) -> float | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError as exc:
        raise Open311Error(400, f"{name}“{text[:30]}”不是数字") from exc
    if value != value or value in (float("inf"), float("-inf")):
        raise Open311Error(400, f"{name}“{text[:30]}”不是有限的数字")
    return value


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def full_name(first: str, last: str) -> str:
    """first_name then last_name: FixMyStreet splits a displayed name at its first space, so
    `张 三` arrives as first_name 张 and last_name 三 (→ 张三); Chinese parts join without a
    space, others with one (`John Smith`). A lone `-` (FixMyStreet's empty surname) is no name."""
    parts = [p for p in (first.strip(), last.strip()) if p and p != "-"]
    if len(parts) == 2 and _CJK.search(parts[0][-1]) and _CJK.search(parts[1][0]):
        return parts[0] + parts[1]
    return " ".join(parts)


def posted_photos(request: HttpRequest) -> list[Any]:
    """`media` uploads, then FixMyStreet's `photo1…N` in their order."""
    numbered = sorted(
        (int(match.group(1)), key)
        for key in request.FILES
        if (match := PHOTO_FIELD.match(key)) is not None
    )
    photos = list(request.FILES.getlist("media"))
    for _, key in numbered:
        photos.extend(request.FILES.getlist(key))
    return photos


def posted_answers(params: Any) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for key in params:
        match = ATTRIBUTE_FIELD.match(key)
        if match is not None:
            values = params.getlist(key)
            for value in values:  # kept in the case's JSON, where PostgreSQL refuses a NUL
                problem = text_problem(value)
                if problem:
                    raise Open311Error(400, f"{key}：{problem}")
            answers.setdefault(match.group(1), []).extend(values)
    return answers


def posted_media_urls(params: Any) -> list[str]:
    urls = []
    for raw in params.getlist("media_url"):
        url = raw.strip()
        if not url:
            continue
        problem = text_problem(url)
        if problem:
            raise Open311Error(400, f"media_url：{problem}")
        if len(url) > MAX_MEDIA_URL or not re.match(r"^https?://[^\s]+$", url):
            raise Open311Error(400, f"media_url“{url[:60]}”不是 http(s) 链接（或超过 2000 字符）")
        urls.append(url)
    return urls[:20]


def authorise_post(request: HttpRequest) -> Any:
    """The api_key's user, or None for an allowed anonymous post; else a 403/429."""
    params = request.POST
    api_key = params.get("api_key", "") or request.GET.get("api_key", "")
    if api_key:
        try:
            actor = authn.presented_token_user(request, api_key)
        except authn.TokenLockedOut:
            raise Open311Error(429, authn.lockout_message()) from None
        if actor is None:
            raise Open311Error(403, "api_key 无效或已停用")
        return actor
    if not settings.WANGGE_OPEN311_ANONYMOUS_POST:
        raise Open311Error(403, "需要 api_key（平台接口令牌）")
    if rate_limit_exceeded(request, "open311"):
        raise Open311Error(429, "提交过于频繁，请10分钟后再试")
    return None


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    actor = authorise_post(request)
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code")
    category = services.service_category(code)
    if category is None:
        raise Open311Error(404, f"service_code {code} 不存在或已停用")
    lat, lon = _float(params, "lat"), _float(params, "long")
    address = text_field(params, "address_string", 255)
    address_id = text_field(params, "address_id", 255)
    description = text_field(params, "description", MAX_DESCRIPTION)
    if (lat is None or lon is None) and not address and not address_id:
        raise Open311Error(400, "需要位置：lat 和 long，或 address_string，或 address_id")
    if address_id == NOT_PINPOINTED:
        # FixMyStreet's "the resident placed no pin": no address, the case waits to be placed.
        if (lat is None or lon is None) and not address:
            description = f"{description}\n（对方系统标记：未定位，请联系核实位置）".strip()
    elif address_id:
        # An id in the client's address system, not an address: kept for the handler to read.
        description = f"{description}\n（对方系统地址编号：{address_id}）".strip()
    try:
        answers = check_answers(category_attributes(category), posted_answers(params))
    except AnswerError as exc:
        raise Open311Error(400, str(exc)) from exc
    links = posted_media_urls(params)
    if links:
        answers[MEDIA_KEY] = {"name": "附件链接", "value": links, "text": "\n".join(links)}
    name = full_name(text_field(params, "first_name", 50), text_field(params, "last_name", 50))
    try:
        phone = services.clean_reporter_phone(text_field(params, "phone", 30))
    except services.InvalidPhone as exc:
        raise Open311Error(400, f"phone：{exc.message}") from exc
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
            reporter_phone=phone,
            photos=posted_photos(request),
            description_private=(params.get("description_private") or "").lower()
            in {"1", "true", "yes"},
            attributes=answers,
        )
    except Forbidden as exc:
        raise Open311Error(403, exc.message) from exc
    rows = [
        {
            "service_request_id": case.number,
            "token": case.rating_token,
            "service_notice": f"已受理，受理编号 {case.number}。{service_notice(category)}",
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", "request", rows)
