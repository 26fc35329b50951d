"""The English catalogue covers every string marked for translation, and the pages mark their
Chinese words.

Chinese is the source language; English is `locale/en/LC_MESSAGES/django.po`. A msgid with no
English entry does not fail anywhere: the English page just shows Chinese, which is how the
residents' report page came to have no English at all. These tests read the templates and the
Python sources the way `makemessages` does (Django's own `templatize` for templates, the
gettext calls for Python) and fail naming each string left without English.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import polib  # type: ignore[import-untyped]
from django.template.base import Lexer, TokenType
from django.utils.translation.template import templatize

import wangge

SRC = Path(wangge.__file__).parent
TEMPLATES = SRC / "templates"
CATALOGUE = SRC / "locale" / "en" / "LC_MESSAGES" / "django.po"

GETTEXT = {
    "_": 0,
    "gettext": 0,
    "gettext_lazy": 0,
    "gettext_noop": 0,
    "ngettext": 0,
    "ngettext_lazy": 0,
    "pgettext": 1,
    "pgettext_lazy": 1,
    "npgettext": 1,
    "npgettext_lazy": 1,
    # `wangge.core.reasons.Reason`: a pure module's template, said by `core.wording.say`
    "Reason": 0,
}
PLACEHOLDER = re.compile(r"%\(\w+\)[-+ #0]*\d*(?:\.\d+)?[sdf]")
STRING = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
TEMPLATE_CALL = re.compile(rf"\b({'|'.join(GETTEXT)})\(\s*({STRING})(?:\s*,\s*({STRING}))?")

# Chinese that stays Chinese in the English UI, by design: (template, text).
UNTRANSLATED_BY_DESIGN = {
    # the product's name, shown with "Wangge" beside it
    ("base.html", "网格"),
    # the language switch names each language in that language, so a reader of either finds it
    ("base.html", "中文"),
}


def _templates() -> Iterator[Path]:
    yield from sorted(TEMPLATES.rglob("*.html"))


def _python_sources() -> Iterator[Path]:
    for path in sorted(SRC.rglob("*.py")):
        if "tests" not in path.parts and "migrations" not in path.parts:
            yield path


def template_msgids(path: Path) -> set[str]:
    """What makemessages extracts from a template: Django turns it into gettext calls."""
    found = set()
    for match in TEMPLATE_CALL.finditer(templatize(path.read_text(encoding="utf-8"), origin=None)):
        name, first, second = match.groups()
        literal = second if GETTEXT[name] == 1 else first
        if literal:
            found.add(ast.literal_eval(literal.removeprefix("u")))
    return found


def python_msgids(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in GETTEXT or len(node.args) <= GETTEXT[name]:
            continue
        arg = node.args[GETTEXT[name]]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.add(arg.value)
    return found


def _english() -> dict[str, list[str]]:
    """Each msgid's English forms; a fuzzy entry is a guess, not a translation."""
    english = {}
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete or entry.fuzzy:
            continue
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        english[entry.msgid] = forms
    return english


def _marked() -> dict[str, str]:
    marked: dict[str, str] = {}
    for path in _templates():
        for msgid in template_msgids(path):
            marked.setdefault(msgid, str(path.relative_to(SRC)))
    for path in _python_sources():
        for msgid in python_msgids(path):
            marked.setdefault(msgid, str(path.relative_to(SRC)))
    return marked


def test_the_scan_finds_strings_in_templates_and_python() -> None:
    """The extraction itself works, so an empty list below means covered, not unread."""
    report = TEMPLATES / "cases" / "public" / "report.html"
    assert {"我要反映问题", "使用我的位置", "在地图上点选，或填写地址"} <= template_msgids(report)
    assert "%(year)s年生" in template_msgids(TEMPLATES / "forms" / "conflict_list.html")
    assert "%(n)s 户" in template_msgids(TEMPLATES / "tasks" / "round.html")
    views = SRC / "cases" / "public_views.py"
    assert {"问题描述", "电话号码格式不对（%(reason)s）"} <= python_msgids(views)
    # a pure module's Reason templates are read as msgids too (`core.reasons`)
    assert "区号%(area)s不存在" in python_msgids(SRC / "people" / "phone.py")


