"""An OpenRosa 1.0 client written from the specifications (docs.getodk.org: Form List API,
Form Submission API, HTTP Request API, Authentication API; the ODK XForms spec for filling a
form), not from the server's code: it imports nothing from `wangge.forms`.

It drives Django's test client over HTTP the way ODK Collect does: every request carries
`X-OpenRosa-Version: 1.0`; a 401 answer with a `WWW-Authenticate` challenge is retried once
with HTTP Basic credentials; the form list and manifest are read as the spec's XML; media
files are fetched by their manifest URL; submissions are multipart with `xml_submission_file`.
"""

from __future__ import annotations

import base64
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

LIST_NS = "{http://openrosa.org/xforms/xformsList}"
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"
XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
JR = "{http://openrosa.org/javarosa}"
# a 1×1 JPEG: what a camera question's answer looks like on the wire
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912"
    "130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001"
    "000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303"
    "020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282"
    "090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778"
    "797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5"
    "d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)


@dataclass
class FormEntry:
    form_id: str
    name: str
    version: str
    hash: str
    download_url: str
    manifest_url: str


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def message(self) -> str:
        try:
            root = ET.fromstring(self.body)
        except ET.ParseError:
            return ""
        return " ".join((e.text or "") for e in root.iter() if e.tag.endswith("message"))


@dataclass
class OpenRosaClient:
    client: Client
    username: str = ""
    password: str = ""
    challenges: int = 0
    preemptive: bool = False  # after a successful challenge, send credentials up front
    sent: list[tuple[str, str]] = field(default_factory=list)

    def _path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def request(self, method: str, url: str, **kwargs: Any) -> Answer:
        headers = {"X-OpenRosa-Version": "1.0"}
        if self.preemptive:
            headers["Authorization"] = self._basic()
        response = self._send(method, url, headers, kwargs)
        if response.status_code == 401 and self.username and not self.preemptive:
            self.challenges += 1
            challenge = response.headers.get("WWW-Authenticate", "")
            assert challenge.lower().startswith(("basic", "digest")), challenge
            headers["Authorization"] = self._basic()
            response = self._send(method, url, headers, kwargs)
            self.preemptive = response.status_code != 401
        body = b"".join(response) if response.streaming else response.content
        return Answer(response.status_code, dict(response.headers.items()), body)

    def _basic(self) -> str:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return f"Basic {token}"

    def _send(self, method: str, url: str, headers: dict[str, str], kwargs: dict[str, Any]) -> Any:
        self.sent.append((method, url))
        call = getattr(self.client, method.lower())
        data = kwargs.get("data")
        if data is not None:
            # multipart bodies are rebuilt for a retry (the files were read)
            data = {
                k: (SimpleUploadedFile(v[0], v[1], v[2]) if isinstance(v, tuple) else v)
                for k, v in data.items()
            }
            return call(self._path(url), data=data, headers=headers)
        return call(self._path(url), headers=headers)

    # -- Form List API ------------------------------------------------------------------------

    def form_list(self, workbench: bool = False) -> tuple[Answer, list[FormEntry]]:
        """`workbench`: ask as the browser's workbench does, for the forms opened from a task
        too (what ODK Collect is not offered)."""
        url = "/openrosa/formList?from=workbench" if workbench else "/openrosa/formList"
        answer = self.request("GET", url)
        if answer.status != 200:
            return answer, []
        root = ET.fromstring(answer.body)
        assert root.tag == f"{LIST_NS}xforms"
        forms = []
        for x in root.findall(f"{LIST_NS}xform"):

            def text(name: str, x: ET.Element = x) -> str:
                node = x.find(f"{LIST_NS}{name}")
                return (node.text or "") if node is not None else ""

            forms.append(
                FormEntry(
                    text("formID"),
                    text("name"),
                    text("version"),
                    text("hash"),
                    text("downloadUrl"),
                    text("manifestUrl"),
                )
            )
        return answer, forms

    def manifest(self, entry: FormEntry) -> list[tuple[str, str, str]]:
        answer = self.request("GET", entry.manifest_url)
        assert answer.status == 200, answer.body
        root = ET.fromstring(answer.body)
        assert root.tag == f"{MANIFEST_NS}manifest"
        return [
            (
                m.findtext(f"{MANIFEST_NS}filename") or "",
                m.findtext(f"{MANIFEST_NS}hash") or "",
                m.findtext(f"{MANIFEST_NS}downloadUrl") or "",
            )
            for m in root.findall(f"{MANIFEST_NS}mediaFile")
        ]

    def fetch_form(self, form_id: str) -> tuple[str, dict[str, bytes]]:
        """The listed form's XForm and its media files by name, as Collect downloads them."""
        _answer, forms = self.form_list()
        entry = next(f for f in forms if f.form_id == form_id)
        xform = self.request("GET", entry.download_url).body.decode()
        media = {name: self.request("GET", url).body for name, _md5, url in self.manifest(entry)}
        return xform, media

    # -- Form Submission API ------------------------------------------------------------------

    def submit(
        self,
        xml: bytes,
        attachments: dict[str, tuple[bytes, str]] | None = None,
        *,
        incomplete: bool = False,
    ) -> Answer:
        data: dict[str, Any] = {"xml_submission_file": ("submission.xml", xml, "text/xml")}
        for name, (content, kind) in (attachments or {}).items():
            data[name] = (name, content, kind)
        if incomplete:
            data["*isIncomplete*"] = "yes"
        return self.request("POST", "/openrosa/submission", data=data)


