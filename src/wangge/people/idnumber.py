"""Chinese citizen ID numbers (公民身份号码, GB 11643-1999).

Ledgers arrive from Excel sheets typed by hand over many years, so the same
person shows up as ``110105194912310021``, ``１１０１０５…``, ``110105 1949 1231 002x``
or a 15-digit pre-1999 number.  Everything here turns those spellings into one
canonical 18-character form and explains, in Chinese, why a value is rejected so
that grid workers can fix the source sheet instead of guessing.

Deliberately pure Python with no Django import: the importer, the linkage job and
the demo-data generator call these functions outside any request, and the tests
run without a database.

Decisions worth knowing:

* Province prefixes follow GB/T 2260: mainland 11-15, 21-23, 31-37, 41-46, 50-54,
  61-65, plus 71 (台湾), 81 (香港), 82 (澳门) and 83.  81/82/83 are accepted because
  港澳台居民居住证 (since 2018) use 810000/820000/830000 with the same layout and
  check digit, and those residents are registered in the community like anyone
  else.  The "91 = 国外" code seen in many copied validation scripts is not part of
  GB/T 2260 and no citizen number carries it; 9 followed by a province code is
  reported as the 2023 外国人永久居留身份证, which shares the check digit but not
  the structure (digits 4-6 are a nationality code, not a region).
* Below the province, region codes are checked against GB/T 2260 with its history
  (`wangge.geo.divisions`, python-stdnum's table): a number keeps the code of the place that
  issued it, whenever that was, so every code in force at some time between the birth year
  and today passes (460028 临高县, retired 2002, for anyone born by 2002). A code the table
  never held, or one retired before the person was born, does not make the number invalid
  (the check digit agrees, it may be a code the table lacks): the check carries a ``doubt``
  in Chinese and the ledger row goes to review.
* The birth date in an ID number must be a real calendar day, not in the future and not
  before 1880.
* A birth date typed for a person (a form's answer, a ledger's column) is held to
  `birth_date_problem`: not in the future, not before 1900, and the day a valid ID
  number of theirs encodes, for the number wins. Any date before 1900 is said in the same
  words, however early (`birth_too_early`: 出生日期“1870-01-01”早于1900年). A typed gender
  likewise (`gender_problem`): the 17th digit of a valid number decides it (odd 男, even 女).
* The decoded fields (birth date, gender, region) are only filled when the number
  is valid, so callers can never take a birth date from a number that may carry a
  typo in exactly those digits.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from wangge.core.reasons import Reason
from wangge.geo.divisions import division

__all__ = [
    "EARLIEST_TYPED_BIRTH",
    "PLACEHOLDER_REASON",
    "IdNumberCheck",
    "birth_after_today",
    "birth_date_problem",
    "birth_too_early",
    "check_digit",
    "check_id_number",
    "gender_problem",
    "is_valid_id_number",
    "make_id_number",
    "mask_id_number",
    "normalize_id_number",
    "placeholder_kind",
    "region_doubt",
    "repair_candidates",
    "upgrade_15_to_18",
]

WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_MAP = "10X98765432"
EARLIEST_BIRTH = date(1880, 1, 1)
# The first day any date typed into the platform may be (`core.bounds.MIN_DATE`, not imported:
# this module stays free of pydantic for the import's reading processes). Nobody on a roster
# was born before it; an ID number's own rule above is GB 11643's and stays as it is.
EARLIEST_TYPED_BIRTH = date(1900, 1, 1)

MAINLAND_PROVINCES: frozenset[str] = frozenset(
    f"{n:02d}"
    for n in (
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
    )
)
# 台湾 (GB/T 2260 lists it; a few settled residents' records use it) and the
# 港澳台居民居住证 prefixes.  These have no prefecture level below them.
SPECIAL_PROVINCES: frozenset[str] = frozenset({"71", "81", "82", "83"})
PROVINCE_CODES: frozenset[str] = MAINLAND_PROVINCES | SPECIAL_PROVINCES

# Modular inverses of the weights mod 11, so a one-digit repair is solved directly
# instead of trying all ten digits at every position.
_INVERSE_WEIGHTS: tuple[int, ...] = tuple(pow(w, -1, 11) for w in WEIGHTS)
_CHECK_RESIDUE: dict[str, int] = {ch: i for i, ch in enumerate(CHECK_MAP)}

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
# Look-alikes of X that input methods and copy-paste produce (multiplication sign,
# Cyrillic and Greek capitals/smalls); NFKC leaves them alone.
_X_LOOKALIKES = str.maketrans({"×": "X", "Х": "X", "х": "X", "Χ": "X", "χ": "X", "x": "X"})
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―]+")
_EXCEL_TRAILING_ZERO = re.compile(r"^(\d+)\.0+$")
_SCIENTIFIC = re.compile(r"^\d+(?:\.\d+)?E[+-]?\d+$")
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")

# Above 2**53 a float cannot hold every integer, so an 18-digit number that went
# through a spreadsheet as a number has already lost its last digits.
_FLOAT_EXACT_LIMIT = 2**53

Gender = Literal["男", "女"]


@dataclass(frozen=True)
class IdNumberCheck:
    """Outcome of validating one ID number.

    ``valid`` is True exactly when ``normalized`` is set; the decoded fields are
    only filled for valid numbers (see module docstring for why).
    """

    raw: str | int | float | None
    normalized: str | None
    valid: bool
    reason: str | None
    birth_date: date | None = None
    gender: Gender | None = None
    region_code: str | None = None
    upgraded_from_15: bool = False
    doubt: str | None = None  # valid, but its region code is not GB/T 2260's for its time


def normalize_id_number(raw: str | int | float | None) -> str:
    """Reduce the many ways people type an ID number to one comparable string.

    This does not validate; it only removes noise that never carries meaning
    (whitespace, dashes, full-width forms, Excel's ``.0`` and leading apostrophe,
    lower-case or look-alike X) so that validation and blind indexes see the same
    value whatever sheet it came from.
    """
    if raw is None or isinstance(raw, bool):
        return ""
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            return ""
        return f"{raw:.0f}" if raw.is_integer() else repr(raw)
    text = unicodedata.normalize("NFKC", raw.translate(_ZERO_WIDTH))
    text = _SEPARATORS.sub("", text)
    # Excel's "force text" apostrophe and quotes pasted from CSV exports.
    text = text.strip("'\"`‘’“”")
    text = text.translate(_X_LOOKALIKES)
    match = _EXCEL_TRAILING_ZERO.match(text)
    if match:
        text = match.group(1)
    if _SCIENTIFIC.match(text.upper()):
        text = text.upper()
    # Removing separators can bring a letter next to a stray combining mark; a
    # final NFKC makes the result a fixed point, so normalising twice is harmless.
    return unicodedata.normalize("NFKC", text)


def check_digit(first17: str) -> str:
    """Return the MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("前17位必须是17个数字")
    return CHECK_MAP[_weighted_sum(first17) % 11]


