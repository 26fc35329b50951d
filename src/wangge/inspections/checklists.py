"""The checklists inspectors fill at a place, shipped as XLSForm forms (the `forms` app compiles
them with pyxform and serves them to the web and ODK Collect), and the hazards a filled
checklist makes: one per failed item, with the photo the form requires when an item fails.

Items are written from the rules inspectors check against: 《消防监督检查规定》 and the fire
safety rules for rental housing (exits, partitions, e-bikes, wiring, extinguishers, lighting),
the charging-facility safety checks (cables, protection, extinguishers, clutter, energy
storage), and the flood-season checks (drains, basements, bungalows, low-lying power, pumps).
The item table below is the one source: `xlsform(code)` writes the form from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from wangge.inspections.models import HazardCategory, Severity

VERSION = "2026120701"

# The notice an inspector may issue on the spot when items failed (docs/inspections.md, "A notice
# issued offline"): the kind and working days are answered; the unit, serial, year and time are
# written by the phone's fill page from the block of numbers it keeps (frontend/offline/notices.js).
NOTICE_FIELDS = (
    "notice_kind",
    "notice_days",
    "notice_unit",
    "notice_serial",
    "notice_year",
    "notice_issued_at",
)
# The answers the server reads, and nothing else: an item passes or fails, a notice is none of
# the two kinds or one of them. A value outside these (a crafted or hand-edited form, a choice
# list changed without the server) is refused, not read as "passed" or "no notice".
PASS_FAIL = (("pass", "合格"), ("fail", "不合格"))
NOTICE_KINDS = (("none", "暂不下达"), ("immediate", "责令立即改正"), ("deadline", "责令限期改正"))


def _allowed(choices: Sequence[tuple[str, str]]) -> str:
    return "、".join(f"{name}（{label}）" for name, label in choices)


@dataclass(frozen=True)
class Item:
    name: str
    label: str
    category: str
    severity: str = Severity.GENERAL


@dataclass(frozen=True)
class Checklist:
    code: str
    title: str
    items: tuple[Item, ...]


CHECKLISTS: dict[str, Checklist] = {
    c.code: c
    for c in (
        Checklist(
            "fire_rental_site",
            "规模性租赁场所消防安全检查",
            (
                Item(
                    "exits",
                    "安全出口、疏散通道畅通，未锁闭、堵塞",
                    HazardCategory.FIRE_LANE,
                    Severity.SERIOUS,
                ),
                Item(
                    "partition",
                    "无违规搭建隔断、分隔出租",
                    HazardCategory.PARTITION,
                    Severity.SERIOUS,
                ),
                Item("ebike", "电动自行车未在室内、楼道停放或充电", HazardCategory.EBIKE_CHARGING),
                Item("wiring", "电气线路无私拉乱接、老化破损", HazardCategory.AGEING_WIRING),
                Item("extinguisher", "按规定配置灭火器且在有效期内", HazardCategory.FIRE_EQUIPMENT),
                Item("lighting", "疏散指示标志、应急照明完好有效", HazardCategory.FIRE_EQUIPMENT),
                Item("clutter", "楼道、公共区域无堆放杂物", HazardCategory.CLUTTER),
                Item(
                    "flammables",
                    "未储存、使用易燃易爆危险品",
                    HazardCategory.OTHER,
                    Severity.SERIOUS,
                ),
            ),
        ),
        Checklist(
            "charging_facility",
            "充电设施安全检查",
            (
                Item("cables", "充电桩线缆、插头、插座无破损老化", HazardCategory.AGEING_WIRING),
                Item(
                    "protection",
                    "设有过载、短路、漏电保护装置",
                    HazardCategory.AGEING_WIRING,
                    Severity.SERIOUS,
                ),
                Item("extinguisher", "配置灭火器材且在有效期内", HazardCategory.FIRE_EQUIPMENT),
                Item("clutter", "充电区周边无可燃物堆放", HazardCategory.CLUTTER),
                Item("shelter", "防雨、防晒设施完好", HazardCategory.OTHER),
                Item(
                    "storage",
                    "储能设施有温度监测和自动灭火装置",
                    HazardCategory.FIRE_EQUIPMENT,
                    Severity.SERIOUS,
                ),
            ),
        ),
        Checklist(
            "flood_risk",
            "汛前隐患排查",
            (
                Item("drains", "排水沟、雨水篦子通畅无堵塞", HazardCategory.WATERLOGGING),
                Item(
                    "basement",
                    "地下空间挡水板、沙袋等防倒灌设施到位",
                    HazardCategory.WATERLOGGING,
                    Severity.SERIOUS,
                ),
                Item(
                    "roof", "平房屋面无渗漏、墙体无开裂", HazardCategory.STRUCTURE, Severity.SERIOUS
                ),
                Item("power", "低洼处配电设施已抬高或做好防水", HazardCategory.AGEING_WIRING),
                Item("pumps", "抽水泵、沙袋等防汛物资到位", HazardCategory.OTHER),
            ),
        ),
    )
}


SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "parameters",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
)
# ODK Collect has no task to take the place from: its user picks the place from the places
# roster (places_roster.py) in this question, which the workbench, filling `task_id` or
# `place_id`, never shows.
PLACE_QUESTION = "place"
PLACE_RELEVANT = "${task_id} = '' and ${place_id} = ''"


def _row(*cells: str) -> str:
    """One survey row, its missing trailing cells empty."""
    padded = list(cells) + [""] * (len(SURVEY_COLUMNS) - len(cells))
    return "| | " + " | ".join(padded) + " |"


def xlsform(code: str) -> bytes:
    """The checklist as an XLSForm (the markdown form pyxform reads): the place (chosen from
    `places.csv` when no task or place is filled in), then for each item pass/fail, a photo
    required when it fails, and a note."""
    checklist = CHECKLISTS[code]
    lines = [
        f"# {checklist.title}（{code}）: written from the item table in inspections/checklists.py",
        "",
        "| survey |",
        _row(*SURVEY_COLUMNS),
        _row("start", "started", "", "", "", "", ""),
        _row("end", "ended", "", "", "", "", ""),
        _row("hidden", "task_id", "", "", "", "", ""),
        _row("hidden", "place_id", "", "", "", "", ""),
        _row(
            "select_one_from_file places.csv",
            PLACE_QUESTION,
            "检查场所",
            "从场所名单中选择，可输入名称或地址查找",
            "",
            "yes",
            PLACE_RELEVANT,
            "",
            "",
            "autocomplete",
        ),
    ]
    for n, item in enumerate(checklist.items, start=1):
        failed = f"${{{item.name}}} = 'fail'"
        lines += [
            _row("select_one pass_fail", item.name, f"{n}. {item.label}", "", "", "yes", ""),
            _row(
                "image",
                f"{item.name}_photo",
                "隐患照片",
                "不合格时必须拍照",
                "max-pixels=1280",
                "yes",
                failed,
            ),
            _row("text", f"{item.name}_note", "问题说明", "", "", "", failed),
        ]
    any_failed = " or ".join(f"${{{item.name}}} = 'fail'" for item in checklist.items)
    lines += [
        _row(
            "select_one notice_kind",
            "notice_kind",
            "整改通知书",
            "现场下达时使用本机预留的文号",
            "",
            "yes",
            any_failed,
        ),
        _row(
            "integer",
            "notice_days",
            "整改期限（工作日）",
            "1至60个工作日",
            "",
            "yes",
            "${notice_kind} = 'deadline'",
            ". >= 1 and . <= 60",
            "整改期限应为1至60个工作日",
        ),
        _row("hidden", "notice_unit", "", "", "", "", ""),
        _row("hidden", "notice_serial", "", "", "", "", ""),
        _row("hidden", "notice_year", "", "", "", "", ""),
        _row("hidden", "notice_issued_at", "", "", "", "", ""),
        "",
        "| choices |",
        "| | list_name | name | label |",
        *(f"| | pass_fail | {name} | {label} |" for name, label in PASS_FAIL),
        *(f"| | notice_kind | {name} | {label} |" for name, label in NOTICE_KINDS),
        "",
        "| settings |",
        "| | form_title | form_id | version | default_language |",
        f"| | {checklist.title} | {code} | {VERSION} | zh |",
        "",
    ]
    return "\n".join(lines).encode()


def answer_problems(code: str, answers: Mapping[str, str]) -> list[str]:
    """Answers that are none of their question's choices, each named with its item, the value
    and the choices there are. An empty answer is not one (a question not shown)."""
    problems = []
    for n, item in enumerate(CHECKLISTS[code].items, start=1):
        value = answers.get(item.name) or ""
        if value and value not in dict(PASS_FAIL):
            problems.append(
                f"第{n}项（{item.label}）的答案“{value[:40]}”无效，应为：{_allowed(PASS_FAIL)}"
            )
    kind = answers.get("notice_kind") or ""
    if kind and kind not in dict(NOTICE_KINDS):
        problems.append(
            f"整改通知书（notice_kind）“{kind[:40]}”无效，应为：{_allowed(NOTICE_KINDS)}"
        )
    return problems


def form_problems(questions: Sequence[Any]) -> list[str]:
    """A checklist's form definition offering a choice the server does not read (an uploaded
    version of a checklist whose choices sheet gained `suspend`): each such choice row named.
    `questions` are the compiled form's (`forms.xlsform.Question`: name, choices)."""
    lists = {item.name for checklist in CHECKLISTS.values() for item in checklist.items}
    problems = []
    for q in questions:
        known = NOTICE_KINDS if q.name == "notice_kind" else PASS_FAIL if q.name in lists else ()
        for choice in q.choices if known else ():
            if choice not in dict(known):
                problems.append(
                    f"choices表中题目“{q.name}”的选项“{choice[:40]}”不是平台能识别的值"
                    f"（可用：{_allowed(known)}）"
                )
    return problems


