"""The REST API: one NinjaAPI, one router per app, OpenAPI at /api/docs.

Authentication is a bearer token (`Authorization: Bearer wg_…`) for departments' systems, or the
browser session (with CSRF) for the web UI. Every error is JSON with a `message`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from wangge.access import authn
from wangge.core.api_support import BodyRefused, StrictParser, WanggeAPI
from wangge.core.errors import ServiceError
from wangge.core.validation_messages import message_zh
from wangge.core.wording import say


def token_user(request: HttpRequest, token: str) -> Any:
    """The token's user, under the log-in lockout (a bad token is a failed log-in from this
    address; a valid one always passes, see `authn.presented_token_user`) and the per-user API
    rate limit (WANGGE_API_RATE_LIMIT), both django-axes and
    django-ratelimit on the shared store, so they hold across workers."""
    if not token:  # this header was not sent; another scheme may apply
        return None
    try:
        user = authn.presented_token_user(request, token)
    except authn.TokenLockedOut:
        raise HttpError(429, authn.lockout_message()) from None
    if user is None:
        return None
    request.user = user
    rate = settings.WANGGE_API_RATE_LIMIT
    if (
        rate
        and rate != "0"
        and is_ratelimited(
            request, group="api-token", key=lambda _g, _r: str(user.pk), rate=rate, increment=True
        )
    ):
        raise HttpError(429, _("请求过于频繁（上限 %(rate)s），请稍后再试") % {"rate": rate})
    return user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return token_user(request, token)


class HeaderToken(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return token_user(request, key or "")


api = WanggeAPI(
    title="Wangge 网格 API",
    version="1",
    description="社区网格化管理平台接口：区域、楼栋、户室、户、人员与搜索。所有结果按调用者的管辖范围过滤，身份证号和电话默认脱敏。",
    auth=[BearerToken(), HeaderToken(), django_auth],
    urls_namespace="api",
    parser=StrictParser(),
)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    # say: a refusal that is a `core.reasons.Reason` comes in the caller's language
    return api.create_response(request, {"message": say(exc.message)}, status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {
            "where": ".".join(str(p) for p in err.get("loc", [])),
            "message": message_zh(err),
            "type": str(err.get("type", "")),
        }
        for err in exc.errors
    ]
    where = "；".join(f"{d['where']}: {d['message']}" for d in details)
    return api.create_response(
        request, {"message": f"请求参数有误：{where}", "errors": details}, status=422
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {
            "message": "未认证：请登录，或提供有效的API令牌（Authorization: Bearer wg_… 或 X-API-Key）"
        },
        status=401,
    )


CSRF_MESSAGE = "CSRF 校验失败：网页会话发出的写请求须带 X-CSRFToken 头；系统接口请用 API 令牌认证"


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, BodyRefused):  # the strict parser's refusal, wrapped by ninja
        return api.create_response(request, {"message": cause.message}, status=cause.status)
    message = str(exc)
    if exc.status_code == 403 and message == "CSRF check Failed":
        message = CSRF_MESSAGE
    return api.create_response(request, {"message": message}, status=exc.status_code)


@api.exception_handler(BodyRefused)
def _body_refused(request: HttpRequest, exc: BodyRefused) -> HttpResponse:
    return api.create_response(request, {"message": exc.message}, status=exc.status)


@api.exception_handler(RawPostDataException)
def _form_body(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
    # A browser session's CSRF check reads a form body's fields, which consumes a multipart
    # stream before the JSON parser reaches it; a JSON endpoint has no use for one anyway.
    kind = request.content_type or "（未说明）"
    return api.create_response(
        request,
        {"message": f"请求体须是 JSON 对象（Content-Type: application/json），收到的是 {kind}"},
        status=400,
    )


@api.exception_handler(OverflowError)
def _overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # A last guard: the typed bounds (core.bounds) should refuse such values while parsing.
    return api.create_response(request, {"message": f"数值或日期超出范围：{exc}"}, status=422)


@api.exception_handler(DataError)
def _data_error(request: HttpRequest, exc: DataError) -> HttpResponse:
    return api.create_response(request, {"message": "数值或文本超出数据库允许的范围"}, status=422)


def _register_routers() -> None:
    from wangge.addresses.api import router as addresses_router
    from wangge.cases.api import router as cases_router
    from wangge.fusion.api import router as fusion_router
    from wangge.geo.api import router as geo_router
    from wangge.inspections.api import router as inspections_router
    from wangge.inspections.campaign_api import router as campaigns_router
    from wangge.jobs.api import router as jobs_router
    from wangge.people.api import router as people_router
    from wangge.tasks.api import router as tasks_router

    api.add_router("/regions", geo_router)
    api.add_router("/", addresses_router)
    api.add_router("/", people_router)
    api.add_router("/imports", fusion_router)
    api.add_router("/cases", cases_router)
    api.add_router("/jobs", jobs_router)
    api.add_router("/", inspections_router)
    api.add_router("/", campaigns_router)
    api.add_router("/tasks", tasks_router)


_register_routers()