def upgrade_15_to_18(id15: str) -> str:
    """Convert a pre-1999 15-digit number to its 18-digit form.

    15-digit numbers were only issued to people born in the 1900s, so the century
    is always ``19``; the check digit is then computed as for any 18-digit number.
    """
    if len(id15) != 15 or not id15.isascii() or not id15.isdigit():
        raise ValueError("15位旧号必须是15个数字")
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + check_digit(first17)


def check_id_number(raw: str | int | float | None, *, today: date | None = None) -> IdNumberCheck:
    """Validate an ID number and decode it, explaining any failure in Chinese.

    ``today`` is injectable so that "birth date in the future" is testable and so a
    batch import uses one reference day for every row.
    """
    if isinstance(raw, float) and raw.is_integer() and abs(raw) >= _FLOAT_EXACT_LIMIT:
        return _invalid(
            raw, Reason("数字被Excel当成数值保存，后几位已丢失，请把该列设为文本后重新录入")
        )
    text = normalize_id_number(raw)
    if not text:
        return _invalid(raw, Reason("身份证号为空"))
    checked = _check_text(raw, text, today)
    if not checked.valid:
        kind = placeholder_kind(text)
        if kind is not None:
            return _invalid(raw, Reason("占位号码，不代表任何人（%(kind)s）", kind=kind))
    return checked


PLACEHOLDER_REASON = "占位号码，不代表任何人"


