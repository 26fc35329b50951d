"""Password rules whose messages a Chinese office can read.

Django 5.2 changed the wording of the minimum-length message (``%d`` instead of
``%(min_length)d``) and its Chinese catalogue still has the old text, so the message came out in
English in the middle of a Chinese page. The rule is Django's; only the words are ours (and
translated back to English in the project's catalogue).
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}
