"""House rules that keep personal data behind one scoped path, checked on the source itself."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PERSONAL_MODELS = {"Person", "Household", "Residence", "Room", "Building"}


def _thin_modules() -> list[Path]:
    return sorted([*ROOT.glob("*/views.py"), *ROOT.glob("*/api.py"), ROOT / "api.py"])


@pytest.mark.parametrize("path", _thin_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_views_and_api_reach_personal_data_only_through_visible_to(path: Path):
    tree = ast.parse(path.read_text("utf-8"))
    for node in ast.walk(tree):
        # Model.objects.<anything but visible_to>
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "objects"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in PERSONAL_MODELS
        ):
            assert node.attr == "visible_to", (
                f"{path.name}:{node.lineno} uses {node.value.value.id}.objects.{node.attr}; "
                "go through visible_to(user) or a service"
            )


PURE_MODULES = [
    "people/idnumber.py",
    "people/phone.py",
    "people/names.py",
    "addresses/registry_file.py",
    "geo/coords.py",
    "addresses/locator.py",
    "addresses/matcher.py",
    "addresses/registry_roads.py",
    "geo/pointindex.py",
    "geo/gridfile.py",
    "access/crypto.py",
    "core/tabular.py",
    "core/errors.py",
]


@pytest.mark.parametrize("relative", PURE_MODULES)
def test_pure_logic_imports_no_django(relative: str):
    source = (ROOT / relative).read_text("utf-8")
    tree = ast.parse(source)
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not name.startswith("django"), f"{relative} imports {name}"


@pytest.mark.django_db
def test_unknown_urls_answer_in_the_callers_language(client):
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404 and "接口不存在" in api.json()["message"]
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and "页面不存在" in page.content.decode()
