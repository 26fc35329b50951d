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


@login_required
@require_GET
def workbench(request: HttpRequest) -> HttpResponse:
    """离线工作台: tasks, forms and the queue of filled forms with their states."""
    return render(request, "offline/shell.html")


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
    return render(request, "offline/fill.html")