def placeholder_kind(text: str) -> str | None:
    """How a normalised value that is no valid number is a placeholder, or None.

    Clerks type ``000000000000000000``, ``111111111111111111`` or ``123456789012345678`` into
    every row they could not fill. Such a value carries no identity: linkage must neither join
    the rows that share it nor look for numbers one typo away from it. Only asked of values
    that failed validation, so a real number is never taken for one (a valid number with two
    distinct digits, such as 220202200002200200, is possible).
    """
    body = text[:-1] if text.endswith("X") else text
    if not body or not body.isascii() or not body.isdigit():
        return None
    if set(body) == {"0"}:
        return Reason("全为0")
    if len(body) < 6:
        return None
    if len(set(body)) == 1:
        return Reason("全为同一数字")
    if len(set(text)) <= 2:
        return Reason("只含两种数字")
    for period in (2, 3, 4):
        if all(body[i] == body[i % period] for i in range(len(body))):
            return Reason("数字循环重复")
    steps = {(int(b) - int(a)) % 10 for a, b in zip(body, body[1:], strict=False)}
    if steps in ({1}, {9}):
        return Reason("连续数字")
    if len(body) >= 15 and set(body[6:]) <= {"0"}:
        return Reason("地区码之后全为0")
    return None


def _check_text(raw: str | int | float | None, text: str, today: date | None) -> IdNumberCheck:
    if _SCIENTIFIC.match(text):
        return _invalid(raw, Reason("数字被Excel转成科学计数法，后几位已丢失"))
    bad = _first_illegal_char(text)
    if bad is not None:
        return _invalid(raw, bad)
    if len(text) == 15:
        if not text.isdigit():
            return _invalid(raw, Reason("含非法字符：15位旧号不能含 X"))
        full = upgrade_15_to_18(text)
        upgraded = True
    elif len(text) == 18:
        full = text
        upgraded = False
    else:
        return _invalid(raw, Reason("长度应为18位（或15位旧号），实际为%(n)s位", n=len(text)))

    problem = _region_problem(full[:6])
    if problem is not None:
        return _invalid(raw, problem)
    birth, problem = _parse_birth(full[6:14], today or date.today())
    if problem is not None or birth is None:
        return _invalid(raw, problem or Reason("出生日期无效：%(digits)s", digits=full[6:14]))
    expected = check_digit(full[:17])
    if full[17] != expected:
        return _invalid(
            raw,
            Reason(
                "校验位错误：应为 %(expected)s，实际为 %(actual)s",
                expected=expected,
                actual=full[17],
            ),
        )
    return IdNumberCheck(
        raw=raw,
        normalized=full,
        valid=True,
        reason=None,
        birth_date=birth,
        gender="男" if int(full[16]) % 2 == 1 else "女",
        region_code=full[:6],
        upgraded_from_15=upgraded,
        doubt=region_doubt(full[:6], birth.year, (today or date.today()).year),
    )


def is_valid_id_number(raw: str | int | float | None, *, today: date | None = None) -> bool:
    """Shorthand for callers that only need a yes/no (filters, form validators)."""
    return check_id_number(raw, today=today).valid


