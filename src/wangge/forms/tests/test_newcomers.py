"""A newcomer is their ID number: one whose valid number a person on the platform holds already
is not created a second time (a duplicate household-file entry). A current member of the very
household visited is updated as a member is; anyone else is held in the community's conflict
inbox, the visit's values kept, for staff to attach to that person or reject. The sender hears
that the number is registered, never whose it is or where; staff see the holder only if their
scope reaches them. The lookup is an exact search by ID number (counted and limited like the
search box), and the number is locked to the submission's transaction, so a newcomer sent
twice at once is created once.

A gender sent is held to the ID number (17th digit: odd 男, even 女) as a birth date is: the
number wins, the contradicting value kept as an `invalid` change with the reason in Chinese."""

from __future__ import annotations

import datetime
import json
import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client

from wangge.access.models import AuditEntry, Role
from wangge.core.testing import PASSWORD, SampleDistrict, build_sample_district
from wangge.forms.auth import forget_all
from wangge.forms.models import Change, ChangeStatus, Submission, SubmissionStatus
from wangge.forms.services import upload_form
from wangge.forms.submissions import forget_versions
from wangge.forms.tests.openrosa_client import OpenRosaClient, fill
from wangge.people import services as people
from wangge.people.idnumber import make_id_number, mask_id_number
from wangge.people.models import Household, Person, Residence

pytestmark = pytest.mark.django_db

MOVE_IN = """
| survey |
| | type | name | label | required | wangge::target |
| | select_one_from_file households.csv | household | 户 | yes | household.id |
| | text | note | 备注 | | household.note |
| | begin_repeat | movers_in | 新迁入人员 | | |
| | text | name | 姓名 | yes | newperson.name |
| | text | id_number | 身份证号 | | newperson.id_number |
| | text | gender | 性别 | | newperson.gender |
| | date | birth_date | 出生日期 | | newperson.birth_date |
| | text | phone | 电话 | | newperson.phone |
| | text | relation | 关系 | | newperson.relation |
| | end_repeat | | | | |

| settings |
| | form_title | form_id | version |
| | 迁入登记 | move_in | 1 |
"""

# A gender checked at the door (the shipped verify_value asks for none).
VERIFY_GENDER = """
| survey |
| | type | name | label | required | calculation | wangge::target |
| | select_one_from_file persons.csv | person | 人员 | yes | | person.id |
| | calculate | roster_at | | | instance('persons')/root/item[name=${person}]/at | |
| | text | gender | 性别 | | | person.gender |
| | text | phone | 电话 | | | person.phone |

| settings |
| | form_title | form_id | version |
| | 核实性别 | verify_gender | 1 |
"""

NEW_NUMBER = make_id_number("110105", datetime.date(1988, 8, 8), 321, "女")


@pytest.fixture(autouse=True)
def _fresh_credentials():
    forget_all()
    forget_versions()  # a rolled-back test's move_in v1 is another row on PostgreSQL
    yield
    forget_all()
    forget_versions()


@pytest.fixture
def forms(sample: SampleDistrict) -> SampleDistrict:
    admin = sample.users["admin"]
    upload_form(admin, MOVE_IN.encode(), "move_in.md", roles=[Role.GRID_WORKER])
    upload_form(admin, VERIFY_GENDER.encode(), "verify_gender.md", roles=[Role.GRID_WORKER])
    return sample


def _rosa() -> OpenRosaClient:
    return OpenRosaClient(Client(), username="grid", password=PASSWORD)


def _move_in_xml(
    rosa: OpenRosaClient,
    household: Household,
    name: str,
    id_number: str,
    *,
    phone: str = "",
    gender: str = "",
    birth_date: str = "",
    relation: str = "child",
    note: str = "",
    instance_id: str | None = None,
) -> bytes:
    xform, media = rosa.fetch_form("move_in")
    xml, _ = fill(
        xform,
        media,
        instance_id=instance_id,
        overrides={
            "/data/household": str(household.pk),
            "/data/note": note,
            "/data/movers_in/name": name,
            "/data/movers_in/id_number": id_number,
            "/data/movers_in/gender": gender,
            "/data/movers_in/birth_date": birth_date,
            "/data/movers_in/phone": phone,
            "/data/movers_in/relation": relation,
        },
    )
    return xml