def test_every_marked_string_has_english() -> None:
    english = _english()
    missing = [
        f"{where}: {msgid}"
        for msgid, where in sorted(_marked().items(), key=lambda item: item[1])
        if not all(form.strip() for form in english.get(msgid, [""]))
    ]
    assert not missing, (
        f"{len(missing)} strings marked for translation have no English in "
        "locale/en/LC_MESSAGES/django.po:\n" + "\n".join(missing)
    )


def test_english_keeps_the_placeholders() -> None:
    """A placeholder lost or misspelt in English is a KeyError, a 500, on the English page."""
    wrong = []
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete:
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        wrong += [
            f"{entry.msgid} → {form}"
            for form in forms
            if sorted(PLACEHOLDER.findall(form)) != wanted
        ]
    assert not wrong, "\n".join(wrong)


def test_pages_mark_their_chinese_for_translation() -> None:
    """Chinese written straight into a page (text, or a literal in a {{ }} filter such as a
    date format or a default) stays Chinese in the English UI; it belongs in a translate tag
    or `_("…")`. Chinese inside tags ({% if x == "已写入" %}) is compared, not shown."""
    unmarked = []
    for path in _templates():
        name = str(path.relative_to(TEMPLATES))
        in_block = False
        for token in Lexer(path.read_text(encoding="utf-8")).tokenize():
            if token.token_type == TokenType.BLOCK:
                word = token.contents.split()[0] if token.contents else ""
                if word in {"blocktranslate", "blocktrans"}:
                    in_block = True
                elif word in {"endblocktranslate", "endblocktrans"}:
                    in_block = False
                continue
            if in_block or token.token_type == TokenType.COMMENT:
                continue
            text = token.contents
            if token.token_type == TokenType.VAR:
                text = re.sub(rf"_\({STRING}\)", "", text)
                text = " ".join(ast.literal_eval(s) for s in re.findall(STRING, text))
            for run in re.findall(r"[\u3400-\u9fff][^<>\n]*", text):
                words = run.strip()
                if (name, words) not in UNTRANSLATED_BY_DESIGN:
                    unmarked.append(f"{name}:{token.lineno}: {words[:60]}")
    assert not unmarked, "Chinese not marked for translation:\n" + "\n".join(unmarked)


def test_each_msgid_has_one_entry() -> None:
    """Of two entries for one msgid, one silently wins when compiled."""
    seen: set[tuple[str | None, str]] = set()
    twice = []
    for entry in polib.pofile(str(CATALOGUE)):
        key = (entry.msgctxt, entry.msgid)
        if key in seen:
            twice.append(entry.msgid)
        seen.add(key)
    assert not twice, twice


# ------------------------------------------------- messages the services produce for a person

# Where a Chinese message is raised or shown without gettext on purpose, by module. Modules
# that import no Django (the pure logic: ID rules, address parsing, ledger reading) are not
# listed: their words are data (a row's reason, a parse's explanation) and they cannot call
# gettext; where one of their reasons is shown at once it is wrapped at that boundary
# (`fusion.services`: 台账无法读取，整批未导入：%(problems)s, the problems as the reader wrote them).
CHINESE_BY_DESIGN = {
    # the operator's console: commands print to a terminal, not to a chosen UI language
    "management/commands/": "command line",
    "core/commands.py": "command line",
    "settings.py": "start-up configuration errors",
    # the demo district and the test fixtures are Chinese data
    "demo": "demo data",
    "testing.py": "test fixtures",
    # written into the database and read later by others, in the source language
    "forms/applying.py": "a submission's stored outcome (applied under translation.override)",
    "inspections/submitted.py": "a checklist submission's stored outcome (applied as above)",
    "jobs/runner.py": "a job's stored outcome, written by the worker",
    "audit/": "the audit log's entries",
    # machine clients with no language to choose: ODK Collect over OpenRosa, Open311 clients
    "forms/submissions.py": "OpenRosa answers to ODK Collect",
    "forms/openrosa_views.py": "OpenRosa answers to ODK Collect",
    "cases/open311": "Open311 answers to machine clients",
}
SHOWN = {"success", "error", "warning", "info", "add_error"}
EXCEPTIONS = re.compile(
    r"[A-Z]\w*(Error|Exception|Refused|Denied|NotFound|Forbidden|Conflict)$|"
    r"^(NotFound|Forbidden|Conflict|RateLimited|Busy|Gone|StaleTask|Refused|"
    r"Problem|Http404|HttpError|NotARecheck|IdNumberTaken|DemoExists)$"
)
CJK = re.compile(r"[\u3400-\u9fff]")


