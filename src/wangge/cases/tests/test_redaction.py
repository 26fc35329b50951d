"""Case texts keep no ID number or mobile: whatever the channel, the stored text is masked."""

import pytest

from wangge.cases import services
from wangge.cases.models import Case, CaseEvent, Channel
from wangge.cases.testing import load_test_categories
from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


def test_a_report_quoting_an_id_and_a_phone_is_stored_masked(sample: SampleDistrict):
    load_test_categories()
    case = services.submit_case(
        sample.users["admin"],
        channel=Channel.API,
        title="楼道堆物 13812345678",
        description=f"居民张三（身份证 {ID}，电话 138 1234 5678）反映楼道堆物",
        address="幸福路10号（联系13812345678）",
        reporter_name="张三13812345678",
        reporter_phone="13812345678",
        region=sample.grids[0],
    )
    stored = Case.objects.get(pk=case.pk)
    assert (
        stored.description == "居民张三（身份证 110105************，电话 138******78）反映楼道堆物"
    )
    assert stored.title == "楼道堆物 138******78"
    assert "13812345678" not in stored.address + stored.reporter_name
    assert stored.reporter_phone == "13812345678"  # the contact field keeps it, encrypted
    Case.objects.filter(pk=case.pk).update(result=f"已电话联系 {ID}")  # update() too
    assert Case.objects.get(pk=case.pk).result == "已电话联系 110105************"


def test_event_notes_and_public_attributes_are_masked(sample: SampleDistrict):
    load_test_categories()
    case = services.submit_case(
        None,
        channel=Channel.RESIDENT_WEB,
        title="路灯不亮",
        description="请回电",
        region=sample.grids[0],
    )
    Case.objects.filter(pk=case.pk).update(attributes={"联系": ["13912345678", {"id": ID}]})
    assert Case.objects.get(pk=case.pk).attributes == {
        "联系": ["139******78", {"id": "110105************"}]
    }
    event = CaseEvent.objects.filter(case=case).first()
    assert event is not None
    event.note = f"回访 13912345678，身份证 {ID}"
    event.save()
    assert CaseEvent.objects.get(pk=event.pk).note == "回访 139******78，身份证 110105************"
