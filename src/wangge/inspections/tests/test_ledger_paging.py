"""The hazard ledger's pages by cursor (keyset): every row exactly once and in order, forwards
and back, also across rows found at the same moment and rows added mid-walk; the filters and the
caller's scope held on every page; a cursor that does not parse refused in Chinese (400), on the
page and in /api/hazards; `page=N` still answers for older clients."""

from __future__ import annotations

import datetime
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from wangge.inspections import keyset, selectors
from wangge.inspections.models import Hazard

NOW = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)


def _fill(places: Any, n: int = 67) -> list[Hazard]:
    """`n` hazards over the four grids' places, in clumps found at the very same moment (so
    the order rests on the id as well) and some a second apart."""
    statuses = ["open", "notice_issued", "rectified"]
    made = [
        Hazard(
            place=places.places[i % 4],
            grid_id=places.places[i % 4].grid_id,
            category="clutter" if i % 2 else "partition",
            status=statuses[i % 3],
            found_at=NOW - datetime.timedelta(seconds=i // 5),  # five at each moment
        )
        for i in range(n)
    ]
    Hazard.objects.bulk_create(made)
    return list(Hazard.objects.order_by("-found_at", "-pk"))


def _walk(query: Any, size: int) -> list[selectors.LedgerPage]:
    pages = [selectors.hazard_page(query, "", size)]
    while pages[-1].next:
        pages.append(selectors.hazard_page(query, pages[-1].next, size))
        assert len(pages) < 100
    return pages


def _ids(pages: list[selectors.LedgerPage]) -> list[int]:
    return [h.pk for page in pages for h in page.rows]


def test_a_cursor_round_trips_and_nonsense_is_refused_in_chinese():
    at = datetime.datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=datetime.UTC)
    text = keyset.encode(keyset.NEXT, 3, at, 4711)
    assert text == f"n3.{keyset.to_micros(at)}.4711"
    assert keyset.decode(text) == keyset.Cursor("n", 3, at, 4711)
    back = keyset.decode(keyset.encode(keyset.PREVIOUS, 1, at, 1))
    assert not back.forward and back.page == 1
    for bad in [
        "",
        "abc",
        "x3.1.1",
        "n0.1.1",  # no page 0
        "n3.1.0",  # no id 0
        "n3.1.-5",
        "n3.1e9.5",
        "n3.999999999999999999.5",  # after year 9999
        "n3.1.99999999999999999999",  # id past bigint
        "n" + "1" * 80,
        "n3.1.1; DROP TABLE x",
        "n3.١.1",  # Arabic-Indic digit
    ]:
        with pytest.raises(keyset.CursorError, match="翻页参数"):
            keyset.decode(bad)


@pytest.mark.parametrize("size", [1, 7, 10, 67, 100])
def test_walking_forward_shows_every_row_once_in_ledger_order(sample, places, size):
    expected = [h.pk for h in _fill(places)]
    query = selectors.hazards(sample.users["admin"], selectors.HazardFilter())
    pages = _walk(query, size)
    assert _ids(pages) == expected  # none missing, none twice, same order as the ledger
    assert [p.number for p in pages] == list(range(1, len(pages) + 1))
    assert all(len(p.rows) == size for p in pages[:-1]) and 1 <= len(pages[-1].rows) <= size
    assert pages[0].previous is None and pages[-1].next is None


def test_walking_back_gives_the_same_pages_in_reverse(sample, places):
    _fill(places)
    query = selectors.hazards(sample.users["admin"], selectors.HazardFilter())
    forward = _walk(query, 10)
    back = [forward[-1]]
    while back[-1].previous:
        back.append(selectors.hazard_page(query, back[-1].previous, 10))
        assert len(back) < 100
    assert [[h.pk for h in p.rows] for p in reversed(back)] == [
        [h.pk for h in p.rows] for p in forward
    ]
    assert [p.number for p in reversed(back)] == [p.number for p in forward]
    # and forwards again from a page reached backwards
    again = selectors.hazard_page(query, back[-1].next or "", 10)  # from page 1
    assert [h.pk for h in again.rows] == [h.pk for h in forward[1].rows]


def test_a_hazard_found_mid_walk_does_not_shift_the_next_page(sample, places):
    """With OFFSET a new hazard on top pushes the last row of page 1 onto page 2 (shown
    twice); with a cursor page 2 starts after the row page 1 ended on."""
    expected = [h.pk for h in _fill(places, 30)]
    query = selectors.hazards(sample.users["admin"], selectors.HazardFilter())
    first = selectors.hazard_page(query, "", 10)
    Hazard.objects.create(
        place=places.places[0],
        grid_id=places.places[0].grid_id,
        category="clutter",
        found_at=NOW + datetime.timedelta(hours=1),
    )
    second = selectors.hazard_page(query, first.next or "", 10)
    assert [h.pk for h in second.rows] == expected[10:20]