def _imports_django(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django"):
            return True
        if isinstance(node, ast.Import) and any(a.name.startswith("django") for a in node.names):
            return True
    return False


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def unmarked_messages(source: str) -> list[tuple[int, str]]:
    """Chinese literals a request would show as they are: in a raise, an exception or Problem
    built, a refusal's `message=`, or a page's `messages.success(…)` / `add_error(…)`, and not
    inside a gettext call."""
    tree = ast.parse(source)
    marked: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in GETTEXT:
            marked |= {id(n) for n in ast.walk(node)}
    found: dict[int, tuple[int, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            if not isinstance(node.exc, ast.Call):
                continue
            roots: list[ast.AST] = list(node.exc.args)
        elif isinstance(node, ast.Call):
            name = _name(node.func)
            # messages.success(request, …) or form.add_error(…); not a logger's info/error
            shown = name == "add_error" or (
                name in SHOWN
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "messages"
            )
            roots = []
            if EXCEPTIONS.search(name) or shown:
                roots += node.args
            if shown or name in {"require", "refuse", "get_visible", "message_user"}:
                roots += [k.value for k in node.keywords if k.arg == "message"]
            if name == "message_user":
                roots += node.args[1:2]
        else:
            continue
        for root in roots:
            for leaf in ast.walk(root):
                if (
                    isinstance(leaf, ast.Constant)
                    and isinstance(leaf.value, str)
                    and CJK.search(leaf.value)
                    and id(leaf) not in marked
                ):
                    found[id(leaf)] = (leaf.lineno, leaf.value)
    return sorted(found.values())


def test_the_check_for_unmarked_messages_finds_them() -> None:
    source = (
        "from django.utils.translation import gettext as _\n"
        "def f(user, x):\n"
        "    raise ServiceError(f'批次 {x} 不存在')\n"
        "    raise Forbidden(_('只有%(who)s可以') % {'who': x})\n"
        "    require(user, x, 'change', message='不在您的管辖范围内')\n"
        "    messages.success(request, '已保存')\n"
        "    problems.append(Problem(x, '编码重复'))\n"
        "    note = '按责任清单自动派遣'\n"
    )
    assert sorted({line for line, _text in unmarked_messages(source)}) == [3, 5, 6, 7]


def test_the_services_messages_are_marked_for_translation() -> None:
    """A refusal or notice a request shows is marked, so a user who chose English reads it in
    English (Chinese stays the source language). A new `raise ServiceError("…")` without
    `_()` fails here, naming the file and line; words left Chinese on purpose are listed in
    CHINESE_BY_DESIGN with the reason."""
    unmarked = []
    for path in _python_sources():
        where = str(path.relative_to(SRC))
        if any(part in where for part in CHINESE_BY_DESIGN):
            continue
        source = path.read_text(encoding="utf-8")
        if not _imports_django(ast.parse(source)):
            continue
        unmarked += [f"{where}:{line}: {text}" for line, text in unmarked_messages(source)]
    assert not unmarked, "Messages not marked for translation:\n" + "\n".join(unmarked)
