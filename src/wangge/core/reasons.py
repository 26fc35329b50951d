"""Reasons that pure modules give, in Chinese, and that the Django layer can say in English.

The pure logic (ID numbers, phones, ledger reading) imports no Django, so it cannot call
gettext; its reasons used to be Chinese f-strings, and an English reader saw lines such as
"The phone is not valid (区号0999不存在)". A `Reason` is that same Chinese string (a `str`
subclass: every caller that compares, stores, joins or writes it into a row keeps working and
sees today's text) that also keeps its template and named parameters. `wangge.core.wording.say`
renders it as ``gettext(template) % params`` in the language of the request; a parameter that
is itself a `Reason` (a placeholder's kind, say) is said in that language too.

Templates are msgids: ``Reason("区号%(area)s不存在", area=area)``. `core/tests/test_translations.py`
reads `Reason(…)` calls like gettext calls, so each template must have English in the
catalogue; ``makemessages --keyword=Reason`` extracts them. Anything that builds a new str from
a Reason (``+``, ``.format``, an f-string) gets plain Chinese, which is what stored text wants.

Pure: imports nothing from Django or any app, so every layer may use it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Reason"]


class Reason(str):
    """A Chinese reason that remembers its template and parameters (see the module docstring)."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Reason:
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Reasons cross process boundaries (the ledger readers run in worker processes);
        # str's own pickling would rebuild the text without its template.
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, Any]) -> Reason:
    return Reason(template, **params)
