from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from wangge.access.scoping import can_reveal_identifiers
from wangge.core.errors import ServiceError
from wangge.core.web import service_errors
from wangge.fusion.selectors import person_provenance
from wangge.people import services


@login_required
@service_errors
def household_detail(request: HttpRequest, household_id: int) -> HttpResponse:
    from wangge.forms.selectors import household_updates  # forms sits above people

    file = services.get_household_file(request.user, household_id)
    members = [(r.person_id, r.person.name) for r in [*file.current, *file.former]]
    return render(
        request,
        "people/household_detail.html",
        {
            "file": file,
            "household": file.household,
            "can_reveal": can_reveal_identifiers(request.user),
            "updates": household_updates(file.household.pk, members),
        },
    )


@login_required
@service_errors
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = services.get_person(request.user, person_id)
    can_reveal = can_reveal_identifiers(request.user)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "residences": services.person_residences(person),
            "can_reveal": can_reveal,
            "provenance": person_provenance(person),
        },
    )


@login_required
@require_POST
@service_errors
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    revealed = services.reveal_identifiers(request.user, person_id)
    return render(request, "people/_revealed.html", {"revealed": revealed})


@login_required
@service_errors
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    error, status = "", 200
    try:
        results = services.search_people(request.user, query) if query else []
    except ServiceError as exc:  # shown beside the form, so the user can correct the query
        results, error = [], exc.message
        status = exc.status if exc.status == 429 else 200
    template = (
        "people/_search_results.html" if request.headers.get("HX-Request") else "people/search.html"
    )
    return render(
        request,
        template,
        {
            "query": query[:100],
            "results": results,
            "error": error,
            "truncated": len(results) >= services.SEARCH_LIMIT,
            "limit": services.SEARCH_LIMIT,
        },
        status=status,
    )
