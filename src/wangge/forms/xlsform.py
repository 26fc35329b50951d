"""XLSForm → ODK XForm with pyxform, and the `wangge::target` column that says what each
question updates in the household file. No Django here: the upload service and the tests call it.

A form's author adds one column to the survey sheet, `wangge::target`, and writes in it, per
question, one of `TARGETS` (e.g. `person.phone`). pyxform carries `wangge::*` columns through to
its JSON as `{"wangge": {"target": …}}`; we read them from there and validate them here, so a
form that would write somewhere it may not is refused at upload, with the sheet and row.
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from wangge.core.zipguard import BrokenZip, ZipBomb, check_archive

# target → (what it means, the question types it accepts). Identifying targets pick the record
# the other targets of their level write to; `*.id` must be a select_one_from_file of the roster.
TEXT = frozenset({"text", "select one", "barcode"})
CHOICE = frozenset({"select one"})
TARGETS: dict[str, tuple[str, frozenset[str]]] = {
    "household.id": ("户（从花名册 households.csv 选择）", CHOICE),
    "household.is_rental": ("是否出租（yes/no）", CHOICE),
    "household.note": ("户备注（追加）", TEXT),
    "person.id": ("人员（从花名册 persons.csv 选择）", CHOICE),
    "person.name": ("姓名", TEXT),
    "person.phone": ("联系电话", TEXT),
    "person.gender": ("性别（男/女）", TEXT),
    "person.birth_date": ("出生日期", frozenset({"date", "text"})),
    "person.ethnicity": ("民族", TEXT),
    "person.tags": (
        "人员标签（多选，选项名为标签代码，只增不减）",
        frozenset({"select all that apply"}),
    ),
    "person.moved_out": ("已迁出（yes 时结束其在本户的居住）", CHOICE),
    "newperson.name": ("迁入人员姓名", TEXT),
    "newperson.phone": ("迁入人员电话", TEXT),
    "newperson.gender": ("迁入人员性别", TEXT),
    "newperson.birth_date": ("迁入人员出生日期", frozenset({"date", "text"})),
    "newperson.id_number": ("迁入人员身份证号", TEXT),
    "newperson.relation": ("迁入人员与户主关系（head/spouse/child/…/tenant/other）", CHOICE | TEXT),
    "case.description": ("需上报为案件的问题（非空时立案）", TEXT | frozenset({"note"})),
    "task.result": ("任务结果（写入所办任务）", TEXT | CHOICE),
}
# Which identifying target each writing prefix needs in the same repeat (or at the top level).
NEEDS_ID = {"household": "household.id", "person": "person.id"}
BOOLEAN_TARGETS = frozenset({"household.is_rental", "person.moved_out"})
ROSTER_FILES = {"household.id": "households.csv", "person.id": "persons.csv"}


class XLSFormError(ValueError):
    """A refusal in Chinese naming the sheet and row; `original` keeps pyxform's own words."""

    def __init__(self, message: str, *, original: str = ""):
        super().__init__(message)
        self.message = message
        self.original = original


@dataclass(frozen=True)
class Question:
    path: str  # the instance path below the root, e.g. "members/person"
    name: str
    type: str
    target: str
    repeat: str  # the repeat's path ("" at the top level)
    choices: tuple[str, ...] = ()


@dataclass
class CompiledForm:
    code: str
    title: str
    version: str
    xform: str
    questions: list[Question]
    warnings: list[str] = field(default_factory=list)

    @property
    def targets(self) -> dict[str, str]:
        return {q.path: q.target for q in self.questions if q.target}

    @property
    def media(self) -> list[str]:
        """Roster files the form reads with select_one_from_file."""
        return sorted({f for f in re.findall(r'jr://file-csv/([\w.-]+)"', self.xform)})


