"""A birth date sent from the field is held to the rule every other way in holds it to
(`people.idnumber.birth_date_problem`): not after today, not before 1900, and the day the
person's valid ID number encodes, for the number wins. A value that breaks it is not written
and not lost: the submission is kept and applied, the value kept as an `invalid` change with
the reason in Chinese, and the sender told why. The conflict inbox checks a value again before
it writes it."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from wangge.access.models import Role
from wangge.core.testing import PASSWORD, english_client
from wangge.forms.auth import forget_all
from wangge.forms.models import Change, ChangeStatus, Submission, SubmissionStatus
from wangge.forms.services import upload_form
from wangge.forms.tests.openrosa_client import OpenRosaClient, fill
from wangge.people.idnumber import make_id_number
from wangge.people.models import Person

pytestmark = pytest.mark.django_db

# A form that registers newcomers with their ID number (the shipped visit asks for none).
MOVE_IN = """
| survey |
| | type | name | label | required | wangge::target |
| | select_one_from_file households.csv | household | 户 | yes | household.id |
| | begin_repeat | movers_in | 新迁入人员 | | |
| | text | name | 姓名 | yes | newperson.name |
| | text | id_number | 身份证号 | | newperson.id_number |
| | date | birth_date | 出生日期 | | newperson.birth_date |
| | end_repeat | | | | |