def test_every_page_keeps_the_filters_and_the_callers_scope(sample, places):
    _fill(places)
    community = sample.users["community"]  # the first community: grids 0 and 1
    visible = {sample.grids[0].pk, sample.grids[1].pk}
    f = selectors.HazardFilter(status="open", category="clutter")
    query = selectors.hazards(community, f)
    ids = _ids(_walk(query, 3))
    rows = list(Hazard.objects.filter(pk__in=ids))
    assert len(ids) == len(set(ids)) == len(rows) > 3
    assert all(h.grid_id in visible and h.status == "open" for h in rows)
    assert all(h.category == "clutter" for h in rows)
    assert ids == list(
        Hazard.objects.filter(grid_id__in=visible, status="open", category="clutter")
        .order_by("-found_at", "-pk")
        .values_list("pk", flat=True)
    )
    # a cursor made from a hazard the officer cannot see only names a position: the page
    # after it still holds only the officer's own hazards
    hidden = Hazard.objects.exclude(grid_id__in=visible).order_by("-found_at").first()
    assert hidden is not None
    cursor = keyset.encode(keyset.NEXT, 2, hidden.found_at, hidden.pk)
    after = selectors.hazard_page(query, cursor, 50)
    assert after.rows and all(h.grid_id in visible for h in after.rows)


def test_an_invalid_cursor_is_a_service_error_not_a_crash(sample, places):
    query = selectors.hazards(sample.users["admin"], selectors.HazardFilter())
    with pytest.raises(selectors.ServiceError, match="翻页参数"):
        selectors.hazard_page(query, "n1.abc", 10)
    # a well-formed cursor past the end is an empty page, not an error
    far = keyset.encode(keyset.NEXT, 9, datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC), 1)
    assert selectors.hazard_page(query, far, 10).rows == []


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_api_walks_by_cursor_and_still_answers_page_numbers(sample, places):
    expected = [h.pk for h in _fill(places)]
    client = _client(sample.users["admin"])
    seen: list[int] = []
    body = client.get("/api/hazards?page_size=20").json()
    assert body["count"] == len(expected) and body["page"] == 1 and body["previous"] is None
    while True:
        seen += [h["id"] for h in body["items"]]
        if not body["next"]:
            break
        body = client.get("/api/hazards", {"page_size": 20, "cursor": body["next"]}).json()
    assert seen == expected
    back = client.get("/api/hazards", {"page_size": 20, "cursor": body["previous"]}).json()
    assert [h["id"] for h in back["items"]] == expected[40:60] and back["page"] == 3
    # page numbers (OFFSET) for older clients, with a cursor onwards
    third = client.get("/api/hazards?page_size=20&page=3").json()
    assert [h["id"] for h in third["items"]] == expected[40:60] and third["page"] == 3
    onward = client.get("/api/hazards", {"page_size": 20, "cursor": third["next"]}).json()
    assert [h["id"] for h in onward["items"]] == expected[60:]
    # filters and scope with the cursor
    grid = _client(sample.users["grid"])
    mine = grid.get("/api/hazards?page_size=3&status=open").json()
    following = grid.get(
        "/api/hazards", {"page_size": 3, "status": "open", "cursor": mine["next"]}
    ).json()
    rows = mine["items"] + following["items"]
    assert len({h["id"] for h in rows}) == len(rows) == mine["count"] == 6  # grid 0's open ones
    assert following["next"] is None
    assert {h["grid_code"] for h in rows} == {sample.grids[0].code}
    assert {h["status"] for h in rows} == {"open"}


@pytest.mark.parametrize("cursor", ["garbage", "n1.1.0", "p3.99999999999999999999.1", "n2.1.1%"])
def test_the_api_refuses_a_bad_cursor_with_400_in_chinese(sample, places, cursor):
    answer = _client(sample.users["admin"]).get("/api/hazards", {"cursor": cursor})
    assert answer.status_code == 400
    assert "翻页参数" in answer.json()["message"]


def test_the_api_refuses_an_overlong_cursor_without_a_500(sample, places):
    client = _client(sample.users["admin"])
    long = client.get("/api/hazards", {"cursor": "n1." + "1" * 100})
    assert long.status_code == 400 and "翻页参数" in long.json()["message"]
    huge = client.get("/api/hazards", {"cursor": "n" * 500})  # past the parameter's bound
    assert huge.status_code == 422 and "query.cursor" in huge.json()["message"]


def test_the_ledger_page_links_next_and_previous_and_refuses_a_bad_cursor(sample, places):
    expected = [h.pk for h in _fill(places)]  # 67 rows: pages of 30, 30 and 7
    client = _client(sample.users["admin"])
    url = reverse("inspections:ledger")
    seen: list[int] = []
    html = client.get(url + "?category=").content.decode()
    labels = []
    for _ in range(5):
        seen += [int(pk) for pk in re.findall(r'href="/inspections/hazards/(\d+)/"', html)]
        labels.append(re.search(r"第(\d+)页 / (\d+)", html).groups())  # type: ignore[union-attr]
        link = re.search(r'<a href="\?([^"]*)" rel="next">下一页', html)
        if not link:
            break
        html = client.get(url + "?" + unescape(link.group(1))).content.decode()
    assert seen == expected
    assert labels == [("1", "3"), ("2", "3"), ("3", "3")]
    assert "上一页" in html and "首页" in html
    previous = re.search(r'<a href="\?([^"]*)" rel="prev">', html)
    assert previous is not None
    html = client.get(url + "?" + unescape(previous.group(1))).content.decode()
    assert [int(pk) for pk in re.findall(r'href="/inspections/hazards/(\d+)/"', html)] == (
        expected[30:60]
    )
    bad = client.get(url + "?cursor=n1.zzz")
    assert bad.status_code == 400 and "翻页参数" in bad.content.decode()
