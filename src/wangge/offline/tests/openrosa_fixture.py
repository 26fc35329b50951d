"""A stand-in OpenRosa server for the offline workbench's tests, written from the OpenRosa 1.0
specification (form list, form download, manifest, submission), not from the forms app.

It lets the browser test drive the service worker, the XForms engine and the queue against the
protocol itself; test_browser_offline.py adds the real endpoints' test when they exist. The
submission endpoint refuses a visit whose note says "拒绝" with an OpenRosa message, so that the
refused state and its reason are seen in the browser.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_protect

import wangge.urls

OPENROSA = {"X-OpenRosa-Version": "1.0", "X-OpenRosa-Accept-Content-Length": "10485760"}

XFORM = """<?xml version="1.0"?>
<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"
  xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms"
  xmlns:odk="http://www.opendatakit.org/xforms">
<h:head>
  <h:title>入户走访</h:title>
  <model odk:xforms-version="1.0.0">
    <instance>
      <data id="household_visit" version="1">
        <task_id/><household/><present/><phone/><note/><photo/>
        <meta><instanceID/></meta>
      </data>
    </instance>
    <instance id="households" src="jr://file-csv/households.csv"/>
    <bind nodeset="/data/task_id" type="string"/>
    <bind nodeset="/data/household" type="string" required="true()"/>
    <bind nodeset="/data/present" type="int"/>
    <bind nodeset="/data/phone" type="string"/>
    <bind nodeset="/data/note" type="string"/>
    <bind nodeset="/data/photo" type="binary"/>
    <bind nodeset="/data/meta/instanceID" type="string" readonly="true()" jr:preload="uid"/>
  </model>
</h:head>
<h:body>
  <select1 ref="/data/household">
    <label>住户</label>
    <itemset nodeset="instance('households')/root/item">
      <value ref="name"/><label ref="label"/>
    </itemset>
  </select1>
  <input ref="/data/present"><label>在家人数</label></input>
  <input ref="/data/phone"><label>联系电话</label></input>
  <input ref="/data/note"><label>情况说明</label></input>
  <upload ref="/data/photo" mediatype="image/*"><label>现场照片</label></upload>
</h:body>
</h:html>
"""

ROSTER = "name,label\nH1,幸福路10号1单元101\nH2,幸福路10号1单元102\nH3,幸福路10号1单元201\n"

# The grid worker's tasks, as GET /api/tasks/mine answers them (docs/tasks.md).
TASKS = {
    "today": "2026-12-07",
    "tasks": [
        {
            "id": 100 + i,
            "kind": "visit",
            "kind_label": "走访",
            "title": f"走访 {label}",
            "status": "open",
            "due_date": "2026-12-07",
            "overdue": i == 0,
            "form_code": "household_visit",
            "form_id": "household_visit",
            "building": {"id": 1, "label": "幸福路10号1号楼"},
            "household_id": name,
        }
        for i, (name, label) in enumerate(
            [("H1", "1单元101"), ("H2", "1单元102"), ("H3", "1单元201")]
        )
    ],
}

# What the server received, in order: {"user", "instance_id", "xml", "files", "task"}.
RECEIVED: list[dict[str, Any]] = []


def _md5(text: str) -> str:
    return "md5:" + hashlib.md5(text.encode()).hexdigest()


def _xml(body: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    for key, value in OPENROSA.items():
        response[key] = value
    return response


def _challenge() -> HttpResponse:
    response = _xml("<OpenRosaResponse><message>请先登录</message></OpenRosaResponse>", 401)
    response["WWW-Authenticate"] = 'Basic realm="wangge"'
    return response


def my_tasks(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return JsonResponse(TASKS)


def form_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _challenge()
    base = request.build_absolute_uri("/")[:-1]
    return _xml(
        '<xforms xmlns="http://openrosa.org/xforms/xformsList"><xform>'
        "<formID>household_visit</formID><name>入户走访</name><version>1</version>"
        f"<hash>{_md5(XFORM)}</hash>"
        f"<downloadUrl>{base}/openrosa/forms/household_visit.xml</downloadUrl>"
        f"<manifestUrl>{base}/openrosa/xformsManifest/household_visit</manifestUrl>"
        "</xform></xforms>"
    )


def form_download(request: HttpRequest) -> HttpResponse:
    return _xml(XFORM) if request.user.is_authenticated else _challenge()


def form_manifest(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _challenge()
    base = request.build_absolute_uri("/")[:-1]
    return _xml(
        '<manifest xmlns="http://openrosa.org/xforms/xformsManifest"><mediaFile>'
        f"<filename>households.csv</filename><hash>{_md5(ROSTER)}</hash>"
        f"<downloadUrl>{base}/openrosa/media/households.csv</downloadUrl>"
        "</mediaFile></manifest>"
    )


def roster(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _challenge()
    return HttpResponse(ROSTER, content_type="text/csv; charset=utf-8")


@csrf_protect
def submission(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return _challenge()
    if request.method == "HEAD":
        return _xml("", 204)
    upload = request.FILES.get("xml_submission_file")
    if upload is None:
        return _xml(
            "<OpenRosaResponse><message>缺少 xml_submission_file</message></OpenRosaResponse>", 400
        )
    xml = upload.read().decode()
    found = re.search(r"<instanceID>([^<]+)</instanceID>", xml)
    instance_id = found.group(1) if found else ""
    if "拒绝" in xml:
        return _xml(
            "<OpenRosaResponse><message>住户已迁出，不能走访</message></OpenRosaResponse>", 400
        )
    if not any(r["instance_id"] == instance_id for r in RECEIVED):
        RECEIVED.append(
            {
                "user": request.user.get_username(),
                "instance_id": instance_id,
                "xml": xml,
                "files": {
                    name: f.size for name in request.FILES for f in request.FILES.getlist(name)
                },
                "task": request.GET.get("task", ""),
            }
        )
    return _xml(
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        "<message>已收到</message></OpenRosaResponse>",
        201,
    )


urlpatterns = [
    path("api/tasks/mine", my_tasks),
    path("openrosa/formList", form_list),
    path("openrosa/forms/household_visit.xml", form_download),
    path("openrosa/xformsManifest/household_visit", form_manifest),
    path("openrosa/media/households.csv", roster),
    path("openrosa/submission", submission),
    path("", include(wangge.urls.urlpatterns)),
]
