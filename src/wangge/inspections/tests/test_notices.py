"""Rectification notices: numbered per issuing unit and year in the official style, blocks
reserved ahead to inspectors for offline issuing that never clash, deadlines in working days,
the printable .docx and its PDF (LibreOffice headless)."""

from __future__ import annotations

import datetime
import io
import shutil
import threading
import time
from typing import Any

import pytest
from django.db import OperationalError, connection, connections
from django.utils import timezone

from wangge.access.models import Role
from wangge.access.services import assign_role
from wangge.cases.workdays import add_working_days
from wangge.core.errors import Forbidden, ServiceError
from wangge.core.testing import PASSWORD
from wangge.inspections import documents, notices, numbering, services
from wangge.inspections.models import (
    HazardStatus,
    IssuingUnit,
    Notice,
    NoticeKind,
    notice_number,
)
from wangge.inspections.testing import photo


def _hazards(user: Any, place: Any, n: int = 2) -> list[Any]:
    categories = ["partition", "clutter", "fire_equipment"]
    return [
        services.record_hazard(
            user,
            place,
            category=categories[i % 3],
            description=f"第{i + 1}项问题",
            photos=[photo()],
        )
        for i in range(n)
    ]


def test_the_number_is_written_in_the_official_style():
    assert notice_number("京广消字", 2026, 42) == "京广消字〔2026〕第0042号"
    assert notice_number("京广消字", 2026, 12345) == "京广消字〔2026〕第12345号"


def test_an_immediate_notice_is_numbered_in_turn_and_marks_its_hazards(sample, places):
    user = sample.users["grid"]
    first = notices.issue_notice(
        user, unit=places.unit, hazards=_hazards(user, places.places[0]), kind=NoticeKind.IMMEDIATE
    )
    second = notices.issue_notice(
        user,
        unit=places.unit,
        hazards=_hazards(user, places.places[0], 1),
        kind=NoticeKind.IMMEDIATE,
    )
    year = timezone.localtime(first.issued_at).year
    assert first.number == f"京广消字〔{year}〕第0001号"
    assert second.number == f"京广消字〔{year}〕第0002号"
    assert set(first.hazards.values_list("status", flat=True)) == {HazardStatus.NOTICE_ISSUED}
    assert first.deadline is None


def test_a_deadline_notice_counts_working_days(sample, places):
    user = sample.users["grid"]
    issued = timezone.make_aware(datetime.datetime(2026, 9, 30, 10, 0))  # before National Day
    notice = notices.issue_notice(
        user,
        unit=places.unit,
        hazards=_hazards(user, places.places[0]),
        kind=NoticeKind.DEADLINE,
        deadline_days=5,
        issued_at=issued,
    )
    assert notice.deadline == add_working_days(timezone.localtime(issued), 5)
    assert notice.deadline.date() > datetime.date(2026, 10, 8)  # the holiday does not count
    with pytest.raises(ServiceError, match="整改期限"):
        notices.issue_notice(
            user,
            unit=places.unit,
            hazards=_hazards(user, places.places[0], 1),
            kind=NoticeKind.DEADLINE,
        )


def test_a_notice_is_for_one_places_open_hazards_in_the_inspectors_area(sample, places):
    admin, grid = sample.users["admin"], sample.users["grid"]
    mixed = _hazards(admin, places.places[0], 1) + _hazards(admin, places.places[1], 1)
    with pytest.raises(ServiceError, match="一个场所"):
        notices.issue_notice(admin, unit=places.unit, hazards=mixed, kind="immediate")
    with pytest.raises(Forbidden):
        notices.issue_notice(
            grid,
            unit=places.unit,
            hazards=_hazards(admin, places.places[2], 1),
            kind="immediate",
        )
    other = IssuingUnit.objects.create(
        code="far", name="远方街道", prefix="远消字", region=sample.district
    )
    assert numbering.may_issue_for(grid, other)  # the district unit covers the grid too
    hazard = _hazards(grid, places.places[0], 1)
    notices.issue_notice(grid, unit=places.unit, hazards=hazard, kind="immediate")
    with pytest.raises(ServiceError, match="已下达通知"):
        notices.issue_notice(grid, unit=places.unit, hazards=hazard, kind="immediate")