def _move_in(household: Household, name: str, id_number: str, **kwargs) -> str:
    rosa = _rosa()
    answer = rosa.submit(_move_in_xml(rosa, household, name, id_number, **kwargs))
    assert answer.status == 201, answer.message  # stored: nothing of the visit is lost
    return answer.message


def _held() -> Change:
    return Change.objects.get(model="household", field="newcomer")


def _with_number(number: str) -> list[Person]:
    return list(Person.objects.filter(id_number_index=people.id_number_index(number)))


def _inbox(sample: SampleDistrict, role: str) -> tuple[Client, str]:
    client = Client()
    client.force_login(sample.users[role])
    return client, client.get("/forms/conflicts/").content.decode()


def _decide(client: Client, change: Change, action: str) -> str:
    answer = client.post(f"/forms/conflicts/{change.pk}/", {"action": action}, follow=True)
    assert answer.status_code == 200  # a message on the inbox, never an error page
    return answer.content.decode()


# -- a registered number is not registered again ---------------------------------------------


def test_a_newcomer_a_running_import_is_writing_is_held_until_it_is_published(forms, settings):
    """While a ledger import has written the number's person but not published it, the visit
    neither creates a second person nor touches the unpublished one: it is held, and accepting
    it after the import attaches the visit to the person the import made."""
    from wangge.core import hidden

    settings.WANGGE_HIDDEN_CHECK_MS = 0
    household = forms.households[0]
    importing = Person.objects.create(name="王新来", id_number=NEW_NUMBER, grid=household.grid)
    hidden.hide("batch-7", Person._meta.db_table, [importing.pk])

    message = _move_in(household, "王新来", NEW_NUMBER, phone="13700001111")

    assert "迁入人员王新来正随台账导入，未重复建档，待社区核对" in message
    assert (
        Person._base_manager.filter(id_number_index=people.id_number_index(NEW_NUMBER)).count() == 1
    )
    held = _held()
    assert held.status == ChangeStatus.CONFLICT
    assert held.current_value == "身份证号对应人员正随台账导入"
    denied = AuditEntry.objects.get(action="denied", detail__reason="newcomer_held")
    assert denied.detail["why"] == "being_imported" and denied.detail["holder"] is None

    client, _ = _inbox(forms, "community")
    assert "导入完成后" in _decide(client, held, "accept")  # not attached to a hidden person
    held.refresh_from_db()
    assert held.status == ChangeStatus.CONFLICT

    hidden.publish("batch-7")
    assert "已采纳" in _decide(client, held, "accept")
    importing.refresh_from_db()
    assert importing.household_id == household.pk and importing.phone == "13700001111"


