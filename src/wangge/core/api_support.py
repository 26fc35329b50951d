"""What every endpoint of the REST API shares: a strict body parser, bounded pages, an honest
OpenAPI document.

* The parser takes only a JSON object as a body. django-ninja would otherwise validate a bare
  string such as `"hello world"` as a schema by reading its attributes, so `str.title()` became
  the title of a new case. NaN and Infinity, lone surrogates and NUL are refused with the place
  they were found, before any model sees them.
* Page numbers are bounded (`core.bounds.MAX_PAGE`): an offset past int64 overflowed the driver.
* The OpenAPI document lists the error answers (every one is `{"message": …}`) and has each
  status code once (an `openapi_extra` keyed "200" next to ninja's 200 gave a duplicated key
  that Swagger UI refused to render).
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.pagination import PageNumberPagination
from ninja.parser import Parser

from wangge.core.bounds import MAX_PAGE, MAX_PAGE_SIZE, text_problem, walk_text


class BodyRefused(Exception):
    """A request body refused before validation; the API answers `status` with `message`."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _no_constant(name: str) -> float:
    raise BodyRefused(422, _("请求体含 %(name)s，JSON 数值必须是有限的数") % {"name": name})


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyRefused(422, _("请求体的数值 %(text)s 超出范围") % {"text": text[:40]})
    return value


def _body_problem(exc: ValueError) -> str:
    """Where the body stops being JSON, in the reader's words: the decoder's own message is
    English ("Expecting value: line 1 column 1"), which a Chinese answer should not carry."""
    if isinstance(exc, UnicodeDecodeError):
        return _("请求体不是 UTF-8 编码：第 %(position)d 个字节无法解码") % {
            "position": exc.start + 1
        }
    if isinstance(exc, json.JSONDecodeError):
        return _("请求体不是有效的 JSON：第 %(line)d 行第 %(column)d 列有误") % {
            "line": exc.lineno,
            "column": exc.colno,
        }
    return _("请求体不是有效的 JSON（例如数字位数过多）")


class StrictParser(Parser):
    """JSON objects only; text that cannot be stored is refused where it stands."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body, parse_constant=_no_constant, parse_float=_finite)
        except BodyRefused:
            raise
        except (ValueError, UnicodeDecodeError) as exc:
            raise BodyRefused(400, _body_problem(exc)) from exc
        if not isinstance(data, dict):
            kind = {
                str: _("字符串"),
                list: _("数组"),
                int: _("数字"),
                float: _("数字"),
                bool: _("布尔值"),
            }.get(type(data), "null")
            raise BodyRefused(
                422, _("请求体必须是 JSON 对象（{…}），收到的是%(kind)s") % {"kind": kind}
            )
        bad = walk_text(data)
        if bad is not None:
            where, problem = bad
            raise BodyRefused(
                422,
                _("请求参数有误：%(where)s: %(problem)s") % {"where": where, "problem": problem},
            )
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        for key, values in data.lists():
            for value in values:
                if isinstance(value, str):
                    problem = text_problem(value)
                    if problem:
                        raise BodyRefused(
                            422,
                            _("请求参数有误：%(key)s: %(problem)s")
                            % {"key": key, "problem": problem},
                        )
        return super().parse_querydict(data, list_fields, request)


class BoundedPagination(PageNumberPagination):
    """ninja's page numbers with an upper bound (and so a bounded offset)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)


ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {
        "message": {"type": "string", "description": "说明错误（中文）：什么有误、在哪里"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "where": {"type": "string", "description": "出错的参数，如 query.page"},
                    "message": {"type": "string", "description": "该参数的问题（中文）"},
                    "type": {"type": "string", "description": "错误类型（pydantic），供程序判断"},
                },
            },
        },
    },
    "required": ["message"],
}

_ERRORS = {
    "400": "请求无效（如请求体不是 JSON）",
    "401": "未认证：请登录或提供 API 令牌",
    "403": "无权操作，或超出管辖范围",
    "404": "记录不存在或不在管辖范围内",
    "405": "该路径不支持此方法",
    "409": "记录已被他人修改（version 已过期）",
    "413": "请求体过大",
    "422": "参数校验失败：errors 列出每个字段的问题",
    "429": "请求过于频繁",
}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Merge status keys that differ only in type, and list the error answers of each operation."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            responses: dict[Any, Any] = {}
            for code, answer in operation.get("responses", {}).items():
                merged = responses.setdefault(str(code), {})
                for key, value in answer.items():
                    if isinstance(value, dict) and isinstance(merged.get(key), dict):
                        merged[key] = {**merged[key], **value}
                    else:
                        merged[key] = value
            # 404 everywhere: besides a path's record, an unknown region in a query or unit
            # in a body is answered 404 as well.
            codes = ["400", "403", "404", "405", "422", "429"]
            if operation.get("security"):
                codes.append("401")
            if method == "post":
                codes += ["409", "413"]
            for code in sorted(codes):
                responses.setdefault(code, {"description": _ERRORS[code], "content": ref})
            operation["responses"] = dict(sorted(responses.items()))
    return schema


class WanggeAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return document_errors(super().get_openapi_schema(**kwargs))
