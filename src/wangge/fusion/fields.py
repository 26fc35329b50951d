"""Which ledger column holds which fact about whom: the synonym table and value sniffing.

Offices name the same column a dozen ways (姓名/名字/居民姓名/承租人姓名 …) and a rental ledger
holds two people per row: the tenant who lives in the room and the landlord who owns it. A
column is therefore mapped to a *(role, field)* pair; only the resident role feeds the person
record of that row, and the registered address (户籍地) never stands in for where someone lives.

Pure Python, no Django: the CLI `wangge fuse` maps columns without a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from wangge.core.reasons import Reason, joined

# Fields a column can hold, with their Chinese labels for the mapping screen.
FIELDS: Final[dict[str, str]] = {
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "联系电话",
    "address": "居住地址",
    "compound": "小区/院落",
    "building": "楼栋号",
    "unit": "单元号",
    "room": "户室号",
    "birth_date": "出生日期",
    "age": "年龄",
    "gender": "性别",
    "ethnicity": "民族",
    "relation": "与户主关系",
    "household_no": "户号",
    "residence_type": "人口类型",
    "registered_address": "户籍地址",
    "community": "所属社区",
    "grid": "所属网格",
    "record_date": "登记日期",
    "note": "备注",
    "serial": "序号",
}

# Roles a column can belong to. RESIDENT is the person the row is about.
RESIDENT: Final = "resident"
HEAD: Final = "head"
ROLES: Final[dict[str, str]] = {
    RESIDENT: "居民本人",
    "owner": "房东/产权人",
    HEAD: "户主",
    "contact": "联系人/监护人",
}

IGNORE: Final = ""  # field value of a column that is not imported
MANUAL: Final = "人工指定或模板"  # the evidence of a column a clerk or a template assigned

# Role words at the start of a header. Tenants are residents; landlords are owners.
_ROLE_PREFIXES: Final[tuple[tuple[str, str], ...]] = (
    ("承租人", RESIDENT),
    ("承租方", RESIDENT),
    ("租住人", RESIDENT),
    ("租户", RESIDENT),
    ("租客", RESIDENT),
    ("居住人", RESIDENT),
    ("居民", RESIDENT),
    ("住户", RESIDENT),
    ("人员", RESIDENT),
    ("被检测人", RESIDENT),
    ("受检人", RESIDENT),
    ("隔离人员", RESIDENT),
    ("老人", RESIDENT),
    ("本人", RESIDENT),
    ("房东", "owner"),
    ("出租人", "owner"),
    ("出租方", "owner"),
    ("房主", "owner"),
    ("业主", "owner"),
    ("产权人", "owner"),
    ("户主", "head"),
    ("紧急联系人", "contact"),
    ("联系人", "contact"),
    ("监护人", "contact"),
    ("赡养人", "contact"),
    ("子女", "contact"),
    ("家属", "contact"),
    ("亲属", "contact"),
)

# Exact header texts (after cleaning) → field. Checked before the keyword rules.
_EXACT: Final[dict[str, str]] = {
    "姓名": "name",
    "名字": "name",
    "名称": "name",
    "身份证": "id_number",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "公民身份号码": "id_number",
    "证件号": "id_number",
    "证件号码": "id_number",
    "证件编号": "id_number",
    "身份号码": "id_number",
    "电话": "phone",
    "手机": "phone",
    "手机号": "phone",
    "手机号码": "phone",
    "联系电话": "phone",
    "联系方式": "phone",
    "电话号码": "phone",
    "住址": "address",
    "地址": "address",
    "现住址": "address",
    "现住地址": "address",
    "现居住地址": "address",
    "现居地址": "address",
    "居住地址": "address",
    "居住地": "address",
    "暂住地址": "address",
    "暂住地": "address",
    "实际居住地址": "address",
    "实际居住地": "address",
    "家庭住址": "address",
    "家庭地址": "address",
    "房屋地址": "address",
    "房屋坐落": "address",
    "房屋位置": "address",
    "出租房屋地址": "address",
    "隔离地址": "address",
    "居家隔离地址": "address",
    "详细地址": "address",
    "门牌地址": "address",
    "小区": "compound",
    "小区名称": "compound",
    "院落": "compound",
    "小区院落": "compound",
    "楼号": "building",
    "楼栋": "building",
    "楼栋号": "building",
    "楼座": "building",
    "单元": "unit",
    "单元号": "unit",
    "房号": "room",
    "室号": "room",
    "户室号": "room",
    "房间号": "room",
    "门牌号": "room",
    "出生日期": "birth_date",
    "出生年月": "birth_date",
    "出生年月日": "birth_date",
    "生日": "birth_date",
    "出生时间": "birth_date",
    "年龄": "age",
    "周岁": "age",
    "性别": "gender",
    "民族": "ethnicity",
    "与户主关系": "relation",
    "关系": "relation",
    "家庭关系": "relation",
    "户号": "household_no",
    "户编号": "household_no",
    "人口类型": "residence_type",
    "人员类型": "residence_type",
    "人员类别": "residence_type",
    "户籍类型": "residence_type",
    "户籍地址": "registered_address",
    "户籍地": "registered_address",
    "户籍所在地": "registered_address",
    "户口所在地": "registered_address",
    "籍贯": "registered_address",
    "原籍": "registered_address",
    "所属社区": "community",
    "社区": "community",
    "社区名称": "community",
    "所属网格": "grid",
    "网格": "grid",
    "网格编号": "grid",
    "网格名称": "grid",
    "登记日期": "record_date",
    "登记时间": "record_date",
    "采集日期": "record_date",
    "采集时间": "record_date",
    "检测时间": "record_date",
    "检测日期": "record_date",
    "采样时间": "record_date",
    "采样日期": "record_date",
    "入住时间": "record_date",
    "入住日期": "record_date",
    "更新日期": "record_date",
    "填报日期": "record_date",
    "备注": "note",
    "说明": "note",
    "序号": "serial",
    "序": "serial",
    "行号": "serial",
    "编号": "serial",
    "no": "serial",
    "no.": "serial",
}

# Keyword rules for headers not in the exact table, in priority order: the first hit wins.
# 户籍 comes before 地址 so a registered address is never read as where someone lives.
_KEYWORDS: Final[tuple[tuple[str, str], ...]] = (
    ("户籍", "registered_address"),
    ("籍贯", "registered_address"),
    ("身份证", "id_number"),
    ("证件号", "id_number"),
    ("身份号码", "id_number"),
    ("手机", "phone"),
    ("电话", "phone"),
    ("联系方式", "phone"),
    ("座机", "phone"),
    ("固话", "phone"),
    ("出生", "birth_date"),
    ("生日", "birth_date"),
    ("年龄", "age"),
    ("性别", "gender"),
    ("民族", "ethnicity"),
    ("关系", "relation"),
    ("住址", "address"),
    ("地址", "address"),
    ("居住地", "address"),
    ("坐落", "address"),
    ("暂住", "address"),
    ("小区", "compound"),
    ("楼栋", "building"),
    ("楼号", "building"),
    ("单元", "unit"),
    ("房号", "room"),
    ("房间", "room"),
    ("门牌", "room"),
    ("姓名", "name"),
    ("名字", "name"),
    ("网格", "grid"),
    ("社区", "community"),
    ("类型", "residence_type"),
    ("类别", "residence_type"),
    ("日期", "record_date"),
    ("时间", "record_date"),
    ("备注", "note"),
)

_JUNK: Final = re.compile(r"[\s\u3000:：*＊?？!！、/\\|]+")
_BRACKETED: Final = re.compile(r"[（(【\[<《][^）)】\]>》]*[）)】\]>》]")


def clean_header(text: str) -> str:
    """Header without decoration: '*身份证号码（必填）' → '身份证号码'."""
    text = text.strip().lower()
    if "/" in text:  # two-row headers arrive joined as 'group/column'; the column decides
        text = text.rsplit("/", 1)[-1]
    text = _BRACKETED.sub("", text)
    return _JUNK.sub("", text)


@dataclass(frozen=True)
class HeaderReading:
    role: str
    field: str  # '' when the header says nothing known
    confidence: float  # 1.0 exact synonym, 0.8 keyword, 0.0 unknown


def read_header(text: str) -> HeaderReading:
    """What a header alone says: whose value and which field.

    A two-row header arrives as 'group/column'. The column names the field; when it names no
    one, its group says whose it is (房东信息/姓名 is the landlord's name: a rental ledger lists
    the landlord before the tenant, and the landlord does not live in the room), and when it
    names no field, the group does (联系电话/本人). A slash inside brackets is a hint about the
    value (性别（男/女）), not a group.
    """
    parts = [p for p in (_clean_part(p) for p in _BRACKETED.sub("", text).split("/")) if p]
    if not parts:
        return HeaderReading(RESIDENT, IGNORE, 0.0)
    reading = _read_part(parts[-1])
    groups = parts[-2::-1]
    if not reading.field:
        named = next((r for r in map(_read_part, groups) if r.field), None)
        if named is not None:
            reading = HeaderReading(reading.role, named.field, named.confidence)
    if _role_prefix(parts[-1]) is None:
        role = next((p[0] for p in map(_role_prefix, groups) if p is not None), None)
        if role is not None:
            reading = HeaderReading(role, reading.field, reading.confidence)
    return reading


def _clean_part(text: str) -> str:
    return _JUNK.sub("", text.strip().lower())


def _role_prefix(part: str) -> tuple[str, str] | None:
    """The role a header part starts with (房东信息 → owner) and what follows it."""
    for prefix, prefix_role in _ROLE_PREFIXES:
        if part.startswith(prefix):
            return prefix_role, part[len(prefix) :]
    return None


def _read_part(cleaned: str) -> HeaderReading:
    role = RESIDENT
    rest = cleaned
    prefixed = _role_prefix(cleaned)
    if prefixed is not None and (prefixed[1] or prefixed[0] != RESIDENT):
        role, rest = prefixed  # '本人' or '居民' alone says nothing
    if rest in ("", "的"):
        # '房东' or '户主' alone names the person: their name.
        return HeaderReading(role, "name", 0.8)
    rest = rest.removeprefix("的")
    exact = _EXACT.get(rest)
    if exact:
        return HeaderReading(role, exact, 1.0)
    for keyword, fld in _KEYWORDS:
        if keyword in rest:
            return HeaderReading(role, fld, 0.8)
    return HeaderReading(role, IGNORE, 0.0)


def header_score(text: str) -> float:
    """How header-like a cell is; the reader sums it over a row to find the header row."""
    reading = read_header(text)
    if reading.field in ("", "serial", "note"):
        return 0.3 if reading.field else 0.0
    return reading.confidence


# --- value sniffing -----------------------------------------------------------------------

_ID_LIKE: Final = re.compile(r"^\s*\d{6}(?:\d{11}[\dXx]|\d{9})\s*$|^\d(?:\.\d+)?[Ee]\+1[4-7]$")
_MOBILE_LIKE: Final = re.compile(r"^\s*(?:\+?86)?[\s-]*1[3-9]\d(?:[\s-]*\d){8}\s*$")
_LANDLINE_LIKE: Final = re.compile(r"^\s*(?:0\d{2,3}[\s-]?)?[2-9]\d{6,7}\s*$")
_DATE_LIKE: Final = re.compile(
    r"^\s*(?:1[89]|20)\d{2}(?:[-/.年]\s*\d{1,2}(?:[-/.月]\s*\d{1,2}日?)?月?|\d{4})?\s*$"
)
_ADDRESS_LIKE: Final = re.compile(r"(?:路|街|巷|胡同|号|楼|栋|幢|单元|室|小区|院|村|里|弄)")
_NAME_LIKE: Final = re.compile(r"^[\u3400-\u9fff·]{2,6}$")
_AGE_LIKE: Final = re.compile(r"^\s*(?:\d{1,3})\s*岁?\s*$")
_GENDER_VALUES: Final = frozenset({"男", "女", "男性", "女性"})

SNIFFABLE: Final = ("id_number", "phone", "birth_date", "address", "name", "gender", "age")


def sniff_values(values: Iterable[str]) -> dict[str, float]:
    """Share of non-empty values that look like each sniffable field."""
    counts = dict.fromkeys(SNIFFABLE, 0)
    total = 0
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        total += 1
        if _ID_LIKE.match(value):
            counts["id_number"] += 1
        elif _MOBILE_LIKE.match(value) or _LANDLINE_LIKE.match(value):
            counts["phone"] += 1
        elif _DATE_LIKE.match(value):
            counts["birth_date"] += 1
        elif value in _GENDER_VALUES:
            counts["gender"] += 1
        elif _AGE_LIKE.match(value):
            counts["age"] += 1
        elif _NAME_LIKE.match(value) and not _ADDRESS_LIKE.search(value[1:]):
            counts["name"] += 1
        elif _ADDRESS_LIKE.search(value) and len(value) >= 5:
            counts["address"] += 1
    if total == 0:
        return dict.fromkeys(SNIFFABLE, 0.0)
    return {k: v / total for k, v in counts.items()}


# --- the mapping ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMapping:
    """One column's assignment, with the evidence a clerk sees on the mapping screen."""

    index: int
    header: str
    role: str
    field: str  # IGNORE when not imported
    confidence: float
    evidence: str  # Chinese: why this assignment
    # Not imported itself, but read where the column of this field is empty on a row: a
    # 独居老人 ledger's 座机 beside 手机, when the person has no mobile.
    spare_of: str = ""


