"""The residents' pages: report without login, receipt, tracking, confirming and rating."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wangge.cases import services
from wangge.cases.models import Case, CaseStatus, Category, Channel, Rating
from wangge.cases.testing import grid_centre
from wangge.core.testing import PNG, SampleDistrict

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit(settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()


def _report(client: Client, sample: SampleDistrict, **extra: Any) -> Any:
    lon, lat = grid_centre(sample, 0)
    data = {"description": "楼道里堆满杂物，消防通道堵了", "lat": lat, "lon": lon, **extra}
    return client.post("/report/", data)


def _token(response: Any) -> str:
    match = re.search(r"/report/track/([\w-]+)\?new=1", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_the_form_needs_no_login_and_offers_leaf_categories(client: Client, cases: Any) -> None:
    page = client.get("/report/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "我要反映问题" in body and "噪音扰民" in body and "井盖" in body
    shapes = re.search(r'id="grid-shapes" type="application/json">(.*?)</script>', body)
    assert shapes and "第1网格" in json.loads(shapes.group(1))["features"][0]["properties"]["name"]


def test_a_report_gives_a_receipt_and_a_tracking_link(
    client: Client, sample: SampleDistrict, cases: Any
) -> None:
    noise = Category.objects.get(code="H01")
    photo = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    response = _report(
        client, sample, category=noise.pk, phone="13912345678", name="孙先生", photos=[photo]
    )
    assert response.status_code == 302
    token = _token(response)
    case = Case.objects.get(rating_token=token)
    assert case.channel == Channel.RESIDENT_WEB and case.category == noise
    assert case.grid == sample.grids[0] and case.status == CaseStatus.DISPATCHED
    assert case.reporter_phone == "13912345678" and case.photos.count() == 1
    receipt = client.get(response["Location"]).content.decode()
    assert case.number in receipt and f"/report/track/{token}" in receipt
    assert "已受理" in receipt and "待签收" in receipt and "城管" in receipt
    assert "13912345678" not in receipt and "孙先生" not in receipt


def test_a_report_needs_words_and_a_place(client: Client, cases: Any) -> None:
    empty = client.post("/report/", {"description": ""})
    assert empty.status_code == 400
    nowhere = client.post("/report/", {"description": "路灯坏了"})
    assert (
        nowhere.status_code == 400 and "请在地图上点选位置，或填写地址" in nowhere.content.decode()
    )
    by_address = client.post("/report/", {"description": "路灯坏了", "address": "金台里3号"})
    assert by_address.status_code == 302
    abroad = client.post("/report/", {"description": "路灯坏了", "lat": 48.8, "lon": 2.3})
    assert abroad.status_code == 400 and "不在中国境内" in abroad.content.decode()


def test_a_mistake_low_on_the_form_is_named_at_its_top(
    client: Client, sample: SampleDistrict, cases: Any
) -> None:
    """The page comes back at its top; a wrong phone sits at the bottom of a long form on a
    phone. The top says nothing was sent and names the field (a link to it), the words typed
    are still there, and photos chosen (a file input cannot be refilled) must be chosen again."""
    photo = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    response = _report(client, sample, phone="abc12", name="王女士", photos=[photo])
    assert response.status_code == 400 and not Case.objects.filter(reporter_name="王女士")
    body = response.content.decode()
    top = body[: body.index('id="report-form"')]
    assert (
        "还没有提交，请修改" in top
        and '<a href="#id_phone">联系电话</a>：电话号码格式不对（含非法字符：a）。' in top
    )
    assert "重新选择" in top
    assert "楼道里堆满杂物，消防通道堵了</textarea>" in body and 'value="王女士"' in body
    missing = client.post("/report/", {"description": "", "address": "金台里3号"})
    assert '<a href="#id_description">问题描述</a>' in missing.content.decode()
    assert "重新选择" not in missing.content.decode()


@pytest.mark.parametrize(
    ("given", "said"),
    [("12345", "号码位数不对：实际为5位"), ("14012345678", "手机号段140未分配")],
)
def test_a_phone_no_one_could_call_back_is_refused_with_why(
    client: Client, sample: SampleDistrict, cases: Any, given: str, said: str
) -> None:
    response = _report(client, sample, phone=given, name="王女士")
    assert response.status_code == 400 and not Case.objects.filter(reporter_name="王女士")
    body = response.content.decode()
    assert f'<a href="#id_phone">联系电话</a>：电话号码格式不对（{said}' in body


def test_a_phone_is_stored_in_its_cleaned_form(
    client: Client, sample: SampleDistrict, cases: Any
) -> None:
    # Written as residents write them: brackets, spaces, 转 for an extension, full-width digits.
    response = _report(client, sample, phone="（010）６２３４ ５６７８转12", name="王女士")
    assert response.status_code == 302
    case = Case.objects.get(rating_token=_token(response))
    assert case.reporter_phone == "010-62345678-12"
    assert case.reporter_phone_masked == "010-******78"


def test_reports_are_rate_limited_per_address(
    client: Client, sample: SampleDistrict, cases: Any, settings: Any
) -> None:
    settings.WANGGE_REPORT_RATE_LIMIT = 2
    assert _report(client, sample).status_code == 302
    assert _report(client, sample).status_code == 302
    third = _report(client, sample)
    assert third.status_code == 429
    assert "提交过于频繁：同一网络10分钟内最多提交2次" in third.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _report(other, sample).status_code == 302
    assert Case.objects.filter(channel=Channel.RESIDENT_WEB).count() == 3


def test_unknown_token_is_not_found(client: Client, cases: Any) -> None:
    assert client.get("/report/track/" + "x" * 24).status_code == 404
    assert client.get("/report/track/short").status_code == 404


def test_resident_confirms_then_rates_and_the_case_closes(
    client: Client, sample: SampleDistrict, cases: Any
) -> None:
    token = _token(_report(client, sample, category=Category.objects.get(code="H01").pk))
    case = Case.objects.get(rating_token=token)
    handler = sample.users["chengguan"]
    services.sign_in(handler, case)
    services.record_handling(handler, case, result="已清理楼道杂物")
    page = client.get(f"/report/track/{token}").content.decode()
    assert "问题解决了吗" in page and "已清理楼道杂物" in page
    unsolved = client.post(f"/report/track/{token}", {"action": "reject", "version": case.version})
    assert unsolved.status_code == 400 and "请填写核查未通过的原因" in unsolved.content.decode()
    confirmed = client.post(
        f"/report/track/{token}", {"action": "confirm", "version": case.version}
    )
    assert confirmed.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED
    page = client.get(f"/report/track/{token}").content.decode()
    assert "请您评价" in page and "基本满意" in page
    rated = client.post(
        f"/report/track/{token}",
        {"action": "rate", "version": case.version, "rating": Rating.SATISFIED, "comment": "快"},
    )
    assert rated.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.rating == Rating.SATISFIED
    page = client.get(f"/report/track/{token}").content.decode()
    assert "已结案" in page and "满意" in page and "请您评价" not in page
    for kind in ("受理", "派遣", "签收", "处置反馈", "核查通过", "评价", "结案"):
        assert kind in page
    assert handler.get_username() not in page


def test_a_stale_page_gets_a_conflict_not_an_overwrite(
    client: Client, sample: SampleDistrict, cases: Any
) -> None:
    token = _token(_report(client, sample, category=Category.objects.get(code="H01").pk))
    case = Case.objects.get(rating_token=token)
    handler = sample.users["chengguan"]
    services.record_handling(handler, case, result="已处理")
    seen = case.version
    services.verify_case(sample.users["grid"], case, passed=False, note="还没清干净")
    stale = client.post(f"/report/track/{token}", {"action": "confirm", "version": seen})
    assert stale.status_code == 409 and "新进展" in stale.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_suggestions_come_back_as_json(client: Client, cases: Any) -> None:
    response = client.get("/report/suggest", {"text": "半夜施工噪音"})
    assert response.status_code == 200
    assert isinstance(response.json()["suggestions"], list)


def _chinese_shown(body: str, *data: str) -> list[str]:
    """Chinese left on a page once the data are taken out: the category list (the municipal
    category table is Chinese reference data), the grid names for the map, and what the
    resident typed."""
    body = re.sub(
        r"<select.*?</select>|<script.*?</script>|<title>.*?</title>", "", body, flags=re.S
    )
    for text in data:
        body = body.replace(text, "")
    body = re.sub(r"<[^>]*>", " ", body)
    # the language switch names Chinese in Chinese; the brand is 网格 Wangge
    body = body.replace("中文", "").replace("网格", "")
    return re.findall(r"[\u3400-\u9fff][^<\n]{0,30}", body)


def test_a_resident_who_chose_english_reads_the_pages_in_english(
    client: Client, sample: SampleDistrict, cases: Any
) -> None:
    """The 中文/English button sets the language cookie; the report, its refusals and the
    tracking page then read in English, with English punctuation between the fields named."""
    client.cookies["django_language"] = "en"
    page = client.get("/report/").content.decode()
    assert "Report a problem" in page and "Use my location" in page
    assert _chinese_shown(page) == []
    wrong = _report(client, sample, phone="abc12")
    body = wrong.content.decode()
    assert wrong.status_code == 400 and _chinese_shown(body, "楼道里堆满杂物，消防通道堵了") == []
    assert (
        '<a href="#id_phone">Phone</a>: The phone number is not in a valid format'
        " (illegal character: a)." in body
    )
    abroad = client.post("/report/", {"description": "x", "lat": 48.8, "lon": 2.3})
    assert "is outside China" in abroad.content.decode()
    photo = SimpleUploadedFile("p.jpg", b"not a picture", content_type="image/jpeg")
    refused = _report(client, sample, photos=[photo]).content.decode()
    assert "“p.jpg” is not a picture" in refused

    response = _report(client, sample, category=Category.objects.get(code="H01").pk)
    token = _token(response)
    receipt = client.get(response["Location"]).content.decode()
    assert "Your receipt number" in receipt
    assert _chinese_shown(receipt, "楼道里堆满杂物，消防通道堵了", "城管", "噪音扰民") == []
    case = Case.objects.get(rating_token=token)
    handler = sample.users["chengguan"]
    services.sign_in(handler, case)
    services.record_handling(handler, case, result="已清理楼道杂物")
    unsolved = client.post(f"/report/track/{token}", {"action": "reject", "version": case.version})
    assert "Reason it is not resolved is required" in unsolved.content.decode()
    client.post(f"/report/track/{token}", {"action": "confirm", "version": case.version})
    case.refresh_from_db()
    rating = client.get(f"/report/track/{token}").content.decode()
    assert "Please rate" in rating
    assert (
        _chinese_shown(rating, "楼道里堆满杂物，消防通道堵了", "城管", "噪音扰民", "已清理楼道杂物")
        == []
    )
    assert client.get("/report/track/" + "x" * 24).content.decode().count("not valid") >= 1


def test_a_photo_that_does_not_decode_is_refused_on_the_page_never_a_500(
    client: Client, sample: SampleDistrict, cases: Any
) -> None:
    # Its first bytes are a JPEG's: a truncated photo, a decompression bomb and a page hidden
    # behind a picture each come back on the form with the reason, and no case is made.
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.frombytes("RGB", (300, 200), bytes(range(256)) * 703 + bytes(32)).save(out, "JPEG")
    photo = out.getvalue()
    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    before = Case.objects.count()
    for name, data, reason in (
        ("半张.jpg", photo[: len(photo) // 2], "照片“半张.jpg”已损坏或不完整"),
        ("炸弹.png", bomb.getvalue(), "照片“炸弹.png”像素过多"),
        ("网页.jpg", photo + b"<script>alert(1)</script>", "“网页.jpg”除图片外还夹带网页"),
    ):
        upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
        response = _report(client, sample, photos=[upload])
        assert response.status_code == 400, name
        assert reason in response.content.decode()
    assert Case.objects.count() == before
