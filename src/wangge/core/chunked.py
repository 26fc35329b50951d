"""Request bodies sent with `Transfer-Encoding: chunked` (no Content-Length) reach Django.

Django reads `CONTENT_LENGTH` bytes of a request body and takes a missing length as 0, so a
chunked POST arrives empty. gunicorn decodes the chunks and says so (`wsgi.input_terminated`,
the input ends where the body ends); this WSGI wrapper reads such a body into a spooled file
(in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, then on disk) and gives Django its length.

It reads no further than the largest body the platform takes (the signed-in cap when the
request carries credentials or a session, else the anonymous one) plus one byte: a longer
body then has a length over the cap, and `access.middleware.BodySizeLimitMiddleware` answers
413 as for any other.

The OpenRosa Form Submission API requires it: "The server MUST support HTTP 1.1 chunked
transfer encoding for receiving the POST content."
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_BLOCK = 64 * 1024


def _cap(environ: dict[str, Any]) -> int:
    anonymous = int(settings.WANGGE_ANONYMOUS_MAX_BODY_BYTES)
    cookie = settings.SESSION_COOKIE_NAME + "="
    if "HTTP_AUTHORIZATION" in environ or cookie in environ.get("HTTP_COOKIE", ""):
        return max(anonymous, int(settings.WANGGE_IMPORT_MAX_FILE_BYTES) + 2**20)
    return anonymous


def chunked_bodies(app: WSGIApp) -> WSGIApp:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (
            not environ.get("CONTENT_LENGTH")
            and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
            and environ.get("wsgi.input_terminated")
        ):
            limit = _cap(environ) + 1
            # an unnamed temporary file: nothing left on disk; freed with the request
            body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
            source = environ["wsgi.input"]
            read = 0
            while read < limit:
                block = source.read(min(_BLOCK, limit - read))
                if not block:
                    break
                body.write(block)
                read += len(block)
            body.seek(0)
            environ["wsgi.input"] = body
            environ["CONTENT_LENGTH"] = str(read)
        return app(environ, start_response)

    return wrapped