def repair_candidates(raw: str, *, today: date | None = None) -> list[str]:
    """List every valid number one typo away from an 18-character number.

    A "typo" is one changed character or one swapped adjacent pair - the two
    mistakes that dominate hand-typed numbers.  Linkage only uses a repair when
    other evidence (name, birth date) selects exactly one candidate, so the list
    must be complete and contain nothing invalid.  Numbers that are already valid,
    15-digit numbers (no check digit to guide a repair) and other lengths give an
    empty list.

    Substitutions are solved algebraically (weights are invertible mod 11), so the
    cost is a few dozen integer operations plus full validation of at most ~35
    candidates.
    """
    text = normalize_id_number(raw)
    if len(text) != 18 or not text.isascii():
        return []
    reference = today or date.today()
    if check_id_number(text, today=reference).valid:
        return []

    candidates: set[str] = set()
    body, last = text[:17], text[17]
    non_digits = [i for i, ch in enumerate(body) if not ch.isdigit()]

    if len(non_digits) > 1:
        return []
    if non_digits:
        # Only replacing the one bad character can possibly help.
        j = non_digits[0]
        residue = _CHECK_RESIDUE.get(last)
        if residue is not None:
            rest = sum(
                int(ch) * w for i, (ch, w) in enumerate(zip(body, WEIGHTS, strict=True)) if i != j
            )
            digit = ((residue - rest) * _INVERSE_WEIGHTS[j]) % 11
            if digit <= 9:
                candidates.add(text[:j] + str(digit) + text[j + 1 :])
    else:
        total = _weighted_sum(body)
        # Change the check character itself.
        candidates.add(body + CHECK_MAP[total % 11])
        residue = _CHECK_RESIDUE.get(last)
        if residue is not None:
            for i, ch in enumerate(body):
                old = int(ch)
                new = (old + (residue - total) * _INVERSE_WEIGHTS[i]) % 11
                if new <= 9 and new != old:
                    candidates.add(text[:i] + str(new) + text[i + 1 :])

    for i in range(17):
        a, b = text[i], text[i + 1]
        if a != b:
            candidates.add(text[:i] + b + a + text[i + 2 :])

    return sorted(c for c in candidates if c != text and check_id_number(c, today=reference).valid)


def mask_id_number(s: str) -> str:
    """Hide the birth date and the check digit so a shown number cannot be rebuilt.

    Staff tell people apart on a list by the region (first 6) and the three-digit sequence
    code; the eight birth-date digits and the check digit stay hidden (``110105********273*``).
    Pages show the age or birth year, which leaves about 365 possible birth dates, and with the
    check digit hidden nothing narrows them down: each date gives a different, valid number, so
    a guesser needs on average ~180 exact searches (limited per user and alerted on, see
    docs/security.md) instead of the ~16 that a visible check digit left. 15-digit numbers (no
    check digit) keep the region and the first two sequence digits (``110105******00*``).
    Anything that is not ID-shaped keeps at most its first and last character, and the full
    value is never returned, even for very short input.
    """
    text = normalize_id_number(s)
    if not text:
        return ""
    if _ID18.match(text):
        return text[:6] + "*" * 8 + text[14:17] + "*"
    if _ID15.match(text):
        return text[:6] + "*" * 6 + text[12:14] + "*"
    if len(text) <= 2:
        return "*" * len(text)
    return text[0] + "*" * (len(text) - 2) + text[-1]


def make_id_number(region_code: str, birth: date, sequence: int, gender: str) -> str:
    """Build a valid 18-digit number for demo data and tests.

    ``sequence`` is the 3-digit order code (0-999).  Its last bit is flipped when
    needed so that the 17th digit's parity matches ``gender``; callers therefore
    never need to know that rule, but two sequences differing only in the lowest
    bit give the same number for a given gender.  ``gender`` accepts 男/女 as well
    as M/F/male/female.  Raises ``ValueError`` for anything that could not yield a
    valid number.
    """
    if len(region_code) != 6 or not region_code.isascii() or not region_code.isdigit():
        raise ValueError("行政区划代码必须是6位数字")
    problem = _region_problem(region_code)
    if problem is not None:
        raise ValueError(problem)
    if not 0 <= sequence <= 999:
        raise ValueError("顺序码必须在0到999之间")
    if birth < EARLIEST_BIRTH:
        raise ValueError("出生日期不能早于1880年")
    key = gender.strip().lower()
    if key in ("男", "m", "male"):
        odd = 1
    elif key in ("女", "f", "female"):
        odd = 0
    else:
        raise ValueError(f"性别应为男或女，实际为{gender}")
    if sequence % 2 != odd:
        sequence ^= 1
    first17 = f"{region_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def _weighted_sum(digits17: str) -> int:
    return sum(int(ch) * w for ch, w in zip(digits17, WEIGHTS, strict=True))


def _invalid(raw: str | int | float | None, reason: str) -> IdNumberCheck:
    return IdNumberCheck(raw=raw, normalized=None, valid=False, reason=reason)


def _first_illegal_char(text: str) -> str | None:
    for i, ch in enumerate(text):
        if ch.isascii() and ch.isdigit():
            continue
        if ch == "X":
            if i == len(text) - 1:
                continue
            return Reason("含非法字符：X 只能出现在最后一位")
        return Reason("含非法字符：%(char)s", char=ch)
    return None


