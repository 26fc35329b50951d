"""Apps are layered: an app imports (at module level) only apps below it, so no ring of apps can
come back unnoticed. `core` is at the bottom and imports no app at all.

Function-level imports and names resolved at run time (`DEMO_CONTRIBUTIONS`, `HOME_VIEW`,
string model references) are the sanctioned ways for a lower app to reach a higher one, and are
not checked here. The back-edges that remain are listed in `KNOWN_UPWARD`, each with its reason;
the list may only shrink (a listed edge that no longer exists fails too, so it gets deleted).
An app not in `LAYERS` counts as above all of them: it may import any listed app, none of them
may import it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]  # src/wangge

# Lowest first.
LAYERS = (
    "core",
    "audit",
    "access",
    "jobs",
    "geo",
    "addresses",
    "people",
    "fusion",
    "cases",
    "tasks",
    "inspections",
    "security",
)

# (importing module, imported app): why it is still there.
KNOWN_UPWARD = {
    ("audit/jobs.py", "jobs"): "the sequencer's periodic job, declared where the jobs app finds it",
    ("access/services.py", "geo"): "a role is bound to a region level (RegionLevel)",
    ("access/demo.py", "geo"): "demo accounts get their regions and the grid worker's post",
    ("access/masking.py", "people"): "masking re-exports people.idnumber / people.phone",
    ("geo/services.py", "addresses"): "region pages count buildings and rooms",
    ("geo/services.py", "people"): "region pages count households and residents",
    ("addresses/services.py", "people"): "a room with households is not deleted",
    ("people/views.py", "fusion"): "the person page shows where each value came from",
}


def _apps() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def _modules(app: str) -> list[Path]:
    skip = {"tests", "migrations"}
    return [
        path
        for path in sorted((PACKAGE / app).rglob("*.py"))
        if not skip & set(path.relative_to(PACKAGE).parts)
        and path.name not in ("conftest.py", "testing.py")
    ]


def _top_level_imports(tree: ast.Module) -> list[str]:
    """Modules imported when the file is imported: its body, not functions, not TYPE_CHECKING."""
    names: list[str] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                if node.module == "wangge":
                    names.extend(f"wangge.{alias.name}" for alias in node.names)
                else:
                    names.append(node.module)
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif isinstance(node, (ast.With, ast.ClassDef)):
                visit(node.body)

    visit(tree.body)
    return names


def upward_imports() -> set[tuple[str, str]]:
    """(module, app) for every module-level import of an app at the same level or above."""
    apps = _apps()
    rank = {app: LAYERS.index(app) if app in LAYERS else len(LAYERS) for app in apps}
    found: set[tuple[str, str]] = set()
    for app in apps:
        for path in _modules(app):
            for name in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
                parts = name.split(".")
                if parts[0] != "wangge" or len(parts) < 2 or parts[1] not in rank:
                    continue
                target = parts[1]
                if target != app and rank[target] >= rank[app]:
                    found.add((path.relative_to(PACKAGE).as_posix(), target))
    return found


def test_apps_import_only_apps_below_them() -> None:
    new = upward_imports() - set(KNOWN_UPWARD)
    assert not new, (
        "these modules import an app above their own (a ring of apps in the making); depend "
        "the other way, name it at run time, or move the shared part down: "
        + ", ".join(f"{module} → {app}" for module, app in sorted(new))
    )


def test_the_known_back_edges_still_exist() -> None:
    gone = set(KNOWN_UPWARD) - upward_imports()
    assert not gone, f"no longer imported, delete from KNOWN_UPWARD: {sorted(gone)}"


def test_core_imports_no_app() -> None:
    assert not {edge for edge in upward_imports() if edge[0].startswith("core/")}


def test_the_checker_sees_an_upward_import() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "from wangge.people.models import Person\n"
        "if TYPE_CHECKING:\n    from wangge.cases.models import Case\n"
        "def f():\n    from wangge.fusion import services\n"
    )
    assert _top_level_imports(tree) == ["typing", "wangge.people.models"]
