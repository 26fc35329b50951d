"""Open311 answers and errors in the format the path asks for (`.xml` or `.json`).

Every error under `/open311/` is the spec's `errors/error` list with `code` and `description`,
in XML when the path ends in `.xml` and JSON otherwise: the views' own refusals, and also the
answers Django makes without them (unknown paths, 405, the 413 of an oversized body, CSRF),
which `core.api_errors.ErrorFormatMiddleware` rebuilds through `error_response`.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse

from wangge.core.api_errors import mark_formatted

# A list's items in XML are named by the list: <attributes><attribute>…, <values><value>….
ITEM_NAMES = {
    "attributes": "attribute",
    "values": "value",
    "keywords": "keyword",
    "endpoints": "endpoint",
    "formats": "format",
    "media_urls": "media_url",
}


# Characters XML 1.0 cannot carry at all (C0 controls but tab, newline, return; lone
# surrogates; U+FFFE/FFFF). One in a hotline case's text would make the whole list unreadable
# to an XML client, so they are dropped from XML answers.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


class Open311Error(Exception):
    """A refusal: HTTP status, the spec's numeric code (the status unless told) and a Chinese
    description that says what is wrong and where."""

    def __init__(self, status: int, description: str, code: int | None = None):
        super().__init__(description)
        self.status = status
        self.code = code or status
        self.description = description


def fmt_of(path: str) -> str:
    return "xml" if path.lower().endswith(".xml") else "json"


def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    child = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(child, key, inner)
    elif isinstance(value, list):
        for item in value:
            _xml_value(child, ITEM_NAMES.get(name, "value"), item)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = xml_text(str(value))


def xml_document(root: str, item: str | None, rows: Any) -> bytes:
    """`<root><item>…</item>…</root>`, or with `item` None the one dict `rows` as `<root>…`."""
    element = ET.Element(root)
    if item is None:
        for key, value in rows.items():
            _xml_value(element, key, value)
    else:
        for row in rows:
            node = ET.SubElement(element, item)
            for key, value in row.items():
                _xml_value(node, key, value)
    return bytes(ET.tostring(element, encoding="utf-8", xml_declaration=True))


def render(fmt: str, root: str, item: str | None, rows: Any, status: int = 200) -> HttpResponse:
    """A list of rows (or, with `item` None, one object) as XML or JSON."""
    if fmt == "xml":
        return HttpResponse(
            xml_document(root, item, rows), status=status, content_type="text/xml; charset=utf-8"
        )
    return HttpResponse(
        json.dumps(rows, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def errors(fmt: str, status: int, items: Sequence[tuple[int, str]]) -> HttpResponse:
    rows = [{"code": code, "description": description} for code, description in items]
    response = render(fmt, "errors", "error", rows, status=status)
    mark_formatted(response)
    return response


def error(fmt: str, exc: Open311Error) -> HttpResponse:
    return errors(fmt, exc.status, [(exc.code, exc.description)])


def error_response(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """The middleware's formatter for `/open311/`: any error answer in the spec's shape."""
    return errors(fmt_of(request.path), status, [(status, message)])