_TRANSLATIONS = [
    (r"Missing calculation", "calculate 题缺少 calculation（计算式）"),
    (r"Unknown question type '([^']*)'", "未知的题型“{0}”"),
    (r"Question or group with no name", "题目或分组缺少 name"),
    (r"no name", "缺少 name"),
    (r"List name not in choices sheet: (\S+)", "choices 表中没有选项列表 {0}"),
    (r"[Dd]uplicate", "名称重复"),
    (r"The survey sheet is either empty or missing", "缺少 survey 表或该表为空"),
    (r"Unmatched begin statement", "begin group/repeat 没有对应的 end"),
    (r"Unmatched end statement", "end group/repeat 没有对应的 begin"),
    (
        r"Invalid question name",
        "题目名称不合法（须以字母开头，只含字母、数字、下划线、连字符、点）",
    ),
    (r"is not a supported type", "不支持的文件类型（请上传 .xlsx）"),
    (r"[Ff]ile.*(corrupt|not a zip|could not)", "文件无法读取（不是有效的 .xlsx）"),
]


def chinese_error(original: str) -> str:
    """pyxform's message said in Chinese, with the sheet and row it names."""
    row = re.search(r"\[row : (\d+)\]", original)
    sheet = re.search(r"'(survey|choices|settings|entities|external_choices)' sheet", original)
    where = ""
    if sheet or row:
        where = f"{sheet.group(1) if sheet else 'survey'}表"
        where += f"第{row.group(1)}行" if row else ""
        where += "："
    said = ""
    for pattern, text in _TRANSLATIONS:
        match = re.search(pattern, original)
        if match:
            said = text.format(*match.groups())
            break
    said = said or "表单格式有误"
    return f"XLSForm 有误：{where}{said}（pyxform：{original.strip()[:300]}）"


def _unreadable(exc: Exception, data: bytes) -> str:
    """What a damaged workbook has, and where. openpyxl reads through defusedxml, which refuses
    entity declarations (billion laughs, XXE); openpyxl then says only "invalid XML"."""
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(type(c).__module__.startswith("defusedxml") for c in chain):
        parts = []
        with contextlib.suppress(zipfile.BadZipFile, OSError, ValueError):
            archive = zipfile.ZipFile(io.BytesIO(data))  # already counted by check_archive
            for name in archive.namelist():
                with archive.open(name) as part:
                    head = part.read(64 * 1024).upper()
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    parts.append(name)
        where = f"（{'、'.join(parts[:3])}）" if parts else ""
        return (
            f"XLSForm 无法读取：文件中的 XML{where}含有 DOCTYPE 或实体声明，为安全起见不予读取；"
            "请在 Excel 中打开后另存为 .xlsx"
        )
    if any("invalid XML" in str(c) for c in chain):
        return "XLSForm 无法读取：文件中的 XML 无效；请在 Excel 中打开后另存为 .xlsx"
    return f"XLSForm 无法读取：{type(exc).__name__}（请确认是有效的 .xlsx 文件）"


