"""Attack 6, first half: documented settings that were never read.

`WANGGE_TRUST_X_FORWARDED_FOR`, `WANGGE_REPORT_RATE_LIMIT`, `…_WINDOW`,
`WANGGE_OPEN311_ANONYMOUS_POST` and `WANGGE_NOTIFY_WEBHOOK_URL` were documented as environment
variables, but settings.py never read them, so setting them changed nothing. These tests hold
the docs and `settings.py` together in both directions.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

REPO = Path(settings.REPO_DIR)
SRC = REPO / "src" / "wangge"
NAME = re.compile(r"WANGGE_[A-Z0-9_]*[A-Z0-9]")


def _read_in_settings() -> set[str]:
    source = (SRC / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'_env_\w+\(\s*"(WANGGE_[A-Z0-9_]+)"', source))


def _settings_section() -> str:
    text = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    return text[text.index("## Settings") :]


def _table() -> set[str]:
    return set(re.findall(r"^\| `(WANGGE_[A-Z0-9_]+)` \|", _settings_section(), re.M))


def _tooling() -> set[str]:
    section = _settings_section()
    paragraph = section[section.index("Variables for the scripts and tests") :]
    return set(NAME.findall(paragraph))


def _named_in_docs() -> dict[str, str]:
    named: dict[str, str] = {}
    for path in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for name in NAME.findall(path.read_text(encoding="utf-8")):
            named.setdefault(name, path.name)
    return named


def test_every_setting_read_is_in_the_docs_table_and_back():
    read, table = _read_in_settings(), _table()
    assert read - table == set(), "read in settings.py but missing from docs/operations.md"
    assert table - read == set(), "in the docs table but never read by settings.py"


def test_every_variable_the_docs_name_is_read():
    read, tooling = _read_in_settings(), _tooling()
    unread = {name: doc for name, doc in _named_in_docs().items() if name not in read | tooling}
    assert unread == {}, "documented but read nowhere"


def test_tool_variables_are_really_used_by_the_tools():
    sources = [*(REPO / "scripts").iterdir(), *SRC.rglob("tests/*.py")]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources if p.is_file())
    assert {name for name in _tooling() if name not in text} == set()


def test_only_settings_reads_the_environment_and_code_reads_only_defined_settings():
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or path.name in {"settings.py", "conftest.py"}:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r'environ(?:\.get)?\(\s*"WANGGE_|environ\["WANGGE_', text), path
        used = set(re.findall(r"settings\.(WANGGE_[A-Z0-9_]+)", text))
        used |= set(re.findall(r'getattr\(\s*settings,\s*"(WANGGE_[A-Z0-9_]+)"', text))
        # derived settings (WANGGE_AUDIT_SHARES_DEFAULT) are defined, not read from the env
        undefined = {name for name in used if not hasattr(settings, name)}
        assert undefined == set(), f"{path.name} reads settings nobody sets"


def test_environment_values_reach_the_settings(tmp_path):
    """Setting the variable changes the setting (the bug was that it changed nothing)."""
    env = {
        "WANGGE_DATA_DIR": str(tmp_path),
        "WANGGE_REPORT_RATE_LIMIT": "7",
        "WANGGE_REPORT_RATE_WINDOW": "120",
        "WANGGE_OPEN311_ANONYMOUS_POST": "1",
        "WANGGE_NOTIFY_WEBHOOK_URL": "https://gateway.example/notify",
        "WANGGE_TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16",
        "WANGGE_SESSION_IDLE_MINUTES": "12",
        "WANGGE_HTTPS": "1",
        "PATH": "/usr/bin:/bin",
    }
    code = (
        "from wangge import settings as s;"
        "print(s.WANGGE_REPORT_RATE_LIMIT, s.WANGGE_REPORT_RATE_WINDOW,"
        " s.WANGGE_OPEN311_ANONYMOUS_POST, s.WANGGE_NOTIFY_WEBHOOK_URL,"
        " ','.join(s.WANGGE_TRUSTED_PROXIES), s.WANGGE_SESSION_IDLE_MINUTES,"
        " s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == [
        "7",
        "120",
        "True",
        "https://gateway.example/notify",
        "10.0.0.1,10.1.0.0/16",
        "12",
        "True",
        "True",
    ]


def test_a_malformed_number_is_refused_with_its_name(tmp_path):
    env = {"WANGGE_DATA_DIR": str(tmp_path), "WANGGE_LOGIN_FAILURE_LIMIT": "five"}
    result = subprocess.run(
        [sys.executable, "-c", "import wangge.settings"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "WANGGE_LOGIN_FAILURE_LIMIT" in result.stderr and "不是整数" in result.stderr
