"""Chinese first: the UI is Chinese unless the user chose English, whatever the browser says.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a grid worker on an
English-language phone would get an English UI they never asked for.

And the answer to HEAD has no content (`HeadWithoutBodyMiddleware`), and a page's query or form
field that cannot be stored is refused before its view reads it (`StorableTextMiddleware`).
Pages take GET, HEAD and POST only (`PageMethodsMiddleware`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from wangge.core.bounds import text_problem


class ChosenLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class HeadWithoutBodyMiddleware:
    """RFC 9110 §9.3.2: the answer to HEAD has the status and headers GET would get, and no
    content. Django leaves taking the body off to the server, and gunicorn sends what it is
    given: a HEAD answered with a body (the 401 challenge's XML, a 405's error) puts bytes on a
    kept-alive connection that the client reads as the start of its next answer. ODK Collect
    sends HEAD /openrosa/submission, unauthenticated first, before every submission.

    Outermost in MIDDLEWARE, so it sees every answer, also those of other middleware. The
    Content-Length of the GET answer stays, as the RFC allows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []  # type: ignore[attr-defined]
            else:
                response.content = b""  # type: ignore[attr-defined]
        return response


class StorableTextMiddleware:
    """A NUL in a page's query or form field is a 400 naming the field (the words of
    `core.bounds.text_problem`), before the view: PostgreSQL cannot hold one in text, and the
    pages pass their fields to queries and services as they come (a search, a list filter, a
    case's note), so each was a 500 there.

    Pages only: views exempt from CSRF (the REST API, Open311, OpenRosa) parse and check their
    own bodies, and reading a multipart form here would consume a stream they read themselves.
    For the pages the CSRF check has already read the form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if getattr(view, "csrf_exempt", False):
            return None
        fields = [request.GET]
        if request.method == "POST":
            fields.append(request.POST)
        for data in fields:
            for key, values in data.lists():
                for value in [key, *values]:
                    problem = text_problem(value)
                    if problem:
                        name = key[:40].replace("\x00", "")
                        message = _("请求参数“%(name)s”有误：%(problem)s") % {
                            "name": name,
                            "problem": problem,
                        }
                        return render(request, "core/error.html", {"message": message}, status=400)
        return None


class PageMethodsMiddleware:
    """Pages answer GET, HEAD and POST; any other method is 405 with `Allow` (OWASP ASVS
    14.5.1: only the methods in use). Most page views read anything that is not a POST as a
    GET, so DELETE, PUT or TRACE on a case's page answered 200 with the page. The API and the
    protocol endpoints (Open311, OpenRosa) say for themselves which methods they take."""

    PAGE_METHODS = ("GET", "HEAD", "POST")
    OWN_METHODS = ("/api/", "/open311/", "/openrosa/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in self.PAGE_METHODS and not request.path.startswith(
            self.OWN_METHODS
        ):
            return HttpResponseNotAllowed(self.PAGE_METHODS)
        return self.get_response(request)