def test_a_newcomer_with_a_registered_number_is_held_and_staff_attach_the_visit(forms):
    household, elsewhere = forms.households[0], forms.households[1]  # both in the worker's grid
    holder = Person.objects.get(pk=forms.persons[2].pk)  # lives in the other household
    assert holder.household_id == elsewhere.pk
    message = _move_in(
        household, "王新来", holder.id_number, phone="13700001111", note="楼道堆物已清"
    )

    assert _with_number(holder.id_number) == [holder]  # no second person
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.CONFLICTS
    assert "迁入人员王新来的身份证号已在平台登记，未重复建档，待社区核对" in message
    assert message.startswith("已写入1项")  # the rest of the visit (the note) is applied
    household.refresh_from_db()
    assert "楼道堆物已清" in household.note
    for secret in (holder.name, holder.id_number, mask_id_number(holder.id_number)):
        assert secret not in message  # the sender learns that it is registered, not whose

    held = _held()
    assert held.status == ChangeStatus.CONFLICT
    assert held.object_id == str(household.pk) and held.grid_id == household.grid_id
    assert held.current_value == "身份证号已在平台登记"
    sent = json.loads(held.submitted_value)  # kept whole (encrypted at rest)
    assert sent["name"] == "王新来" and sent["id_number"] == holder.id_number
    assert sent["phone"] == "13700001111" and sent["relation"] == "child"
    denied = AuditEntry.objects.get(action="denied", detail__reason="newcomer_held")
    assert denied.object_type == "household" and denied.object_id == str(household.pk)
    assert denied.detail["why"] == "id_number_registered"
    assert len(denied.detail["query_hash"]) == 64
    assert holder.id_number not in json.dumps(denied.detail)

    client, page = _inbox(forms, "community")
    assert "王新来" in page and holder.name in page  # the holder is in the officer's scope
    assert mask_id_number(holder.id_number) in page and holder.id_number not in page
    assert "137******11" in page and "13700001111" not in page
    assert "采纳则将其迁入本户" in page

    assert "已采纳" in _decide(client, held, "accept")
    holder.refresh_from_db()
    assert holder.household_id == household.pk  # moved in, history kept
    assert holder.phone == "13700001111"
    assert holder.name != "王新来"  # the name on file stays: the number is the person
    residences = Residence.objects.filter(person=holder).order_by("since", "pk")
    assert [(r.household_id, r.until is None) for r in residences] == [
        (elsewhere.pk, False),
        (household.pk, True),
    ]
    assert [r.relation for r in residences][-1] == "child"
    held.refresh_from_db()
    assert held.status == ChangeStatus.ACCEPTED
    applied = Change.objects.filter(
        submission=submission, model="person", object_id=str(holder.pk), status="applied"
    )
    assert {c.field for c in applied} == {"moved_in", "phone"}  # provenance of each write
    decided = AuditEntry.objects.filter(object_type="forms.change", object_id=str(held.pk))
    assert decided.get().detail["person"] == holder.pk
    # the household's history names the newcomer, not the values sent
    history = client.get(f"/people/households/{household.pk}/").content.decode()
    assert "迁入人员（身份证号已登记）" in history and "id_number" not in history


def test_a_holder_outside_the_scope_is_not_revealed_and_only_an_office_over_both_attaches(forms):
    household = forms.households[0]
    holder = forms.persons[8]  # 金台里社区, neither the worker's nor the officer's
    message = _move_in(household, "赵远来", holder.id_number)
    assert "迁入人员赵远来的身份证号已在平台登记，未重复建档，待社区核对" in message
    for secret in (holder.name, "金台里", mask_id_number(holder.id_number)):
        assert secret not in message
    assert _with_number(holder.id_number) == [holder]

    client, page = _inbox(forms, "community")
    assert "赵远来" in page and holder.name not in page and "金台里" not in page
    assert "该身份证号登记在您管辖范围以外的人员名下" in page
    answer = _decide(client, _held(), "accept")
    assert "不能采纳：该身份证号登记的人员不在您的管辖范围内，请由其所在社区或街道核对，或驳回" in (
        answer
    )
    assert holder.name not in answer
    assert AuditEntry.objects.filter(
        action="refused", object_type="people.person", object_id=str(holder.pk)
    ).exists()
    assert _held().status == ChangeStatus.CONFLICT  # still there
    holder.refresh_from_db()
    assert holder.household_id != household.pk

    street, page = _inbox(forms, "street")  # over both communities
    assert holder.name in page
    _decide(street, _held(), "accept")
    holder.refresh_from_db()
    assert holder.household_id == household.pk and holder.grid_id == household.grid_id
    assert _held().status == ChangeStatus.ACCEPTED


def test_rejecting_a_held_newcomer_writes_nothing(forms):
    household = forms.households[0]
    holder = forms.persons[2]
    _move_in(household, "王新来", holder.id_number, phone="13700001111")
    client, _page = _inbox(forms, "community")
    assert "已驳回" in _decide(client, _held(), "reject")
    holder.refresh_from_db()
    assert holder.household_id == forms.households[1].pk
    assert holder.phone != "13700001111"
    assert _held().status == ChangeStatus.REJECTED
    assert _with_number(holder.id_number) == [holder]


def test_a_newcomer_already_on_the_households_file_is_updated_as_a_member(forms):
    household = forms.households[0]
    member = forms.persons[1]
    assert member.household_id == household.pk
    message = _move_in(household, "李重登", member.id_number, phone="13700002222")
    assert "迁入人员李重登已是本户成员，未重复登记" in message
    assert _with_number(member.id_number) == [member]
    member.refresh_from_db()
    assert member.phone == "13700002222"
    assert member.name != "李重登"
    assert Submission.objects.get().status == SubmissionStatus.APPLIED
    assert not Change.objects.filter(status=ChangeStatus.CONFLICT).exists()
    assert Residence.objects.filter(person=member).count() == 1  # not moved in again


