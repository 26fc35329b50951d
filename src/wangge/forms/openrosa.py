"""The OpenRosa 1.0 documents, written from the specifications (docs.getodk.org: OpenRosa
Form List API, Form Submission API, HTTP Request API): the form list, the manifest, the
submission response, and reading a submission's instance. No Django here.

Submissions are parsed with the standard library's expat-based parser after refusing any
DOCTYPE: no entity expansion, no external entities (XXE) whatever the client sends. A
submission is read in the encoding XML says it is in (`instance_text`), not assumed UTF-8.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

OPENROSA_VERSION = "1.0"
XFORMS_LIST_NS = "http://openrosa.org/xforms/xformsList"
MANIFEST_NS = "http://openrosa.org/xforms/xformsManifest"
RESPONSE_NS = "http://openrosa.org/http/response"
MAX_SUBMISSION_XML = 5 * 1024 * 1024
# Groups and repeats nest a few levels in a real form; the walk below recurses once per level.
MAX_SUBMISSION_DEPTH = 100


@dataclass(frozen=True)
class ListedForm:
    form_id: str
    name: str
    version: str
    md5: str
    download_url: str
    manifest_url: str = ""


def form_list(forms: list[ListedForm]) -> str:
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="{XFORMS_LIST_NS}">']
    for f in forms:
        out.append(
            "<xform>"
            f"<formID>{escape(f.form_id)}</formID>"
            f"<name>{escape(f.name)}</name>"
            f"<version>{escape(f.version)}</version>"
            f"<hash>md5:{f.md5}</hash>"
            f"<downloadUrl>{escape(f.download_url)}</downloadUrl>"
            + (f"<manifestUrl>{escape(f.manifest_url)}</manifestUrl>" if f.manifest_url else "")
            + "</xform>"
        )
    out.append("</xforms>")
    return "\n".join(out)


def manifest(files: list[tuple[str, str, str]]) -> str:
    """`files`: (file name, md5 hex, download URL)."""
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="{MANIFEST_NS}">']
    for name, md5, url in files:
        out.append(
            f"<mediaFile><filename>{escape(name)}</filename><hash>md5:{md5}</hash>"
            f"<downloadUrl>{escape(url)}</downloadUrl></mediaFile>"
        )
    out.append("</manifest>")
    return "\n".join(out)


def response(message: str, nature: str = "") -> str:
    attr = f' nature="{escape(nature)}"' if nature else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<OpenRosaResponse xmlns="{RESPONSE_NS}">'
        f"<message{attr}>{escape(message)}</message></OpenRosaResponse>"
    )


class InstanceError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Instance:
    """A submitted instance: the form it answers and its values by path below the root.

    `values` maps a path without the root (`household`, `members/phone`) to the list of its
    texts in document order; `groups` lists each repeat's entries as dicts of their leaves."""

    form_id: str
    version: str
    instance_id: str
    device_id: str
    values: dict[str, list[str]] = field(default_factory=dict)
    repeats: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def first(self, path: str) -> str:
        found = self.values.get(path)
        return found[0].strip() if found else ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


_DECLARED = re.compile(rb"""\A\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][\w.-]{0,39})["']""")
_ENCODING_ATTR = re.compile(r"""\A(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""")


def instance_text(data: bytes, *, strict: bool = False) -> str:
    """The submitted XML as text, decoded as XML 1.0 says (§4.3.3, Appendix F): a byte-order
    mark, else the declaration's `encoding`, else UTF-8. The declaration's `encoding` is taken
    out: the text is what is stored and parsed again, as UTF-8. A client may send any encoding
    an XML parser reads (Collect writes UTF-8; others write ISO-8859-1 or UTF-16), and reading
    those bytes as UTF-8 garbles the answers or fails to parse them again. `strict`: bytes that
    are not in that encoding (or an unknown encoding) are an InstanceError, as they are a fatal
    error for an XML parser; otherwise they are replaced (to keep what an unreadable submission
    sent)."""
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        declared = _DECLARED.match(data)
        encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        text = data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        if strict:
            raise InstanceError(f"提交的XML编码不符（{encoding}）：{exc}") from exc
        text = data.decode("utf-8", errors="replace")
    return _ENCODING_ATTR.sub(r"\1", text, count=1)


def parse_instance(data: bytes, repeat_paths: set[str] | None = None) -> Instance:
    if len(data) > MAX_SUBMISSION_XML:
        raise InstanceError("提交的XML过大")
    text = instance_text(data, strict=True)  # the DOCTYPE check sees characters
    if "<!doctype" in text[:2048].lower() or "<!entity" in text.lower():
        raise InstanceError("提交的XML不能包含DOCTYPE或实体声明")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InstanceError(f"提交的XML无法解析：{exc}") from exc
    form_id = root.get("id", "").strip()
    if not form_id:
        raise InstanceError("提交的XML缺少根元素的 id 属性（表单编号）")
    instance = Instance(
        form_id=form_id,
        version=root.get("version", "").strip(),
        instance_id="",
        device_id="",
    )
    repeat_paths = repeat_paths or set()

    def walk(node: ET.Element, prefix: str, entry: dict[str, str] | None, depth: int = 1) -> None:
        if depth > MAX_SUBMISSION_DEPTH:
            raise InstanceError(
                f"提交的XML嵌套超过 {MAX_SUBMISSION_DEPTH} 层（在 {prefix[:200]} 处），无法读取"
            )
        for child in node:
            name = _local(child.tag)
            path = f"{prefix}{name}"
            if path in repeat_paths:
                item: dict[str, str] = {}
                instance.repeats.setdefault(path, []).append(item)
                walk(child, path + "/", item, depth + 1)
                continue
            if len(child):
                walk(child, path + "/", entry, depth + 1)
                continue
            text = (child.text or "").strip()
            instance.values.setdefault(path, []).append(text)
            if entry is not None:
                entry[name] = text

    walk(root, "", None)
    instance.instance_id = instance.first("meta/instanceID") or root.get("instanceID", "")
    instance.device_id = instance.first("meta/deviceID") or instance.first("deviceid")
    if not instance.instance_id:
        raise InstanceError("提交的XML缺少 meta/instanceID")
    if not re.fullmatch(r"[\w:.\-]{1,100}", instance.instance_id):
        raise InstanceError("meta/instanceID 格式不正确")
    return instance
