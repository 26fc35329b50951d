"""Chinese first: the UI is Chinese unless the user chose English, whatever the browser says.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a grid worker on an
English-language phone would get an English UI they never asked for.

And the answer to HEAD has no content (`HeadWithoutBodyMiddleware`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import translation


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