| settings |
| | form_title | form_id | version |
| | 迁入登记 | move_in | 1 |
"""


@pytest.fixture(autouse=True)
def _fresh_credentials():
    forget_all()
    yield
    forget_all()


def _rosa() -> OpenRosaClient:
    return OpenRosaClient(Client(), username="grid", password=PASSWORD)


def _verify_birth_date(
    rosa: OpenRosaClient, person: Person, sent: str, roster_at: str = ""
) -> tuple[int, str]:
    xform, media = rosa.fetch_form("verify_value")
    xml, _ = fill(
        xform,
        media,
        overrides={
            "/data/person": str(person.pk),
            "/data/roster_at": roster_at,
            "/data/field": "birth_date",
            "/data/birth_date": sent,
            "/data/name": "",
            "/data/phone": "",
            "/data/ethnicity": "",
        },
    )
    answer = rosa.submit(xml)
    return answer.status, answer.message


def _without_id_number(person: Person, born: datetime.date | None) -> Person:
    person.id_number = ""
    person.birth_date = born
    person.save()
    return person


def _tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("sent", "why"),
    [
        (None, "晚于今天"),  # tomorrow
        ("2999-01-01", "晚于今天"),
        ("1899-12-31", "早于1900年"),
        ("1895-03-01", "早于1900年"),
        ("1870-01-01", "早于1900年"),  # before an ID number's earliest (1880) too
        ("0001-01-01", "早于1900年"),
    ],
)
def test_a_birth_date_in_the_future_or_before_1900_is_kept_as_invalid_and_not_written(
    sample, sent, why
):
    person = _without_id_number(sample.persons[0], datetime.date(1960, 5, 1))
    sent = sent or _tomorrow()
    status, message = _verify_birth_date(_rosa(), person, sent)
    assert status == 201, message  # kept and applied: the rest of the visit counts
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.APPLIED, submission.message
    person.refresh_from_db()
    assert person.birth_date == datetime.date(1960, 5, 1)
    change = Change.objects.get(submission=submission, field="birth_date")
    assert change.status == ChangeStatus.INVALID
    assert change.object_id == str(person.pk)
    assert change.submitted_value == sent  # what was sent, kept
    assert change.current_value == f"出生日期“{sent}”{why}"
    assert f"1项值无效未写入（出生日期“{sent}”{why}）" in message  # the sender is told why
    assert message == submission.message


def test_a_birth_date_in_range_is_written_for_a_person_without_an_id_number(sample):
    person = _without_id_number(sample.persons[0], None)
    status, message = _verify_birth_date(_rosa(), person, "1900-01-01")
    assert status == 201, message
    person.refresh_from_db()
    assert person.birth_date == datetime.date(1900, 1, 1)
    assert Change.objects.get(field="birth_date").status == ChangeStatus.APPLIED


def test_a_birth_date_that_contradicts_the_id_number_is_invalid_and_the_number_wins(sample):
    person = sample.persons[0]
    born = person.birth_date
    assert born is not None and born != datetime.date(1990, 1, 2)
    status, message = _verify_birth_date(_rosa(), person, "1990-01-02")
    assert status == 201, message
    person.refresh_from_db()
    assert person.birth_date == born
    change = Change.objects.get(field="birth_date")
    assert change.status == ChangeStatus.INVALID
    assert change.current_value == "出生日期“1990-01-02”与身份证号不符，以身份证号为准"
    # the sender does not learn the number's day (beside the masked number it rebuilds it)
    assert born.isoformat() not in message
    assert born.strftime("%Y%m%d") not in message


def test_the_id_numbers_own_day_is_no_change(sample):
    person = sample.persons[0]
    assert person.birth_date is not None
    status, message = _verify_birth_date(_rosa(), person, person.birth_date.isoformat())
    assert status == 201, message
    assert not Change.objects.filter(field="birth_date").exists()


def test_a_newcomers_birth_date_and_id_number_are_checked_and_noted_on_the_new_person(sample):
    upload_form(sample.users["admin"], MOVE_IN.encode(), "move_in.md", roles=[Role.GRID_WORKER])
    rosa = _rosa()
    xform, media = rosa.fetch_form("move_in")
    household = next(h for h in sample.households if h.grid_id == sample.grids[0].pk)
    born = datetime.date(1985, 3, 4)
    number = make_id_number("110105", born, 123, "男")

    def move_in(name: str, id_number: str, birth_date: str) -> Person:
        xml, _ = fill(
            xform,
            media,
            overrides={
                "/data/household": str(household.pk),
                "/data/movers_in/name": name,
                "/data/movers_in/id_number": id_number,
                "/data/movers_in/birth_date": birth_date,
            },
        )
        answer = rosa.submit(xml)
        assert answer.status == 201, answer.message
        return Person.objects.get(name=name)

    def invalid(person: Person) -> dict[str, str]:
        changes = Change.objects.filter(object_id=str(person.pk), status=ChangeStatus.INVALID)
        return {c.field: c.current_value for c in changes}

    future = move_in("钱未来", "", "2999-01-01")
    assert future.household_id == household.pk  # registered all the same
    assert future.birth_date is None
    assert invalid(future) == {"birth_date": "出生日期“2999-01-01”晚于今天"}

    numbered = move_in("孙有号", number, "1990-01-02")
    assert numbered.id_number == number
    assert numbered.birth_date == born  # the number's day
    assert invalid(numbered) == {"birth_date": "出生日期“1990-01-02”与身份证号不符，以身份证号为准"}

    # another person born that day (the same number again is the same person: test_newcomers)
    agreeing = move_in("李相符", make_id_number("110105", born, 124, "女"), born.isoformat())
    assert agreeing.birth_date == born
    assert invalid(agreeing) == {}

    broken = move_in("周错号", number[:-1] + ("0" if number[-1] != "0" else "1"), "1990-01-02")
    assert broken.id_number == ""  # a number that fails its check digit is not stored
    assert broken.birth_date == datetime.date(1990, 1, 2)
    assert invalid(broken)["id_number"].startswith("身份证号无效：校验位错误")


def _conflict(sample, sent: str) -> tuple[Person, Change]:
    """A birth date sent against a roster older than an office's edit: the inbox's item."""
    person = _without_id_number(sample.persons[0], None)
    rosa = _rosa()
    _xform, media = rosa.fetch_form("verify_value")
    row = next(
        r for r in media["persons.csv"].decode().splitlines() if r.startswith(f"{person.pk},")
    )
    roster_at = row.split(",")[-1]
    person.ethnicity = "回族"  # the office's edit after the roster was made
    person.save()
    status, message = _verify_birth_date(rosa, person, sent, roster_at=roster_at)
    assert status == 201, message
    return person, Change.objects.get(status=ChangeStatus.CONFLICT, field="birth_date")


def test_accepting_a_conflict_writes_a_birth_date_that_keeps_the_rule(sample, client):
    person, change = _conflict(sample, "1971-07-08")
    client.force_login(sample.users["community"])
    answer = client.post(f"/forms/conflicts/{change.pk}/", {"action": "accept"}, follow=True)
    assert answer.status_code == 200
    person.refresh_from_db()
    assert person.birth_date == datetime.date(1971, 7, 8)
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED


@pytest.mark.parametrize(
    ("stored", "why"),
    [
        ("2999-01-01", "出生日期“2999-01-01”晚于今天"),  # kept before the rule
        ("1850-01-01", "出生日期“1850-01-01”早于1900年"),
        ("1971-13-45", "出生日期“1971-13-45”格式不正确，应如 1990-05-01"),
        ("", "出生日期“”格式不正确，应如 1990-05-01"),
    ],
)
def test_a_conflicts_birth_date_that_breaks_the_rule_is_not_accepted(sample, client, stored, why):
    person, change = _conflict(sample, "1971-07-08")
    change.submitted_value = stored
    change.save()
    client.force_login(sample.users["community"])
    answer = client.post(f"/forms/conflicts/{change.pk}/", {"action": "accept"}, follow=True)
    assert answer.status_code == 200  # a message on the inbox, not a server error
    assert f"不能采纳：{why}，请驳回" in answer.content.decode()
    person.refresh_from_db()
    assert person.birth_date is None
    change.refresh_from_db()
    assert change.status == ChangeStatus.CONFLICT  # still there to reject
    answer = client.post(f"/forms/conflicts/{change.pk}/", {"action": "reject"})
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED


def test_a_conflict_is_checked_against_an_id_number_stored_since(sample, client):
    person, change = _conflict(sample, "1971-07-08")
    person.id_number = make_id_number("110105", datetime.date(1972, 1, 1), 55, "女")
    person.save()
    client.force_login(sample.users["community"])
    answer = client.post(f"/forms/conflicts/{change.pk}/", {"action": "accept"}, follow=True)
    assert "不能采纳：出生日期“1971-07-08”与身份证号不符，以身份证号为准，请驳回" in (
        answer.content.decode()
    )
    person.refresh_from_db()
    assert person.birth_date is None
    assert Change.objects.get(pk=change.pk).status == ChangeStatus.CONFLICT


def test_a_conflict_against_the_id_number_is_refused_in_english(sample):
    """The people rule's reason (`people.idnumber`, pure code) reads in English on the inbox
    of a user who chose English."""
    person, change = _conflict(sample, "1971-07-08")
    person.id_number = make_id_number("110105", datetime.date(1972, 1, 1), 55, "女")
    person.save()
    client = english_client(sample.users["community"])
    answer = client.post(f"/forms/conflicts/{change.pk}/", {"action": "accept"}, follow=True)
    assert (
        "Cannot accept: birth date “1971-07-08” does not match the ID number; the ID number"
        " wins; reject it" in answer.content.decode()
    )
