"""`{% workers_alive as workers %}`: the worker count for `jobs/_workers.html`, whichever page
includes it.

Why a tag: the progress bar is embedded by other apps' pages (the upload page, an import
batch's page), whose views did not put a worker count in their context, so a queued job there
said in red that no worker was running while one was about to take it.
"""

from __future__ import annotations

from django import template

from wangge.jobs.selectors import workers_alive as _workers_alive

register = template.Library()


@register.simple_tag
def workers_alive() -> int:
    return _workers_alive()
