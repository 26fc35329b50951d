"""A pure module's reason is its Chinese text to everything that reads it as a string, and
`say` puts it in the reader's language from the template it keeps."""

from __future__ import annotations

import json
import pickle

from django.utils import translation

from wangge.core.reasons import Reason, from_stored, joined, stored
from wangge.core.wording import say


def test_a_reason_is_its_chinese_text() -> None:
    reason = Reason("区号%(area)s不存在", area="0999")
    assert reason == "区号0999不存在"
    assert str(reason) == "区号0999不存在" and f"电话无效：{reason}" == "电话无效：区号0999不存在"
    assert reason.startswith("区号") and reason.template == "区号%(area)s不存在"


def test_a_reason_keeps_its_template_across_processes() -> None:
    """The ledger readers run in worker processes; a reason pickled back is still sayable."""
    reason = Reason("占位号码，不代表任何人（%(kind)s）", kind=Reason("全为0"))
    back = pickle.loads(pickle.dumps(reason))
    assert back == reason and back.template == reason.template
    assert back.params["kind"].template == "全为0"


def test_say_renders_the_template_in_the_active_language() -> None:
    reason = Reason("占位号码，不代表任何人（%(kind)s）", kind=Reason("全为0"))
    with translation.override("en"):
        assert say(reason) == "a placeholder number that stands for nobody (all zeros)"
    with translation.override("zh-hans"):
        assert say(reason) == "占位号码，不代表任何人（全为0）"


def test_say_leaves_plain_text_as_it_is() -> None:
    """Stored text and reasons built with an f-string stay what they were."""
    with translation.override("en"):
        assert say("区号0999不存在") == "区号0999不存在"
        assert say(None) == ""


def test_a_reason_kept_as_data_is_a_reason_again() -> None:
    """A background job keeps its error this way, for readers of either language."""
    reason = Reason("占位号码，不代表任何人（%(kind)s）", kind=Reason("全为0"))
    back = from_stored(json.loads(json.dumps(stored(reason))))
    assert back == reason and back is not None and back.params["kind"].template == "全为0"
    with translation.override("en"):
        assert say(back) == "a placeholder number that stands for nobody (all zeros)"
    assert stored("纯文字") == {} and from_stored({}) is None
    assert from_stored({"template": "区号%(area)s不存在", "params": {"code": "1"}}) is None


def test_joined_reasons_are_said_one_after_another() -> None:
    both = joined([Reason("全为0"), Reason("区号%(area)s不存在", area="0999")])
    assert both == "全为0；区号0999不存在"
    with translation.override("en"):
        assert say(both).startswith("all zeros; ")
    assert joined([]) == "" and joined(["一"]) == "一"