def _region_problem(region: str) -> str | None:
    province = region[:2]
    if province not in PROVINCE_CODES:
        # 2023 外国人永久居留身份证: 9, then the issuing province, then a country code.
        if province.startswith("9") and region[1:3] in MAINLAND_PROVINCES:
            return Reason("行政区划代码无效：以9开头的是外国人永久居留身份证号码，不是公民身份号码")
        return Reason("行政区划代码无效：前两位 %(province)s 不是省级代码", province=province)
    return None


def region_doubt(region: str, birth_year: int, this_year: int) -> str | None:
    """Why a region code of a number that is otherwise valid is doubtful, or None.

    GB/T 2260 with its history: the code must have been in force at some time between the
    birth year and this year (a number is issued at or after birth and keeps its code)."""
    if region[:2] in SPECIAL_PROVINCES:
        return None  # 台湾 and the 港澳台 residence permits: no table below the province
    entry = division(region)
    if entry is None:
        return Reason("地区码%(region)s不在GB/T 2260（1980年以来各版）中，请核实", region=region)
    if not entry.in_force(birth_year, max(this_year, birth_year)):
        latest = entry.latest
        return Reason(
            "地区码%(region)s（%(name)s）%(year)s年已撤销，早于出生年份%(born)s，请核实",
            region=region,
            name=latest.name,
            year=latest.last_year,
            born=birth_year,
        )
    return None


def birth_date_problem(born: date, *, today: date, id_number: str = "") -> str | None:
    """Why `born`, typed as a person's birth date, cannot be theirs, in Chinese; None if it can.

    A person whose ID number is valid was born on the day it encodes: the number wins, as the
    ledger import takes the number's day over a written one. The message does not name that
    day (beside the masked number a birth date rebuilds the whole number). Without a valid
    number the date must lie between 1900-01-01 and today.
    """
    check = check_id_number(id_number, today=today) if id_number else None
    if check is not None and check.valid:
        if born != check.birth_date:
            return Reason("出生日期“%(date)s”与身份证号不符，以身份证号为准", date=born.isoformat())
        return None
    if born > today:
        return birth_after_today(born.isoformat())
    if born < EARLIEST_TYPED_BIRTH:
        return birth_too_early(born.isoformat())
    return None


def birth_too_early(written: str) -> str:
    """The words for a birth date before 1900, however early (1895 and 1870 alike), `written`
    as it was typed: the field forms' (`birth_date_problem`) and the ledger import's, which
    builds them over a whole column (`birth_too_early("{}")` is its format)."""
    return Reason("出生日期“%(date)s”早于%(year)s年", date=written, year=EARLIEST_TYPED_BIRTH.year)


def birth_after_today(written: str) -> str:
    """The words for a birth date after today, shared as `birth_too_early`'s are."""
    return Reason("出生日期“%(date)s”晚于今天", date=written)


def gender_problem(gender: str, *, id_number: str = "", today: date | None = None) -> str | None:
    """Why `gender`, typed as a person's gender, cannot be theirs, in Chinese; None if it can.

    Only 男 and 女 are genders here. A person whose ID number is valid has the gender its 17th
    digit says (odd 男, even 女): the number wins, and the words are the ledger import's for
    the same contradiction (`fusion.normalise`), so a row and a form answer read alike.
    """
    if gender not in ("男", "女"):
        return Reason("性别“%(gender)s”无效，应为男或女", gender=gender[:10])
    check = check_id_number(id_number, today=today) if id_number else None
    if check is not None and check.valid and check.gender != gender:
        return Reason("性别“%(gender)s”与身份证号不符，以身份证号为准", gender=gender)
    return None


def _parse_birth(yyyymmdd: str, today: date) -> tuple[date | None, str | None]:
    try:
        born = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None, Reason("出生日期无效：%(digits)s", digits=yyyymmdd)
    if born > today:
        return None, Reason("出生日期无效：%(digits)s 晚于今天", digits=yyyymmdd)
    if born < EARLIEST_BIRTH:
        return None, Reason("出生日期无效：%(digits)s 早于1880年", digits=yyyymmdd)
    return born, None