def test_the_same_newcomer_sent_twice_is_created_once(forms):
    first, second = forms.households[0], forms.households[1]
    _move_in(first, "孙新", NEW_NUMBER)
    created = _with_number(NEW_NUMBER)
    assert [p.name for p in created] == ["孙新"]
    message = _move_in(second, "孙新", NEW_NUMBER)  # the same person sent again, elsewhere
    assert "已在平台登记" in message
    assert _with_number(NEW_NUMBER) == created
    message = _move_in(first, "孙新", NEW_NUMBER)  # or again for the same household
    assert "已是本户成员" in message
    assert _with_number(NEW_NUMBER) == created


def test_over_the_exact_search_limit_a_newcomer_is_held_without_saying_whether_registered(
    forms, settings
):
    settings.WANGGE_EXACT_SEARCH_LIMIT = 1
    settings.WANGGE_EXACT_SEARCH_WINDOW = 600
    household = forms.households[0]
    _move_in(household, "孙新", NEW_NUMBER)  # the one lookup allowed: created
    registered = _move_in(household, "王新来", forms.persons[2].id_number)
    unknown = make_id_number("110105", datetime.date(1991, 1, 1), 7, "男")
    fresh = _move_in(household, "钱未登", unknown)
    said = "的身份证号暂不能核对（核对过于频繁），未建档，待社区核对"
    assert f"迁入人员王新来{said}" in registered and f"迁入人员钱未登{said}" in fresh
    assert "已在平台登记" not in registered  # the same answer whether registered or not
    assert _with_number(unknown) == []
    held = list(Change.objects.filter(field="newcomer").order_by("pk"))
    assert [c.current_value for c in held] == ["身份证号核对过于频繁，未能核对是否已登记"] * 2
    assert AuditEntry.objects.filter(detail__reason="search_rate_limited").count() == 2

    client, page = _inbox(forms, "community")
    assert "暂无该身份证号的人员：采纳则新建人员并迁入本户" in page
    _decide(client, held[-1], "accept")  # the community looks when it decides
    [created] = _with_number(unknown)
    assert created.name == "钱未登" and created.household_id == household.pk
    assert created.birth_date == datetime.date(1991, 1, 1) and created.gender == "男"


