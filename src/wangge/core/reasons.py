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

A Reason that must outlive the process as data (a background job's error, read later by a
reader of either language) is kept with `stored` (JSON: ``{"template": …, "params": {…}}``,
a parameter that is a Reason nested the same way) and made a Reason again with `from_stored`.
`joined` joins reasons with the Chinese "；" (English "; "), one Reason for a whole list.

Pure: imports nothing from Django or any app, so every layer may use it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Reason", "from_stored", "joined", "stored"]


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


def joined(reasons: list[Any] | tuple[Any, ...]) -> Any:
    """The reasons as one, separated by "；" (said "; " in English); "" for none, the reason
    itself for one. A chain of "%(first)s；%(rest)s" Reasons, so each part is said in turn."""
    if not reasons:
        return ""
    out = reasons[-1]
    for reason in reversed(reasons[:-1]):
        out = Reason("%(first)s；%(rest)s", first=reason, rest=out)
    return out


def stored(reason: Any) -> dict[str, Any]:
    """A Reason as JSON-ready data (``{}`` for plain text, which has nothing more to keep)."""
    if not isinstance(reason, Reason):
        return {}
    return {
        "template": reason.template,
        "params": {
            k: ({"reason": stored(v)} if isinstance(v, Reason) else v)
            for k, v in reason.params.items()
        },
    }


def from_stored(data: Any) -> Reason | None:
    """The Reason `stored` kept; None when nothing (or something unreadable) was kept."""
    if not isinstance(data, dict) or not isinstance(data.get("template"), str):
        return None
    params: dict[str, Any] = {}
    for key, value in dict(data.get("params") or {}).items():
        if isinstance(value, dict) and "reason" in value:
            value = from_stored(value["reason"])
            if value is None:
                return None
        params[str(key)] = value
    try:
        return Reason(data["template"], **params)
    except (KeyError, TypeError, ValueError):  # a template changed since: the text stays
        return None