def compile_xlsform(data: bytes, file_name: str) -> CompiledForm:
    """Convert and check; raises `XLSFormError` with the sheet and row of the first problem."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if suffix not in (".xlsx", ".xls", ".md", ".csv"):
        raise XLSFormError(f"不支持的文件类型“{suffix or file_name}”：请上传 .xlsx 格式的 XLSForm")
    if suffix == ".xlsx":
        try:
            check_archive(data)  # openpyxl would inflate a zip bomb into memory
        except ZipBomb as exc:
            raise XLSFormError("XLSForm 文件解压后异常巨大（疑似压缩炸弹），已拒绝读取") from exc
        except BrokenZip as exc:
            raise XLSFormError(
                "XLSForm 无法读取：文件已损坏或不是有效的 .xlsx", original=str(exc)
            ) from exc
    warnings: list[str] = []
    try:
        result = convert(data, warnings=warnings, file_type=suffix)
    except PyXFormError as exc:
        raise XLSFormError(chinese_error(str(exc)), original=str(exc)) from exc
    except Exception as exc:  # a damaged workbook: zip, XML or encoding errors inside readers
        raise XLSFormError(_unreadable(exc, data), original=str(exc)) from exc
    spec: dict[str, Any] = result._pyxform or {}
    code = str(spec.get("id_string") or "")
    if not re.fullmatch(r"[A-Za-z][\w-]{0,63}", code):
        raise XLSFormError(
            f"XLSForm 有误：settings表：form_id“{code[:40]}”须以字母开头，只含字母、数字、下划线"
        )
    version = str(spec.get("version") or "")
    if not version:
        raise XLSFormError("XLSForm 有误：settings表：缺少 version（版本号，如 2026120501）")
    questions = list(_questions(spec.get("children", []), "", ""))
    check_targets(questions, getattr(result, "_survey", None) and spec)
    return CompiledForm(
        code=code,
        title=str(spec.get("title") or code),
        version=version,
        xform=result.xform,
        questions=questions,
        warnings=warnings,
    )


def _questions(children: list[dict[str, Any]], prefix: str, repeat: str) -> Any:
    for child in children:
        name = str(child.get("name", ""))
        kind = str(child.get("type", ""))
        path = f"{prefix}{name}"
        if kind in ("group", "repeat"):
            if name == "meta":
                continue
            yield from _questions(
                child.get("children", []), path + "/", path if kind == "repeat" else repeat
            )
            continue
        target = str((child.get("wangge") or {}).get("target", "") or "").strip()
        choices = tuple(str(c.get("name", "")) for c in child.get("choices") or ())
        if kind == "select one" and str(child.get("itemset", "")).endswith(".csv"):
            kind = "select one from file"
        yield Question(path, name, kind, target, repeat, choices)


def check_targets(questions: list[Question], _spec: Any = None) -> None:
    """Every `wangge::target` is on the whitelist, on a question of a fitting type, and next to
    the question that identifies the record it writes to."""
    ids: dict[tuple[str, str], Question] = {}
    for q in questions:
        if not q.target:
            continue
        where = f"survey表题目“{q.name}”"
        if q.target not in TARGETS:
            allowed = "、".join(TARGETS)
            raise XLSFormError(
                f"XLSForm 有误：{where}：wangge::target“{q.target[:40]}”不可更新（可用：{allowed}）"
            )
        _label, types = TARGETS[q.target]
        if q.target in ROSTER_FILES:
            wanted = ROSTER_FILES[q.target]
            if q.type != "select one from file":
                raise XLSFormError(
                    f"XLSForm 有误：{where}：{q.target} 须是 select_one_from_file {wanted}"
                )
            key = (q.target, q.repeat)
            if key in ids:
                raise XLSFormError(f"XLSForm 有误：{where}：同一层级有两个 {q.target}")
            ids[key] = q
            continue
        if q.type not in types:
            raise XLSFormError(
                f"XLSForm 有误：{where}：题型“{q.type}”不能写入 {q.target}"
                f"（可用题型：{'、'.join(sorted(types))}）"
            )
        if q.target in BOOLEAN_TARGETS and not {"yes", "no"} <= set(q.choices):
            raise XLSFormError(f"XLSForm 有误：{where}：{q.target} 的选项须有 yes 和 no")
    for q in questions:
        prefix = q.target.split(".", 1)[0] if q.target else ""
        needed = NEEDS_ID.get(prefix)
        if not needed or q.target == needed:
            continue
        # the identifying question sits at the same level, or (households) at the top level
        if (needed, q.repeat) not in ids and (needed, "") not in ids:
            raise XLSFormError(
                f"XLSForm 有误：survey表题目“{q.name}”：写入 {q.target} 须在同一层级有一道"
                f" wangge::target 为 {needed} 的题目（select_one_from_file {ROSTER_FILES[needed]}）"
            )
        if prefix == "person" and (needed, q.repeat) not in ids:
            raise XLSFormError(
                f"XLSForm 有误：survey表题目“{q.name}”：{q.target} 须与 person.id 在同一重复组内"
            )
    for q in questions:
        if q.target.startswith("newperson.") and not q.repeat:
            raise XLSFormError(
                f"XLSForm 有误：survey表题目“{q.name}”：{q.target} 须放在重复组（repeat）内，每人一组"
            )