@dataclass(frozen=True)
class Failed:
    item: Item
    note: str
    photos: Sequence[Any]


def failed_items(code: str, answers: Mapping[str, str], photos: Mapping[str, Any]) -> list[Failed]:
    """The failed items of a filled checklist (answers by field name, photos by field name)."""
    checklist = CHECKLISTS[code]
    out = []
    for item in checklist.items:
        if answers.get(item.name) != "fail":
            continue
        photo = photos.get(f"{item.name}_photo")
        out.append(Failed(item, answers.get(f"{item.name}_note", ""), [photo] if photo else []))
    return out


def record_checklist(
    actor: Any,
    place: Any,
    code: str,
    answers: Mapping[str, str],
    photos: Mapping[str, Any],
    *,
    channel: str = "web",
) -> list[Any]:
    """A filled checklist: one hazard per failed item (its photo is required), the place
    marked checked. Returns the hazards made."""
    from django.db import transaction
    from django.utils import timezone

    from wangge.core.errors import ServiceError
    from wangge.inspections import services
    from wangge.inspections.models import Place

    if code not in CHECKLISTS:
        raise ServiceError(_("没有编号为“%(code)s”的检查表") % {"code": code[:40]})
    problems = answer_problems(code, answers)
    if problems:
        raise ServiceError(
            _("检查表的答案无法识别，未写入：%(problems)s") % {"problems": _("；").join(problems)}
        )
    failed = failed_items(code, answers, photos)
    missing = [f.item.label for f in failed if not f.photos]
    if missing:
        raise ServiceError(_("不合格项必须拍照：%(items)s") % {"items": _("；").join(missing)})
    with transaction.atomic():
        made = [
            services.record_hazard(
                actor,
                place,
                category=f.item.category,
                severity=f.item.severity,
                description=f"{f.item.label}：不合格" + (f"（{f.note}）" if f.note else ""),
                photos=f.photos,
                channel=channel,
            )
            for f in failed
        ]
        if not made:
            from wangge.access.scoping import Right, require

            require(actor, place, Right.CHANGE, message=_("该场所不在您的管辖范围内"))
            Place.objects.filter(pk=place.pk).update(last_checked_at=timezone.now())
    return made


def load_checklists() -> list[Any]:
    """Register the checklists as shipped forms, offered to the roles that inspect in person
    (grid workers and the street and community offices): the roles whose grids' places make
    up the places roster Collect chooses from."""
    from wangge.forms.services import upload_form
    from wangge.inspections.places_roster import INSPECTING_ROLES

    roles = sorted(INSPECTING_ROLES)
    return [
        upload_form(None, xlsform(code), f"{code}.md", roles=list(roles), shipped=True)
        for code in CHECKLISTS
    ]
