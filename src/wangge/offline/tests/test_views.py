"""The offline workbench's server side: the worker at the root, the manifest, the two pages, and
a Content-Security-Policy relaxed on the form-fill page only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict
from wangge.offline.views import build_dir

pytestmark = pytest.mark.django_db


def _grid(sample: SampleDistrict) -> Client:
    client = Client()
    client.force_login(sample.users["grid"])
    return client


def test_the_worker_is_served_from_the_root_so_its_scope_covers_the_site() -> None:
    if not (build_dir() / "sw.js").is_file():
        pytest.skip("offline bundle not built (scripts/install)")
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"  # a new build reaches the phone at once
    body = response.content.decode()
    assert "/static/offline/fill.js" in body  # the precache list was injected at build time
    assert "self.__WB_MANIFEST" not in body


def test_the_bundles_carry_the_licences_of_the_code_they_contain() -> None:
    # Apache-2.0 and MIT ask for a copy of the licence with copies of the code; the form
    # engine's package declares Apache-2.0 but ships no text of it.
    notices = build_dir() / "THIRD-PARTY-LICENSES.txt"
    if not (build_dir() / "sw.js").is_file():
        pytest.skip("offline bundle not built (scripts/install)")
    text = notices.read_text("utf-8")
    web_forms = text.split("@getodk/web-forms ", 1)[1].split("\n\n", 2)
    assert "(Apache-2.0)" in web_forms[0]
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "workbox-precaching" in text and "The MIT License" in text


def test_a_missing_build_is_a_clear_404(settings: Any, tmp_path: Path) -> None:
    settings.REPO_DIR = tmp_path
    response = Client().get("/sw.js")
    assert response.status_code == 404
    assert "scripts/install" in response.content.decode()


def test_the_manifest_makes_the_workbench_installable() -> None:
    response = Client().get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/offline/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone" and manifest["icons"]
    assert manifest["name"] == "网格工作台"


def test_the_pages_need_a_login() -> None:
    for path in ["/offline/", "/offline/fill/?form=x"]:
        response = Client().get(path)
        assert response.status_code == 302 and "/login/" in response["Location"], path


def test_only_the_fill_page_relaxes_the_policy_and_never_for_javascript_eval(
    sample: SampleDistrict,
) -> None:
    client = _grid(sample)
    shell = client.get("/offline/")
    assert shell.status_code == 200
    assert "unsafe-inline" not in shell["Content-Security-Policy"]
    assert "wasm-unsafe-eval" not in shell["Content-Security-Policy"]
    fill = client.get("/offline/fill/?form=household_visit")
    assert fill.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in fill["Content-Security-Policy"].split(";"))
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"].split() == ["'self'", "'wasm-unsafe-eval'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    # the photo resizer's workers (blob:, and a data: probe), and the service worker ('self')
    assert policy["worker-src"].split() == ["'self'", "blob:", "data:"]
    assert "worker-src" not in shell["Content-Security-Policy"]


def test_the_pages_carry_the_user_and_token_for_the_queue_and_link_the_manifest(
    sample: SampleDistrict,
) -> None:
    body = _grid(sample).get("/offline/").content.decode()
    assert 'data-user="grid"' in body and "data-csrf=" in body  # on <body>, every page
    assert 'rel="manifest" href="/manifest.webmanifest"' in body
    assert 'type="module" src="/static/offline/shell.js"' in body


def test_the_workbench_hands_its_script_its_words_in_the_users_language(
    sample: SampleDistrict,
) -> None:
    """In English the workbench said 在线：填好的表单会立即发送 and 填写: shell.js wrote Chinese."""
    from wangge.core.testing import english_client

    def words(client: Client) -> dict[str, str]:
        body = client.get("/offline/").content.decode()
        block = body.split('<script id="offline-strings" type="application/json">', 1)[1]
        return dict(json.loads(block.split("</script>", 1)[0]))

    english = words(english_client(sample.users["grid"]))
    assert english["填写"] == "Fill in" and english["截止 %(date)s"] == "due %(date)s"
    assert english["在线：填好的表单会立即发送"] == "Online: filled forms are sent at once"
    assert words(_grid(sample))["填写"] == "填写"


def test_the_fill_page_hands_its_script_its_messages_in_the_users_language(
    sample: SampleDistrict,
) -> None:
    """In English a form that could not be found said 找不到表单 household_visit."""
    from wangge.core.testing import english_client

    body = english_client(sample.users["grid"]).get("/offline/fill/?form=x").content.decode()
    block = body.split('<script id="offline-strings" type="application/json">', 1)[1]
    words = json.loads(block.split("</script>", 1)[0])
    assert words["找不到表单 %(form)s"] == "Form %(form)s not found"
    assert words["已保存到本机：待发送"] == "Saved on this phone, waiting to send"


def test_the_forms_app_fill_link_leads_to_the_offline_fill_page(sample: SampleDistrict) -> None:
    from wangge.forms.services import load_shipped_forms

    load_shipped_forms()
    client = _grid(sample)
    response = client.get("/forms/household_visit/fill/?task=7&household=3")
    assert response.status_code == 302
    assert response["Location"] == "/offline/fill/?form=household_visit&task=7&household=3"
    assert client.get("/forms/no_such_form/fill/").status_code == 404
