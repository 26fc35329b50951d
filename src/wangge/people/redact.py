"""Take ID numbers and mobile numbers out of free text before it is stored.

Staff and residents type identifiers into anything with a text box: a case description
("居民张三，身份证110105…，电话138…"), a handling note, a call-back comment, a household note, an
import's label. Free text is shown to many roles, searched, exported and (case descriptions)
published through Open311, and it lies in the database file in plaintext, so an identifier in
it would undo every mask and every encrypted column. The platform redacts rather than encrypts
free text: the identifier is never needed there (the reporter's phone has its own encrypted
field, a person their record), while the rest of the text must stay readable and searchable.

* Anything shaped like an ID number (18 characters, or 15 digits, whose birth-date digits read
  as a date), valid or not: a typo leaves the number one repair away. Also with spaces, dashes
  or full-width digits. It keeps its region code only (``110105************``): the masks used on
  screen keep the sequence code too, which together with a name and that person's birth date
  would give the number back.
* Masked IDs that still show trailing digits (``110105********2733``): the same.
* Mobile numbers (with +86, spaces or dashes): the screen mask, ``138******78``.

Pure Python, no Django: model fields (`wangge.access.fields.RedactedTextField`) call it on every
write, whatever the path (form, API, bulk insert).
"""

from __future__ import annotations

import re
import unicodedata

from wangge.people.phone import mask_phone

__all__ = ["redact_identifiers"]

_D = "[0-9０-９]"
_SEP = "[ \\-－]?"
_EDGE = "(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])"
_END = "(?![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])"
_ID18 = re.compile(_EDGE + f"({_D}{{6}}){_SEP}({_D}{{8}}){_SEP}({_D}{{3}}[0-9０-９XxＸｘ])" + _END)
_ID15 = re.compile(_EDGE + f"({_D}{{6}})({_D}{{6}})({_D}{{3}})" + _END)
_PARTIAL = re.compile(_EDGE + f"({_D}{{6}})[*＊]{{4,10}}({_D}{{1,4}}[0-9０-９XxＸｘ*＊]?)" + _END)
_MOBILE = re.compile(
    _EDGE + f"(?:[+＋]?[8８][6６]{_SEP})?[1１][3-9３-９]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}" + _END
)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _looks_like_date(yyyymmdd: str) -> bool:
    month, day = int(yyyymmdd[4:6]), int(yyyymmdd[6:8])
    return 1 <= month <= 12 and 1 <= day <= 31 and yyyymmdd[:2] in ("18", "19", "20")


def _region_only(region: str) -> str:
    return _ascii(region) + "*" * 12


def _id18(match: re.Match[str]) -> str:
    region, birth = _ascii(match.group(1)), _ascii(match.group(2))
    return _region_only(region) if _looks_like_date(birth) else match.group(0)


def _id15(match: re.Match[str]) -> str:
    region, birth = _ascii(match.group(1)), _ascii(match.group(2))
    return _region_only(region) if _looks_like_date("19" + birth) else match.group(0)


def _mobile(match: re.Match[str]) -> str:
    return mask_phone(_ascii(match.group(0)))


def redact_identifiers(text: str) -> str:
    """The text with every ID number and mobile in it masked; unchanged when it holds none."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = _ID18.sub(_id18, text)
    text = _PARTIAL.sub(lambda m: _region_only(m.group(1)), text)
    text = _ID15.sub(_id15, text)
    return _MOBILE.sub(_mobile, text)
