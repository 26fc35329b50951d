"""Glue shared by every app's views: service errors become pages users can read, and
spreadsheets downloads."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from wangge.core.errors import ServiceError

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def service_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ServiceError as exc:
            return render(request, "core/error.html", {"message": exc.message}, status=exc.status)

    return wrapper


def xlsx_download(data: bytes, filename: str) -> HttpResponse:
    """An .xlsx file the browser saves under ``filename`` rather than shows."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
