"""Error answers in the format a machine client asked for, whoever produced them.

Under `/api/` every error is JSON with a `message`, including those that never reach ninja:
Django's 405 (`HttpResponseNotAllowed`, an empty body), the 400 of an oversized body, the CSRF
page, the 404 of an unknown path. Apps with other formats (Open311's `errors/error` in XML or
JSON) register a formatter for their prefix with `register_error_format`.

The middleware stands first in `MIDDLEWARE`, so it also sees answers that other middleware
produce without calling the view (body caps, rate limits). It keeps the original answer's
headers (`Allow`, `Retry-After`, the security headers) and only replaces the body.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ErrorFormatter = Callable[[HttpRequest, int, str], HttpResponse]

MESSAGES = {
    400: gettext_lazy("请求无效"),
    401: gettext_lazy("未认证：请登录，或提供有效的API令牌"),
    403: gettext_lazy("禁止访问"),
    404: gettext_lazy("接口不存在"),
    405: gettext_lazy("该路径不支持此请求方法"),
    408: gettext_lazy("请求超时"),
    409: gettext_lazy("记录已被他人修改"),
    413: gettext_lazy("请求体过大"),
    415: gettext_lazy("不支持的内容类型"),
    429: gettext_lazy("请求过于频繁，请稍后再试"),
    500: gettext_lazy("服务器内部错误，已记录，请稍后重试或联系管理员"),
    503: gettext_lazy("服务暂时不可用，请稍后重试"),
}


def default_message(request: HttpRequest, status: int, allow: str = "") -> str:
    """The words for an error answer that came without any, in the language the user chose
    (the middleware that produced it may have run after the language was let go)."""
    with translation.override(getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE):
        known = MESSAGES.get(status)
        message = str(known) if known else _("请求失败（HTTP %(status)s）") % {"status": status}
        if status == 404:
            return _("%(message)s：%(path)s") % {"message": message, "path": request.path}
        if status == 405:
            if allow:
                return _("%(message)s（%(method)s）；允许：%(allow)s") % {
                    "message": message,
                    "method": request.method,
                    "allow": allow,
                }
            return _("%(message)s（%(method)s）") % {"message": message, "method": request.method}
        return message


def json_error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return JsonResponse(
        {"message": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


_FORMATS: list[tuple[str, ErrorFormatter]] = [("/api/", json_error)]


# prefix → which error answers are already in that prefix's format (left as they are)
_KEEPS: dict[str, Callable[[HttpResponseBase], bool]] = {}


def register_error_format(
    prefix: str,
    formatter: ErrorFormatter,
    *,
    keep: Callable[[HttpResponseBase], bool] | None = None,
) -> None:
    """Answers under `prefix` with status >= 400 not already marked are rebuilt by `formatter`,
    except those `keep` says are in the format already."""
    if all(p != prefix for p, _ in _FORMATS):
        _FORMATS.append((prefix, formatter))
    if keep is not None:
        _KEEPS[prefix] = keep


def _kept(path: str, response: HttpResponseBase) -> bool:
    return any(path.startswith(p) and keep(response) for p, keep in _KEEPS.items())


def formatter_for(path: str) -> ErrorFormatter | None:
    for prefix, formatter in _FORMATS:
        if path.startswith(prefix):
            return formatter
    return None


def mark_formatted(response: HttpResponseBase) -> HttpResponseBase:
    """Tell the middleware this error answer is already in the client's format."""
    response.wangge_error_formatted = True  # type: ignore[attr-defined]
    return response


def _message_of(response: HttpResponseBase) -> str:
    """The `message` of a JSON error answer (our handlers' and ninja's), else ''."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return ""
    if not isinstance(response, HttpResponse):
        return ""
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(data, dict):
        for key in ("message", "detail"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return ""


_KEEP_OUT = {"content-type", "content-length"}


class ErrorFormatMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code < 400 or getattr(response, "wangge_error_formatted", False):
            return response
        formatter = formatter_for(request.path)
        if formatter is None:
            return response
        if formatter is json_error and _is_api_json(response):
            return response
        if _kept(request.path, response):
            return response
        message = _message_of(response) or default_message(
            request, response.status_code, response.get("Allow", "")
        )
        rebuilt = formatter(request, response.status_code, message)
        for header, value in response.items():
            if header.lower() not in _KEEP_OUT:
                rebuilt[header] = value
        for cookie in response.cookies.values():
            rebuilt.cookies[cookie.key] = cookie
        return mark_formatted(rebuilt)


def _is_api_json(response: HttpResponseBase) -> bool:
    """JSON answers that already carry a `message` are left as they are."""
    if not isinstance(response, HttpResponse):
        return False
    if not response.get("Content-Type", "").startswith("application/json"):
        return False
    try:
        data = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and isinstance(data.get("message"), str)


# ---------------------------------------------------------------- handlers (urls.py, settings)

_TOO_BIG = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: an oversized body is a 413, not Django's HTML 400."""
    if isinstance(exception, _TOO_BIG):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        status = 413
        message = (
            _("请求体过大：超过 %(kb)s KB 或字段过多") % {"kb": limit // 1024}
            if limit
            else _("请求体过大")
        )
    else:
        status = 400
        message = _("请求无效：%(reason)s") % {"reason": exception} if exception else _("请求无效")
    formatter = formatter_for(request.path)
    if formatter is not None:
        return formatter(request, status, message)
    return render(request, "core/error.html", {"message": message}, status=status)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the refusal's own Chinese reason (该记录不在您的管辖范围内), not Django's bare
    English "403 Forbidden"; a machine client gets its own format."""
    message = str(exception) if exception is not None and str(exception) else _("您无权执行此操作")
    formatter = formatter_for(request.path)
    if formatter is not None:
        return formatter(request, 403, message)
    return render(request, "core/error.html", {"message": message}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a machine client gets its own format; a person, a page that says why."""
    message = _("CSRF 校验失败：请刷新页面后重试")
    if reason:
        message = _("CSRF 校验失败：请刷新页面后重试（%(reason)s）") % {"reason": reason}
    formatter = formatter_for(request.path)
    if formatter is not None:
        return formatter(request, 403, message)
    return render(request, "core/error.html", {"message": message}, status=403)
