"""Glue shared by every app's views: service errors become pages users can read, and
spreadsheets downloads."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from wangge.core.bounds import date_problem
from wangge.core.errors import ServiceError
from wangge.core.wording import say

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def service_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ServiceError as exc:
            return render(
                request, "core/error.html", {"message": say(exc.message)}, status=exc.status
            )

    return wrapper


def form_date(text: str) -> datetime.date | None:
    """A date typed into a page's filter or export form (2026-11-01), None when left empty.

    Malformed, or outside the years `core.bounds` supports, it is a ServiceError in Chinese:
    year 1 or 9999 parses, then overflows the day arithmetic and the conversion to UTC (a 500).
    """
    text = text.strip()
    if not text:
        return None
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise ServiceError(
            _("日期“%(text)s”格式不对，应如 2026-11-01") % {"text": text[:20]}
        ) from None
    problem = date_problem(day)
    if problem:
        raise ServiceError(problem)
    return day


def xlsx_download(data: bytes, filename: str) -> HttpResponse:
    """An .xlsx file the browser saves under ``filename`` rather than shows."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
