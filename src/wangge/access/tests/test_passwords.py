"""Password rules speak the page's language: Chinese by default, English when chosen."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.utils import translation


def _refusal(password: str) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        validate_password(password)
    return refused.value.messages


def test_a_short_password_is_refused_in_chinese() -> None:
    with translation.override("zh-hans"):
        messages = _refusal("Wg!7q")
        assert "密码太短，至少需要 12 个字符。" in messages
        assert all("password" not in m.lower() for m in messages)
        assert "密码至少需要 12 个字符。" in password_validators_help_texts()


def test_and_in_english_for_an_english_page() -> None:
    with translation.override("en"):
        assert any("at least 12 characters" in m for m in _refusal("Wg!7q"))
