"""Say a pure module's `Reason` in the language of the request (the Django side of
`wangge.core.reasons`): ``gettext(template) % params``, each parameter that is a Reason said
the same way. A plain str (stored text, a reason built before Reasons existed) comes back as
it is, so callers may pass whatever a check returned."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from wangge.core.reasons import Reason

__all__ = ["say"]


def say(reason: Any) -> str:
    """The reason in the active language; Chinese when none is chosen or no English exists."""
    if not isinstance(reason, Reason):
        return "" if reason is None else str(reason)
    if not reason.params:
        return gettext(reason.template)
    params = {k: say(v) if isinstance(v, Reason) else v for k, v in reason.params.items()}
    return gettext(reason.template) % params
