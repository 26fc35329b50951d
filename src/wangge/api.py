"""The REST API: one NinjaAPI, one router per app, OpenAPI at /api/docs.

Authentication is a bearer token (`Authorization: Bearer wg_…`) for departments' systems, or the
browser session (with CSRF) for the web UI. Every error is JSON with a `message`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from wangge.access.services import user_for_token
from wangge.core.errors import ServiceError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class HeaderToken(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = user_for_token(key or "")
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Wangge 网格 API",
    version="1",
    description="社区网格化管理平台接口：区域、楼栋、户室、户、人员与搜索。所有结果按调用者的管辖范围过滤，身份证号和电话默认脱敏。",
    auth=[BearerToken(), HeaderToken(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return api.create_response(request, {"message": exc.message}, status=exc.status)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {
            "where": ".".join(str(p) for p in err.get("loc", [])),
            "message": err.get("msg", ""),
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


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"message": str(exc)}, status=exc.status_code)


def _register_routers() -> None:
    from wangge.addresses.api import router as addresses_router
    from wangge.cases.api import router as cases_router
    from wangge.fusion.api import router as fusion_router
    from wangge.geo.api import router as geo_router
    from wangge.people.api import router as people_router

    api.add_router("/regions", geo_router)
    api.add_router("/", addresses_router)
    api.add_router("/", people_router)
    api.add_router("/imports", fusion_router)
    api.add_router("/cases", cases_router)


_register_routers()
