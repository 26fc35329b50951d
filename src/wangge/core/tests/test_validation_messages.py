"""The API's 422 answers say in Chinese what is wrong with which parameter."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from wangge.core.validation_messages import message_zh


class Query(BaseModel):
    page: int = Field(1, ge=1, le=1000)
    cursor: str = Field("", max_length=256)
    day: str = ""


def _errors(**data: object) -> list[dict]:
    with pytest.raises(ValidationError) as caught:
        Query(**data)  # type: ignore[arg-type]
    return caught.value.errors()  # type: ignore[return-value]


def test_common_errors_are_said_in_chinese_with_their_limits() -> None:
    assert message_zh(_errors(page="abc")[0]) == "应为整数"
    assert message_zh(_errors(page=0)[0]) == "应不小于 1"
    assert message_zh(_errors(page=5000)[0]) == "应不大于 1000"
    assert message_zh(_errors(cursor="a" * 300)[0]) == "最多 256 个字符"
    assert message_zh({"type": "missing", "msg": "Field required"}) == "缺少此项"


def test_our_own_validators_keep_their_words_and_unknown_types_keep_pydantics() -> None:
    own = {"type": "value_error", "msg": "Value error, 日期超出范围（1900–2100）"}
    assert message_zh(own) == "日期超出范围（1900–2100）"
    assert message_zh({"type": "something_new", "msg": "Some message"}) == "Some message"
    assert message_zh({"type": "string_too_long", "msg": "too long", "ctx": {}}) == "too long"


@pytest.mark.django_db
def test_the_api_answers_a_bad_parameter_in_chinese(sample: object) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="street"))
    answer = client.get("/api/persons?page=abc")
    assert answer.status_code == 422
    body = answer.json()
    assert body["message"] == "请求参数有误：query.page: 应为整数"
    assert body["errors"] == [{"where": "query.page", "message": "应为整数", "type": "int_parsing"}]
