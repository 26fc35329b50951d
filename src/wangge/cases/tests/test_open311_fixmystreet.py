"""FixMyStreet's Open311 client, every call it makes, against a live server.

`FixMyStreetLike` is our own client written from the documented behaviour of FixMyStreet's
`perllib/Open311.pm` (mysociety/fixmystreet), not its code: XML only; the endpoints
`services.xml`, `services/{code}.xml`, `requests.xml`, `tokens/{token}.xml` and the update
extension `servicerequestupdates.xml`; `jurisdiction_id` on every call and `api_key` on POSTs;
the reporter's displayed name split at its first space into first_name and last_name; photos
uploaded as `photo1…N` (or linked as media_url); `attribute[code]` answers; `#NOTPINPOINTED#`
as address_id when the resident placed no pin; status polls with every open report's id in
one GET; updates fetched for a time window and comments posted with FixMyStreet's status
words; answers read the way XML::Simple reads them (root dropped, `request`, `attribute`,
`value`, `error` and `request_update` always lists, empty elements undef).
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from typing import Any

import pytest
import requests
from django.utils import timezone

from wangge.access.services import create_api_token
from wangge.cases import services
from wangge.cases.models import Case, CaseEvent, CasePhoto, CaseStatus, EventKind
from wangge.cases.testing import grid_centre
from wangge.core.testing import PNG, SampleDistrict

pytestmark = pytest.mark.django_db(transaction=True)

ALWAYS_LIST = {"request", "attribute", "value", "error", "request_update", "service", "group"}
GROUPS = {"attributes": "attribute", "values": "value"}


def simple(xml: str | bytes) -> Any:
    """An XML document as XML::Simple gives it to FixMyStreet (its options there)."""

    def node(element: ET.Element) -> Any:
        children = list(element)
        if not children:
            return element.text if element.text not in (None, "") else None
        out: dict[str, Any] = {}
        for child in children:
            value = node(child)
            if child.tag in GROUPS:  # GroupTags: <attributes><attribute/>… → [ … ]
                out[child.tag] = value.get(GROUPS[child.tag]) if isinstance(value, dict) else None
            elif child.tag in ALWAYS_LIST:
                out.setdefault(child.tag, []).append(value)
            elif child.tag in out:
                previous = out[child.tag]
                out[child.tag] = (previous if isinstance(previous, list) else [previous]) + [value]
            else:
                out[child.tag] = value
        return out

    return node(ET.fromstring(xml))


def split_name(name: str) -> tuple[str, str]:
    """The first run of non-space characters, then the rest after the spaces."""
    parts = name.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def w3cdtf(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class FixMyStreetLike:
    def __init__(self, endpoint: str, api_key: str, jurisdiction: str = "") -> None:
        self.endpoint = endpoint
        self.api_key = api_key
        self.jurisdiction = jurisdiction
        self.error = ""
        self.last_url = ""

    def _request(
        self, method: str, path: str, params: dict[str, Any], uploads: dict[str, Any] | None = None
    ) -> str | None:
        params = dict(params)
        if self.jurisdiction:
            params["jurisdiction_id"] = self.jurisdiction
        if method == "POST" and self.api_key:
            params["api_key"] = self.api_key
        url = self.endpoint + path
        if method == "GET":
            response = requests.get(url, params=params, timeout=60)
        elif uploads:
            response = requests.post(url, data=params, files=uploads, timeout=60)
        else:
            response = requests.post(url, data=params, timeout=60)
        self.last_url = response.request.url or ""
        if response.ok:
            return response.text
        parsed = simple(response.content) if response.content.startswith(b"<?xml") else {}
        self.error = (
            "; ".join(f"{e.get('code')}: {e.get('description')}" for e in parsed.get("error", []))
            or f"HTTP {response.status_code}"
        )
        return None

    def get_service_list(self) -> Any:
        return simple(self._request("GET", "services.xml", {}) or "<x/>")

    def get_service_meta_info(self, code: str) -> Any:
        return simple(self._request("GET", f"services/{code}.xml", {}) or "<x/>")

    def send_service_request(
        self,
        problem: dict[str, Any],
        service_code: str,
        *,
        always_send_latlong: bool = True,
        send_notpinpointed: bool = False,
        photos: list[bytes] = (),  # type: ignore[assignment]
    ) -> str | None:
        first, last = split_name(problem["name"])
        params: dict[str, Any] = {
            "description": f"{problem['title']}\n\n{problem['detail']}\n\n{problem['url']}\n",
            "service_code": service_code,
            "first_name": first,
            "last_name": last,
        }
        if problem.get("phone"):
            params["phone"] = problem["phone"]
        if problem.get("used_map") or always_send_latlong:
            params["lat"], params["long"] = problem["lat"], problem["lon"]
        elif send_notpinpointed and not problem.get("postcode"):
            params["address_id"] = "#NOTPINPOINTED#"
        else:
            params["address_string"] = problem["postcode"]
        for name, value in problem.get("extra", {}).items():
            params[f"attribute[{name}]"] = value
        uploads = {
            f"photo{i}": (f"{problem['id']}.{i - 1}.full.png", data, "image/png")
            for i, data in enumerate(photos, start=1)
        }
        answer = self._request("POST", "requests.xml", params, uploads)
        if answer is None:
            return None
        request = simple(answer)["request"][0]
        if request.get("service_request_id"):
            return str(request["service_request_id"])
        token = request.get("token")
        return self.get_service_request_id_from_token(token) if token else None

    def get_service_request_id_from_token(self, token: str) -> str | None:
        answer = self._request("GET", f"tokens/{token}.xml", {})
        found = simple(answer)["request"][0] if answer else {}
        return found.get("service_request_id")

    def get_service_requests(self, report_ids: list[str]) -> list[dict[str, Any]]:
        answer = self._request("GET", "requests.xml", {"service_request_id": ",".join(report_ids)})
        return list(simple(answer).get("request", [])) if answer else []

    def get_service_request_updates(
        self, start: datetime.datetime, end: datetime.datetime
    ) -> list[dict[str, Any]] | None:
        params = {"api_key": self.api_key, "start_date": w3cdtf(start), "end_date": w3cdtf(end)}
        answer = self._request("GET", "servicerequestupdates.xml", params)
        return list(simple(answer).get("request_update", [])) if answer else None

    def post_service_request_update(self, comment: dict[str, Any]) -> str | None:
        first, last = split_name(comment["name"])
        params = {
            "updated_datetime": w3cdtf(comment["confirmed"]),
            "service_request_id": comment["external_id"],
            "status": comment["status"],
            "description": comment["text"],
            "last_name": last or "-",
            "first_name": first,
            "update_id": comment["id"],
        }
        uploads = {
            f"photo{i}": (f"c{comment['id']}.{i}.png", data, "image/png")
            for i, data in enumerate(comment.get("photos", []), start=1)
        }
        answer = self._request("POST", "servicerequestupdates.xml", params, uploads or None)
        if answer is None:
            return None
        return simple(answer)["request_update"][0].get("update_id")

    @staticmethod
    def map_state(status: str) -> str:
        state = status.lower().replace("_", " ")
        return {"fixed": "fixed - council", "open": "confirmed", "closed": "fixed - council"}.get(
            state, state
        )


@pytest.fixture
def fms(live_server: Any, sample: SampleDistrict, cases: dict[str, Any]) -> FixMyStreetLike:
    key = create_api_token(None, sample.users["street"], "FixMyStreet")
    return FixMyStreetLike(f"{live_server.url}/open311/v2/", key, jurisdiction="110105")


def _problem(sample: SampleDistrict, **extra: Any) -> dict[str, Any]:
    lon, lat = grid_centre(sample, 0)
    problem = {
        "id": 77,
        "title": "夜里施工",
        "detail": "楼下工地每晚十一点后还在打桩",
        "url": "https://fms.example.org/report/77",
        "name": "张 三",
        "phone": "13900001234",
        "lat": lat,
        "lon": lon,
        "used_map": True,
        "extra": {"time_of_day": "night", "uprn": "1001"},
    }
    return problem | extra


def test_populating_the_service_list(fms: FixMyStreetLike) -> None:
    listed = fms.get_service_list()["service"]
    by_code = {s["service_code"]: s for s in listed}
    assert by_code["H01"]["metadata"] == "true" and by_code["H02"]["metadata"] == "false"
    meta = fms.get_service_meta_info("H01")
    assert meta["service_code"] == "H01"
    [first, *_] = meta["attributes"]
    assert first["code"] == "time_of_day" and first["required"] == "true"
    assert [v["key"] for v in first["values"]] == ["night", "midday", "day", "all_day"]
    assert fms.get_service_meta_info("H02")["attributes"] is None  # empty, as XML::Simple has it
    assert fms.get_service_meta_info("NOPE") is None and "404: service_code NOPE" in fms.error


def test_sending_a_report_with_photos_and_attributes(
    fms: FixMyStreetLike, sample: SampleDistrict
) -> None:
    number = fms.send_service_request(_problem(sample), "H01", photos=[PNG, PNG + b"2"])
    assert number, fms.error
    case = Case.objects.get(number=number)
    assert case.reporter_name == "张三"  # "张 三" split by the client, joined family name first
    assert case.reporter_phone == "13900001234"
    assert case.description.startswith("夜里施工\n\n楼下工地")
    assert case.attributes["time_of_day"]["text"] == "夜间（22:00—次日6:00）"
    assert "uprn" not in case.attributes
    photos = CasePhoto.objects.filter(case=case).order_by("pk")
    assert [p.image.read() for p in photos] == [PNG, PNG + b"2"]
    assert case.grid == sample.grids[0]
    # A report without a pin, from a client set to say so: no address invented from the marker.
    unpinned = fms.send_service_request(
        _problem(sample, used_map=False, postcode=""),
        "H01",
        always_send_latlong=False,
        send_notpinpointed=True,
    )
    assert unpinned, fms.error
    placed_nowhere = Case.objects.get(number=unpinned)
    assert placed_nowhere.address == "" and placed_nowhere.lat is None
    # A refusal comes back in the spec's XML, which the client reads as code: description.
    assert fms.send_service_request(_problem(sample, extra={}), "H01") is None
    assert fms.error.startswith("400: 缺少必填的 attribute[time_of_day]")


def test_polling_the_status_of_hundreds_of_reports(
    fms: FixMyStreetLike, sample: SampleDistrict, cases: dict[str, Any]
) -> None:
    number = fms.send_service_request(_problem(sample), "H01")
    assert number
    case = Case.objects.get(number=number)
    handler = sample.users["chengguan"]
    services.sign_in(handler, case)
    services.record_handling(handler, case, result="已责令工地夜间停工")
    others = [f"2025{i:010d}" for i in range(600)]  # all its open reports, in one GET
    polled = fms.get_service_requests([*others, number, cases["cases"][1].number])
    assert len(fms.last_url) > 10_000  # past gunicorn's default 4,094-byte request line
    by_id = {r["service_request_id"]: r for r in polled}
    assert set(by_id) == {number, cases["cases"][1].number}
    mine = by_id[number]
    assert mine["status"] == "open" and fms.map_state(mine["status"]) == "confirmed"
    assert mine["status_notes"] == "待核查"
    assert mine["extras"]["detailed_status"] == "HANDLED"
    assert mine["extras"]["detailed_information"] == "待核查"
    assert mine["updated_datetime"] and mine["media_url"] is None


def test_fetching_updates_and_posting_comments(
    fms: FixMyStreetLike, sample: SampleDistrict
) -> None:
    since = timezone.now() - datetime.timedelta(hours=2)
    number = fms.send_service_request(_problem(sample), "H01")
    assert number
    case = Case.objects.get(number=number)
    handler = sample.users["chengguan"]
    services.sign_in(handler, case)
    services.record_handling(handler, case, result="已责令工地夜间停工")

    updates = fms.get_service_request_updates(since, timezone.now())
    assert updates is not None, fms.error
    mine = [u for u in updates if u["service_request_id"] == number]
    assert [fms.map_state(u["status"]) for u in mine] == [
        "confirmed",  # 受理
        "action scheduled",  # 派遣
        "in progress",  # 签收
        "fixed - council",  # 处置反馈
    ]
    handled = mine[-1]
    assert handled["description"] == "处置反馈：已责令工地夜间停工"
    assert handled["extras"]["detailed_status_label"] == "待核查"
    assert handled["external_status_code"] == "handled"
    assert len({u["update_id"] for u in mine}) == 4

    comment = {
        "id": 501,
        "name": "张 三",
        "external_id": number,
        "status": "OPEN",
        "text": "今晚还在打桩",
        "confirmed": timezone.now(),
        "photos": [PNG],
    }
    update_id = fms.post_service_request_update(comment)
    assert update_id, fms.error
    event = CaseEvent.objects.get(pk=int(update_id))
    assert event.kind == EventKind.COMMENTED and event.note == "今晚还在打桩"
    assert event.data["author"] == "张三" and event.data["client_status"] == "OPEN"
    assert CasePhoto.objects.filter(event=event).count() == 1
    assert fms.post_service_request_update(comment) == update_id  # a retry records nothing new
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDLED  # a comment does not change the status
    # The next fetch lists the comment under the id the client stored: it is not fetched twice.
    again = fms.get_service_request_updates(since, timezone.now() + datetime.timedelta(minutes=1))
    assert again is not None
    listed = [u for u in again if u["update_id"] == update_id]
    assert len(listed) == 1 and listed[0]["status"] == "UNCHANGED"
    assert listed[0]["description"] == "补充反映：今晚还在打桩"
    assert listed[0]["media_url"].startswith(fms.endpoint + "media/")


def test_updates_are_refused_without_a_key_or_for_someone_elses_case(
    fms: FixMyStreetLike, sample: SampleDistrict, cases: dict[str, Any]
) -> None:
    comment = {
        "id": 1,
        "name": "李四",
        "external_id": cases["cases"][0].number,
        "status": "OPEN",
        "text": "补充",
        "confirmed": timezone.now(),
    }
    outsider = create_api_token(None, sample.users["police"], "another integrator")
    other = FixMyStreetLike(fms.endpoint, outsider)
    assert other.post_service_request_update(comment) is None
    assert other.error.startswith("403: 案件")
    anonymous = FixMyStreetLike(fms.endpoint, "")
    assert anonymous.post_service_request_update(comment) is None
    assert anonymous.error.startswith("403:") and "api_key" in anonymous.error
    assert not CaseEvent.objects.filter(kind=EventKind.COMMENTED).exists()
    wrong_place = FixMyStreetLike(fms.endpoint, fms.api_key, jurisdiction="bromley.gov.uk")
    assert wrong_place.get_service_list() is None
    assert wrong_place.error.startswith("404: jurisdiction_id")
