"""The service request updates extension (`servicerequestupdates.{fmt}`), as FixMyStreet's
Open311 client uses it.

GET lists what happened to cases in a window (start_date/end_date as for requests, the last
90 days at most): one `request_update` per step of a case's public timeline, with
`update_id` (the step's id), `service_request_id`, `status` in FixMyStreet's extended
vocabulary (`UNCHANGED` for a step that leaves the status as it was), `updated_datetime`,
`description`, `media_url`, `external_status_code` and `extras` with the detailed status.
What a step says follows the residents' tracking page, and only for public cases.

POST records a comment from the client (a resident's update on their report): api_key
required, on a case that key's account filed or can see; the answer's `update_id` is the one
the GET list later shows, so a client that stores it does not fetch its own comment back.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from wangge.cases import services
from wangge.cases.models import Case, CaseEvent, CasePhoto, EventKind, Rating
from wangge.cases.open311 import (
    DETAILED_STATUS,
    MAX_DESCRIPTION,
    PUBLIC_CHANNELS,
    authorise_post,
    date_window,
    endpoint,
    extras,
    full_name,
    iso,
    posted_media_urls,
    posted_photos,
    text_field,
)
from wangge.cases.open311_format import Open311Error, render
from wangge.cases.public_views import HIDDEN_EVENTS, NOTE_EVENTS
from wangge.core.errors import Forbidden

MAX_UPDATES = 5000  # oldest first, so a client that gets this many asks again from the last


def update_description(event: CaseEvent) -> str:
    """The step's name, with its note where the tracking page shows one (public cases only;
    a comment's words, like the description, not when the resident asked for privacy)."""
    case = event.case
    label = str(event.get_kind_display())
    if case.channel not in PUBLIC_CHANNELS or event.kind == EventKind.SUBMITTED:
        return label
    note = ""
    if event.kind == EventKind.RATED:
        rating = (event.data or {}).get("rating", "")
        note = str(Rating(rating).label) if rating in Rating.values else ""
    elif event.kind == EventKind.COMMENTED:
        note = "" if case.description_private else event.note
    elif event.kind in NOTE_EVENTS or event.actor_id is None:
        note = event.note
    department = event.department.name if event.department else ""
    if event.kind in (EventKind.DISPATCHED, EventKind.TRANSFERRED) and department:
        note = note or department
    return f"{label}：{note}" if note else label


def update_row(request: HttpRequest, event: CaseEvent) -> dict[str, Any]:
    case = event.case
    public = case.channel in PUBLIC_CHANNELS and not case.description_private
    photos = getattr(event, "public_photos", []) if public else []
    status = DETAILED_STATUS.get(event.to_status, "UNCHANGED") if event.to_status else "UNCHANGED"
    return {
        "update_id": str(event.pk),
        "service_request_id": case.number,
        "status": status,
        "updated_datetime": iso(event.at),
        "description": update_description(event),
        "media_url": (
            request.build_absolute_uri(reverse("open311:media", args=[photos[0].pk]))
            if photos
            else ""
        ),
        "external_status_code": event.to_status or case.status,
        "extras": extras(case) | {"event": event.kind},
    }


@endpoint("GET", "POST")
def updates_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_update(request, fmt)
    start, end = date_window(request.GET)
    events = (
        CaseEvent.objects.filter(at__gte=start, at__lte=end, case__category__isnull=False)
        .exclude(kind__in=HIDDEN_EVENTS)
        .select_related("case", "department")
        .prefetch_related(
            Prefetch(
                "photos",
                queryset=CasePhoto.objects.filter(public=True).order_by("at", "pk"),
                to_attr="public_photos",
            )
        )
        .order_by("at", "pk")[:MAX_UPDATES]
    )
    rows = [update_row(request, event) for event in events]
    return render(fmt, "service_request_updates", "request_update", rows)


def _post_update(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.POST
    actor = authorise_post(request)
    if actor is None:
        raise Open311Error(403, "补充反映需要 api_key（平台接口令牌）")
    number = text_field(params, "service_request_id", 64)
    if not number:
        raise Open311Error(400, "缺少 service_request_id")
    case = Case.objects.filter(number=number).first()
    if case is None:
        raise Open311Error(404, f"service_request_id {number} 不存在")
    text = text_field(params, "description", MAX_DESCRIPTION)
    links = posted_media_urls(params)
    if links:
        text = "\n".join([text, "附件：", *links]).strip()
    try:
        event = services.comment_case(
            actor,
            case,
            text=text,
            author=full_name(
                text_field(params, "first_name", 50), text_field(params, "last_name", 50)
            ),
            client_update_id=text_field(params, "update_id", 64),
            client_status=text_field(params, "status", 32),
            photos=posted_photos(request),
        )
    except Forbidden as exc:
        raise Open311Error(403, exc.message) from exc
    rows = [{"update_id": str(event.pk)}]
    return render(fmt, "service_request_updates", "request_update", rows)