def test_a_held_newcomers_invalid_values_are_told_and_noted_when_decided(forms):
    household = forms.households[0]
    holder = forms.persons[2]
    wrong = "男" if holder.gender == "女" else "女"
    message = _move_in(household, "王新来", holder.id_number, gender=wrong, phone="12345")
    assert f"性别“{wrong}”与身份证号不符，以身份证号为准" in message
    assert "电话“12345”无效" in message
    client, _page = _inbox(forms, "community")
    _decide(client, _held(), "accept")
    invalid = Change.objects.filter(object_id=str(holder.pk), status=ChangeStatus.INVALID)
    assert {c.field for c in invalid} == {"gender", "phone"}
    holder.refresh_from_db()
    assert holder.gender != wrong


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_newcomers_with_one_number_sent_at_the_same_moment_make_one_person():
    """PostgreSQL only, as test_concurrent_intake (SQLite's transactions begin IMMEDIATE: one
    writer at a time, the sequential test above is the race there)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent sessions need PostgreSQL")
    forget_all()
    sample = build_sample_district()
    upload_form(sample.users["admin"], MOVE_IN.encode(), "move_in.md", roles=[Role.GRID_WORKER])
    rosa = _rosa()
    targets = [sample.households[i % 2] for i in range(6)]
    bodies = [
        _move_in_xml(rosa, h, "孙新", NEW_NUMBER, instance_id=f"uuid:same-{i}")
        for i, h in enumerate(targets)
    ]
    start = threading.Barrier(len(bodies))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post(body: bytes) -> None:
        try:
            client = _rosa()
            client.preemptive = True
            start.wait()
            statuses.append(client.submit(body).status)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert statuses == [201] * len(bodies)
    assert len(_with_number(NEW_NUMBER)) == 1
    outcomes = Counter(Submission.objects.values_list("status", flat=True))
    assert outcomes[SubmissionStatus.FAILED] == 0
    forget_all()


# -- a gender sent is held to the ID number -------------------------------------------------


def _verify_gender(person: Person, gender: str, roster_at: str = "") -> str:
    rosa = _rosa()
    xform, media = rosa.fetch_form("verify_gender")
    xml, _ = fill(
        xform,
        media,
        overrides={
            "/data/person": str(person.pk),
            "/data/roster_at": roster_at,
            "/data/gender": gender,
            "/data/phone": "",
        },
    )
    answer = rosa.submit(xml)
    assert answer.status == 201, answer.message
    return answer.message


def test_a_gender_that_contradicts_the_id_number_is_invalid_and_the_number_wins(forms):
    person = forms.persons[0]  # 男 by the number's 17th digit
    assert person.gender == "男"
    message = _verify_gender(person, "女")
    person.refresh_from_db()
    assert person.gender == "男"
    change = Change.objects.get(field="gender")
    assert change.status == ChangeStatus.INVALID and change.submitted_value == "女"
    assert change.current_value == "性别“女”与身份证号不符，以身份证号为准"
    assert "1项值无效未写入（性别“女”与身份证号不符，以身份证号为准）" in message
    assert Submission.objects.get().status == SubmissionStatus.APPLIED


@pytest.mark.parametrize(("sent", "written"), [("female", "女"), ("女", "女")])
def test_a_gender_is_written_for_a_person_without_an_id_number(forms, sent, written):
    person = forms.persons[0]
    person.id_number = ""
    person.save()
    _verify_gender(person, sent)
    person.refresh_from_db()
    assert person.gender == written
    assert Change.objects.get(field="gender").status == ChangeStatus.APPLIED


def test_a_gender_that_is_no_gender_is_invalid(forms):
    person = forms.persons[0]
    message = _verify_gender(person, "未知")
    assert "性别“未知”无效，应为男或女" in message
    assert Change.objects.get(field="gender").status == ChangeStatus.INVALID
    person.refresh_from_db()
    assert person.gender == "男"


def test_the_id_numbers_own_gender_is_no_change(forms):
    _verify_gender(forms.persons[0], "male")
    assert not Change.objects.filter(field="gender").exists()


def test_a_newcomers_gender_comes_from_the_id_number(forms):
    household = forms.households[0]
    man = make_id_number("110105", datetime.date(1979, 9, 9), 11, "男")
    woman = make_id_number("110105", datetime.date(1979, 9, 9), 12, "女")
    _move_in(household, "周无性别", man)
    assert Person.objects.get(name="周无性别").gender == "男"  # none sent: the number's
    message = _move_in(household, "吴写错", woman, gender="男")
    newcomer = Person.objects.get(name="吴写错")
    assert newcomer.gender == "女"
    change = Change.objects.get(object_id=str(newcomer.pk), field="gender")
    assert change.status == ChangeStatus.INVALID
    assert change.current_value == "性别“男”与身份证号不符，以身份证号为准"
    assert "性别“男”与身份证号不符，以身份证号为准" in message


def test_a_gender_conflict_is_checked_against_an_id_number_stored_since(forms):
    person = forms.persons[0]
    person.id_number = ""
    person.gender = ""
    person.save()
    rosa = _rosa()
    _xform, media = rosa.fetch_form("verify_gender")
    row = next(
        r for r in media["persons.csv"].decode().splitlines() if r.startswith(f"{person.pk},")
    )
    person.ethnicity = "回族"  # an office's edit after the roster was made
    person.save()
    _verify_gender(person, "女", roster_at=row.split(",")[-1])
    change = Change.objects.get(field="gender", status=ChangeStatus.CONFLICT)
    person.id_number = make_id_number("110105", datetime.date(1950, 1, 1), 31, "男")
    person.save()
    client, _page = _inbox(forms, "community")
    answer = _decide(client, change, "accept")
    assert "不能采纳：性别“女”与身份证号不符，以身份证号为准，请驳回" in answer
    person.refresh_from_db()
    assert person.gender == ""
    assert Change.objects.get(pk=change.pk).status == ChangeStatus.CONFLICT