# -- filling a form from its XForm (ODK XForms spec) ----------------------------------------


def _local_copy(node: ET.Element) -> ET.Element:
    """The instance as a client sends it: plain element names, attributes kept."""
    copy = ET.Element(node.tag.rsplit("}", 1)[-1], dict(node.attrib))
    for child in node:
        copy.append(_local_copy(child))
    return copy


def _csv_first_row(data: bytes) -> dict[str, str]:
    lines = data.decode("utf-8").splitlines()
    header = lines[0].split(",")
    return dict(zip(header, lines[1].split(","), strict=False)) if len(lines) > 1 else {}


def fill(
    xform: str,
    media: dict[str, bytes],
    *,
    overrides: dict[str, str] | None = None,
    instance_id: str | None = None,
) -> tuple[bytes, dict[str, tuple[bytes, str]]]:
    """An instance answering every question with a value valid for its type: the first choice
    of a select, the first row of a select from a file, a photo for an image question."""
    root = ET.fromstring(xform)
    model = root.find(f"{H}head/{XF}model")
    assert model is not None
    primary = model.find(f"{XF}instance")
    assert primary is not None
    data = _local_copy(list(primary)[0])
    binds = {b.get("nodeset", ""): b for b in model.findall(f"{XF}bind")}
    secondary = {i.get("id"): i for i in model.findall(f"{XF}instance") if i.get("id")}
    body = root.find(f"{H}body")
    controls: dict[str, ET.Element] = {}
    if body is not None:
        for el in body.iter():
            if el.get("ref"):
                controls[el.get("ref", "")] = el
    attachments: dict[str, tuple[bytes, str]] = {}
    overrides = overrides or {}

    def first_choice(control: ET.Element) -> str:
        itemset = control.find(f"{XF}itemset")
        if itemset is not None:
            match = re.match(r"instance\('([^']+)'\)", itemset.get("nodeset", ""))
            assert match, itemset.get("nodeset")
            inst = secondary[match.group(1)]
            src = inst.get("src", "")
            if src.startswith("jr://file-csv/"):
                return _csv_first_row(media[src.rsplit("/", 1)[1]]).get("name", "")
            item = inst.find(f"{XF}root/{XF}item")
            return (item.findtext(f"{XF}name") or "") if item is not None else ""
        item = control.find(f"{XF}item")
        return (item.findtext(f"{XF}value") or "") if item is not None else ""

    def value_for(path: str) -> str:
        if path in overrides:
            return overrides[path]
        bind = binds.get(path)
        kind = bind.get("type", "string") if bind is not None else "string"
        if bind is not None and (bind.get("calculate") or bind.get(f"{JR}preload")):
            if path.endswith("/instanceID"):
                return instance_id or f"uuid:{uuid.uuid4()}"
            if bind.get(f"{JR}preloadParams") == "deviceid":
                return "collect:test-device"
            if kind == "dateTime":
                return "2026-12-05T10:00:00.000+08:00"
            return ""
        control = controls.get(path)
        if control is not None and control.tag in (f"{XF}select1", f"{XF}select"):
            return first_choice(control)
        if kind == "binary":
            name = f"{path.rsplit('/', 1)[1]}.jpg"
            attachments[name] = (JPEG, "image/jpeg")
            return name
        return {
            "int": "1",
            "decimal": "1.5",
            "date": "1990-01-01",
            "dateTime": "2026-12-05T10:00:00.000+08:00",
            "time": "10:00:00.000+08:00",
            "geopoint": "39.9 116.4 0 5",
        }.get(kind, "13800138000")

    def walk(node: ET.Element, path: str) -> None:
        seen_templates: set[str] = set()
        for child in list(node):
            child_path = f"{path}/{child.tag}"
            if child.get(f"{JR}template") is not None:
                del child.attrib[f"{JR}template"]
                seen_templates.add(child.tag)
            elif child.tag in seen_templates:
                node.remove(child)  # the template is the one entry we fill
                continue
            if len(child):
                walk(child, child_path)
            else:
                child.text = value_for(child_path)

    walk(data, f"/{data.tag}")
    return ET.tostring(data, encoding="utf-8"), attachments