def test_offline_notices_use_the_inspectors_block_and_a_resent_sync_is_not_issued_twice(
    sample, places
):
    grid, street = sample.users["grid"], sample.users["street"]
    year = timezone.localtime().year
    mine = numbering.reserve_block(grid, places.unit, year=year, size=5)
    theirs = numbering.reserve_block(street, places.unit, year=year, size=5)
    assert (mine.first, mine.last, theirs.first, theirs.last) == (1, 5, 6, 10)
    online = notices.issue_notice(
        street, unit=places.unit, hazards=_hazards(street, places.places[1], 1), kind="immediate"
    )
    assert online.serial == 11  # after both blocks
    offline = notices.issue_notice(
        grid,
        unit=places.unit,
        hazards=_hazards(grid, places.places[0], 1),
        kind="immediate",
        serial=3,
        year=year,
        client_id="phone-1:n1",
    )
    assert offline.number == notice_number("京广消字", year, 3) and offline.block == mine
    again = notices.issue_notice(
        grid,
        unit=places.unit,
        hazards=[],
        kind="immediate",
        serial=3,
        year=year,
        client_id="phone-1:n1",
    )
    assert again.pk == offline.pk
    with pytest.raises(ServiceError, match="不在为您预留"):
        notices.issue_notice(
            grid,
            unit=places.unit,
            hazards=_hazards(grid, places.places[0], 1),
            kind="immediate",
            serial=7,
            year=year,
        )
    with pytest.raises(ServiceError, match="已被使用"):
        notices.issue_notice(
            grid,
            unit=places.unit,
            hazards=_hazards(grid, places.places[0], 1),
            kind="immediate",
            serial=3,
            year=year,
        )
    with pytest.raises(Forbidden):
        numbering.reserve_block(sample.users["nobody"], places.unit, year=year)


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_two_inspectors_reserving_and_issuing_at_once_never_get_the_same_number():
    from django.contrib.auth import get_user_model

    from wangge.core.testing import build_sample_district
    from wangge.inspections.testing import build_sample_places

    sample = build_sample_district()
    made = build_sample_places(sample)
    second = get_user_model().objects.create_user(username="grid2", password=PASSWORD)
    assign_role(None, second, Role.GRID_WORKER, sample.grids[0])
    inspectors = [sample.users["grid"], second]
    year = timezone.localtime().year
    serials: list[list[int]] = [[], []]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def waiting(call: Any) -> Any:
        # The test database is SQLite's shared-cache in-memory one, which answers a read that
        # meets another connection's open write with "database table is locked" at once, where
        # the real database file waits (busy_timeout): wait here as the file would. Each call
        # is one transaction, rolled back whole when it is refused.
        for _ in range(200):
            try:
                return call()
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                time.sleep(0.01)
        return call()

    def work(index: int) -> None:
        try:
            start.wait()
            for round_ in range(6):
                if round_ % 2:
                    # (its serials are read from the blocks stored, below: a call refused
                    # after its block was stored, in the audit entry, is tried again)
                    waiting(
                        lambda: numbering.reserve_block(
                            inspectors[index], made.unit, year=year, size=3
                        )
                    )
                else:
                    serials[index].append(waiting(lambda: numbering.take_serial(made.unit, year)))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    from wangge.inspections.models import NumberBlock

    every = serials[0] + serials[1]
    for block in NumberBlock.objects.filter(unit=made.unit, year=year):
        every.extend(range(block.first, block.last + 1))
    assert len(every) >= 2 * (3 + 3 * 3)
    assert len(set(every)) == len(every)  # no serial handed out twice
    assert sorted(every) == list(range(1, len(every) + 1))  # and none skipped
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_six_inspectors_reserving_blocks_at_once_get_blocks_that_never_overlap():
    """Six threads, each with its own database connection (on PostgreSQL, six sessions), race
    for the year's first block (the counter does not exist yet), then reserve blocks of
    different sizes and sync notices numbered from them while others take online numbers: the
    blocks tile 1..n without overlap or gap, every notice's serial lies in its issuer's block
    (or in none, for an online one) and no number is stored twice.

    PostgreSQL only: SQLite's shared-cache in-memory test database answers any read that meets
    another connection's open write with "database table is locked" at once, where the real
    database file waits (busy_timeout); the two-inspector test above covers SQLite."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent sessions need PostgreSQL (see docstring)")
    from django.contrib.auth import get_user_model

    from wangge.core.testing import build_sample_district
    from wangge.inspections.models import NumberBlock, SerialCounter
    from wangge.inspections.testing import build_sample_places

    sample = build_sample_district()
    made = build_sample_places(sample)
    workers = 6
    inspectors = []
    for index in range(workers):
        user = get_user_model().objects.create_user(username=f"team{index}", password=PASSWORD)
        assign_role(None, user, Role.GRID_WORKER, sample.grids[index % len(sample.grids)])
        inspectors.append(user)
    hazards = [
        [
            services.record_hazard(None, made.places[index % len(made.places)], category="clutter")
            for _ in range(3)
        ]
        for index in range(workers)
    ]
    year = timezone.localtime().year
    sizes = [[1, 7, 3], [20, 2, 5], [4, 4, 4], [13, 1, 9], [2, 11, 6], [8, 3, 1]]
    got: list[list[tuple[int, int]]] = [[] for _ in range(workers)]
    issued: list[list[str]] = [[] for _ in range(workers)]
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def work(index: int) -> None:
        user = inspectors[index]
        try:
            start.wait()
            for round_, size in enumerate(sizes[index]):
                block = numbering.reserve_block(user, made.unit, year=year, size=size)
                got[index].append((block.first, block.last))
                hazard = hazards[index][round_]
                offline = round_ != 1  # the middle one is issued online, from the counter
                notice = notices.issue_notice(
                    user,
                    unit=made.unit,
                    hazards=[hazard],
                    kind=NoticeKind.IMMEDIATE,
                    serial=block.last if offline else None,
                    year=year if offline else None,
                    client_id=f"phone-{index}-{round_}" if offline else None,
                )
                issued[index].append(notice.number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors

    blocks = sorted(b for mine in got for b in mine)
    assert len(blocks) == workers * 3
    for (_, last), (first, _) in zip(blocks, blocks[1:], strict=False):
        assert first == last + 1 or first > last + 1  # no overlap
    stored = list(NumberBlock.objects.filter(unit=made.unit, year=year).order_by("first"))
    assert [(b.first, b.last) for b in stored] == blocks
    for mine, user in zip(got, inspectors, strict=True):
        assert {(b.first, b.last) for b in stored if b.inspector == user} == set(mine)
    counter = SerialCounter.objects.get(unit=made.unit, year=year)
    reserved = sum(last - first + 1 for first, last in blocks)
    assert counter.last == reserved + workers  # + one online number each
    covered = {n for first, last in blocks for n in range(first, last + 1)}
    assert len(covered) == reserved  # no serial in two blocks

    numbers = [n for mine in issued for n in mine]
    assert len(numbers) == len(set(numbers)) == workers * 3
    rows = list(Notice.objects.filter(unit=made.unit, year=year).select_related("block"))
    assert sorted(n.number for n in rows) == sorted(numbers)  # each stored once
    for notice in rows:
        assert notice.number == notice_number("京广消字", year, notice.serial)
        if notice.block is None:  # online: a serial of no block
            assert notice.serial not in covered
        else:
            assert notice.block.inspector_id == notice.issued_by_id
            assert notice.block.first <= notice.serial <= notice.block.last


def test_a_signed_copy_photo_is_kept_encrypted(sample, places):
    user = sample.users["grid"]
    notice = notices.issue_notice(
        user, unit=places.unit, hazards=_hazards(user, places.places[0], 1), kind="immediate"
    )
    notices.attach_signed(user, notice, photo("signed.png"))
    data, kind = notices.signed_photo(user, notice.number)
    assert kind == "image/png" and data.startswith(b"\x89PNG")
    assert bytes(Notice.objects.get(pk=notice.pk).signed_photo or b"")[:4] != b"\x89PNG"


def test_the_docx_holds_the_number_the_place_the_items_and_the_deadline(sample, places):
    from docx import Document

    user = sample.users["grid"]
    notice = notices.issue_notice(
        user,
        unit=places.unit,
        hazards=_hazards(user, places.places[0]),
        kind=NoticeKind.DEADLINE,
        deadline_days=3,
    )
    data, name, _type = notices.document(user, notice.number, "docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert name == f"{notice.number}.docx"
    assert notice.number in text and "责令限期改正通知书" in text
    assert places.places[0].name in text and "第1项问题" in text and "第2项问题" in text
    deadline = timezone.localtime(notice.deadline)
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日前" in text
    assert "{{" not in text and "{%" not in text


@pytest.mark.skipif(documents.soffice() is None, reason="LibreOffice (soffice) not installed")
def test_the_notice_converts_to_pdf_in_libreoffice_and_shows_what_it_says(sample, places):
    from pypdf import PdfReader

    user = sample.users["grid"]
    notice = notices.issue_notice(
        user,
        unit=places.unit,
        hazards=_hazards(user, places.places[0]),
        kind=NoticeKind.DEADLINE,
        deadline_days=10,
    )
    data, name, content_type = notices.document(user, notice.number, "pdf")
    assert content_type == "application/pdf" and data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = "".join(text.split())
    deadline = timezone.localtime(notice.deadline)
    for expected in (
        notice.number,
        places.places[0].name,
        "第1项问题",
        "第2项问题",
        f"{deadline.year}年{deadline.month}月{deadline.day}日前",
    ):
        assert expected in text, (expected, text[:500])
    assert shutil.which("soffice") or documents.soffice()


def test_pdf_conversions_wait_for_a_slot_and_are_told_to_come_back(
    sample: Any, places: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Anyone who may open a notice could start a LibreOffice process per request; at most
    # WANGGE_PDF_CONVERSIONS run at once, the rest wait a little, then hear 503.
    settings.WANGGE_PDF_CONVERSIONS = 1
    settings.WANGGE_SOFFICE = shutil.which("true") or "/bin/true"  # converts nothing
    monkeypatch.setattr(documents, "SLOT_WAIT", 0.3)
    user = sample.users["grid"]
    notice = notices.issue_notice(
        user,
        unit=places.unit,
        hazards=_hazards(user, places.places[0]),
        kind=NoticeKind.DEADLINE,
        deadline_days=10,
    )
    with documents.conversion_slot():  # another request converting
        with pytest.raises(documents.Busy, match="正在生成的PDF较多") as busy:
            notices.document(user, notice.number, "pdf")
        assert busy.value.status == 503
        word, _, _ = notices.document(user, notice.number, "docx")  # needs no slot
        assert word.startswith(b"PK")
    with pytest.raises(ServiceError, match="PDF生成失败"):  # the slot is free again: it ran
        notices.document(user, notice.number, "pdf")
