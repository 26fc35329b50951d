"""The offline workbench: the service worker, the web app manifest and the two offline pages.

The pages hold no data of their own: their scripts (frontend/offline/, bundled at install time
into build/offline/ and served under /static/offline/) read the user's tasks, forms and roster
from the user's own session, and the service worker keeps those answers for use without a
network. See docs/offline.md.
"""

from __future__ import annotations

from pathlib import Path

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET


def build_dir() -> Path:
    """Where scripts/install (frontend/build.mjs) writes the bundles and the worker."""
    return Path(settings.REPO_DIR) / "build" / "offline"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker, served from the site's root so that its scope covers every page (a worker
    under /static/offline/ could only control /static/offline/). Never cached by HTTP: a new
    build must reach the phone on its next visit."""
    path = build_dir() / "sw.js"
    if not path.is_file():
        return HttpResponse(
            "// 离线工作台尚未构建：请运行 scripts/install (offline bundle not built)\n",
            status=404,
            content_type="text/javascript; charset=utf-8",
        )
    response = HttpResponse(path.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def web_manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installing the workbench puts it on the phone's home screen."""
    manifest = {
        "name": "网格工作台",
        "short_name": "网格",
        "description": "网格员的任务、表单和离线填报",
        "lang": "zh-CN",
        "start_url": "/offline/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        "icons": [
            {"src": static("wangge/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


# What the workbench's script writes on the page (frontend/offline/shell.js): handed to it in the
# user's language inside the page (a JSON block, which the CSP allows), so that the page works
# offline from its cached copy. Keys are the Chinese; `%(name)s` is filled in by the script.
SHELL_STRINGS = [
    gettext_noop("待发送"),
    gettext_noop("已发送"),
    gettext_noop("被拒绝：%(reason)s"),
    gettext_noop("在线：填好的表单会立即发送"),
    gettext_noop("离线：表单先存在本机，联网后自动发送"),
    gettext_noop("重新发送"),
    gettext_noop("从本机清除"),
    gettext_noop("其他"),
    gettext_noop("任务 %(id)s"),
    gettext_noop("已逾期"),
    gettext_noop("截止 %(date)s"),
    gettext_noop("填写"),
    gettext_noop("打开"),
    gettext_noop("此任务需联网办理，请到有信号处再打开"),
    gettext_noop("任务暂不可用"),
    gettext_noop("离线：本机没有保存任务"),
    gettext_noop("表单暂不可用"),
    gettext_noop("离线：本机没有保存表单"),
    gettext_noop("下一个文号：%(number)s，本机还有%(left)s个"),
    gettext_noop("本机没有预留文号：联网打开工作台时自动预留"),
]

# The fill page's own words (frontend/offline/fill.js); in English the form engine's buttons
# keep their own English instead of the Chinese the page gives them otherwise.
FILL_STRINGS = [
    gettext_noop("没有指定表单：请从离线工作台打开"),
    gettext_noop("找不到表单 %(form)s"),
    gettext_noop("离线：本机没有保存表单 %(form)s，请联网后打开一次工作台"),
    gettext_noop("已保存到本机：待发送。通知书文号 %(number)s"),
    gettext_noop("已保存到本机：待发送"),
]


@login_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    """离线工作台: tasks, forms and the queue of filled forms with their states."""
    strings = {text: gettext(text) for text in SHELL_STRINGS}
    return render(request, "offline/shell.html", {"strings": strings})


# Two relaxations of the site's policy, on this page only (it runs nothing but the engine's
# bundle, served from 'self'):
# - ODK Web Forms (a Vue component library built with PrimeVue) puts its styles into the page at
#   run time as <style> elements (its build injects its CSS from JavaScript, and PrimeVue's
#   styled mode writes theme rules), which `style-src 'self'` refuses: 'unsafe-inline' for
#   styles only.
# - Its XPath engine parses expressions with tree-sitter compiled to WebAssembly, which
#   `script-src 'self'` refuses to instantiate: 'wasm-unsafe-eval' allows WebAssembly and
#   nothing else (JavaScript eval and new Function stay forbidden; there is no 'unsafe-eval').
# - A photo question with `max-pixels` (the checklists' photos) is shrunk on the phone by pica,
#   which the engine bundles: pica resizes in Web Workers it starts from blob: URLs of its own
#   code (and probes the browser with a data: worker). Under `script-src 'self'` as the
#   fallback for workers they are refused and the photo never arrives, so `worker-src` names
#   'self' (the service worker), blob: and data:. Only a script already running on the page
#   can start such a worker, and the page runs nothing but the bundle.
@csp_update(
    {
        "style-src": ["'unsafe-inline'"],
        "script-src": ["'wasm-unsafe-eval'"],
        "font-src": ["data:"],  # the theme's fonts are inlined in its CSS
        "worker-src": ["'self'", "blob:", "data:"],
    }
)
@login_required
@require_GET
def fill(request: HttpRequest) -> HttpResponse:
    """The form-fill page: /offline/fill/?form=<formID>&task=<task id>."""
    strings = {text: gettext(text) for text in FILL_STRINGS}
    return render(request, "offline/fill.html", {"strings": strings})