@dataclass
class SheetMapping:
    columns: list[ColumnMapping]
    problems: list[str] = field(default_factory=list)

    @property
    def problem(self) -> str:
        """The problems as one `core.reasons.Reason` ("；"-joined, said "; " in English)."""
        return joined(self.problems)

    def index_of(self, fld: str, role: str = RESIDENT) -> int | None:
        for col in self.columns:
            if col.field == fld and col.role == role:
                return col.index
        return None

    def resident_fields(self) -> dict[str, int]:
        return {c.field: c.index for c in self.columns if c.role == RESIDENT and c.field}

    def spares(self, fld: str) -> list[int]:
        """Columns read, in order, where the resident's `fld` column is empty on a row."""
        return [c.index for c in self.columns if c.role == RESIDENT and c.spare_of == fld]

    @property
    def rows_are_heads(self) -> bool:
        """Each row is a household's head: the sheet's own name column is headed 户主姓名."""
        name = next((c for c in self.columns if c.role == RESIDENT and c.field == "name"), None)
        return name is not None and read_header(name.header).role == HEAD

    @property
    def has_person_columns(self) -> bool:
        fields = self.resident_fields()
        return "name" in fields and bool(
            fields.keys() & {"id_number", "phone", "address", "room", "birth_date", "age"}
        )

    def signature(self) -> str:
        """Identifies a ledger layout, so a saved template applies to the office's next file."""
        return "|".join(clean_header(c.header) for c in self.columns)

    def as_overrides(self) -> dict[str, str]:
        return {c.header: f"{c.role}:{c.field}" for c in self.columns}


_SNIFF_THRESHOLD: Final = 0.8
# Values alone are trusted only for shapes that cannot be anything else; a column of short
# words or small numbers could be names or ages, but also goods and quantities.
_SNIFF_ALONE: Final = ("id_number", "phone", "birth_date", "address")


def map_columns(
    headers: Sequence[str],
    samples: Sequence[Sequence[str]],
    *,
    overrides: dict[str, str] | None = None,
) -> SheetMapping:
    """Map each column to (role, field) from its header, then its values.

    ``samples[i]`` are values of column i (a few hundred suffice). ``overrides`` maps a
    header to 'role:field' (or ':' to ignore) as corrected by a clerk or saved in a template;
    they win over everything.
    """
    overrides = overrides or {}
    columns: list[ColumnMapping] = []
    for index, header in enumerate(headers):
        values = samples[index] if index < len(samples) else ()
        if header in overrides:
            role, _, fld = overrides[header].partition(":")
            columns.append(ColumnMapping(index, header, role or RESIDENT, fld, 1.0, MANUAL))
            continue
        reading = read_header(header)
        sniffed = sniff_values(values)
        fld, confidence, evidence = reading.field, reading.confidence, ""
        if fld:
            evidence = f"列名“{header}”"
            # A header can lie (a 电话 column full of ID numbers): strong value evidence wins.
            if fld in SNIFFABLE and sniffed.get(fld, 0.0) < 0.2:
                best = max(sniffed, key=lambda k: sniffed[k])
                if sniffed[best] >= _SNIFF_THRESHOLD and best in ("id_number", "phone"):
                    fld, confidence = best, 0.6
                    evidence = f"列名“{header}”，但内容{sniffed[best]:.0%}像{FIELDS[best]}"
        else:
            best = max(_SNIFF_ALONE, key=lambda k: sniffed[k])
            if sniffed[best] >= _SNIFF_THRESHOLD:
                fld, confidence = best, 0.5 * sniffed[best]
                evidence = f"列名无法识别，内容{sniffed[best]:.0%}像{FIELDS[best]}"
            else:
                evidence = "列名和内容都无法识别，不导入"
        columns.append(ColumnMapping(index, header, reading.role, fld, confidence, evidence))
    return _resolve_duplicates(SheetMapping(_heads_as_residents(columns)))


def _heads_as_residents(columns: list[ColumnMapping]) -> list[ColumnMapping]:
    """A ledger of households (低保户花名册, 独居老人户) lists each household by its head:
    户主姓名, 户主身份证号… With no column of the row's own name, the head's columns are the
    row's own person (and `rows_are_heads` makes them the head of their household); where a
    member's name is there too, a 户主姓名 column only names the member's head."""
    if any(c.role == RESIDENT and c.field == "name" for c in columns):
        return columns
    if not any(c.role == HEAD and c.field == "name" for c in columns):
        return columns
    own = {c.field for c in columns if c.role == RESIDENT and c.field}
    return [
        ColumnMapping(
            c.index,
            c.header,
            RESIDENT,
            c.field,
            c.confidence,
            f"{c.evidence}；表中没有本人姓名列，每行即户主本人",
        )
        if c.role == HEAD and c.field and c.field not in own and c.evidence != MANUAL
        else c
        for c in columns
    ]


def _resolve_duplicates(mapping: SheetMapping) -> SheetMapping:
    """Two columns claiming the same (role, field): the more certain one keeps it."""
    best: dict[tuple[str, str], ColumnMapping] = {}
    for col in mapping.columns:
        if not col.field or col.field in ("note", "serial"):
            continue
        key = (col.role, col.field)
        current = best.get(key)
        if current is None or col.confidence > current.confidence:
            best[key] = col
    resolved: list[ColumnMapping] = []
    for col in mapping.columns:
        key = (col.role, col.field)
        if col.field and col.field not in ("note", "serial") and best[key] is not col:
            winner = best[key]
            # Two numbers of one person (手机 and 座机): the first is the phone, the other is
            # taken on the rows where the first is empty, so that someone with a landline only
            # keeps it. Any other field found twice is read from its best column alone.
            spare = key == (RESIDENT, "phone")
            same = f"与“{winner.header}”同为{ROLES[col.role]}的{FIELDS[col.field]}，"
            resolved.append(
                ColumnMapping(
                    col.index,
                    col.header,
                    col.role,
                    IGNORE,
                    0.0,
                    same + (f"只在“{winner.header}”为空的行导入" if spare else "不重复导入"),
                    spare_of="phone" if spare else "",
                )
            )
        else:
            resolved.append(col)
    mapping.columns = resolved
    if not mapping.has_person_columns:
        mapping.problems.append(
            Reason("没有识别出人员信息列：至少需要“姓名”和身份证号、电话、地址、出生日期或年龄之一")
        )
    return mapping
