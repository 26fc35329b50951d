"""Rows a long write has not published are left out of every read of the default manager: a
plain read, a read nested in another query's subquery, a read through a join, a count. The
`NOT EXISTS` predicate is built when the statement is compiled (core.hidden.Published), so it
must refer to the alias the table has in that statement."""

from __future__ import annotations

from typing import Any

import pytest

from wangge.core import hidden
from wangge.people.models import Household, Person


@pytest.fixture
def rows(settings: Any) -> tuple[list[Household], list[Person]]:
    settings.WANGGE_HIDDEN_CHECK_MS = 0  # this process's reads see what it hides at once
    households = Household.objects.bulk_create(Household() for _ in range(3))
    persons = Person.objects.bulk_create(
        Person(name=f"张{i}", household=h, id_number="") for i, h in enumerate(households)
    )
    return households, persons


@pytest.mark.django_db
def test_hidden_rows_are_left_out_of_every_kind_of_read(
    rows: tuple[list[Household], list[Person]],
) -> None:
    households, persons = rows
    ids = {h.pk for h in households}
    assert set(Household.objects.filter(pk__in=ids).values_list("pk", flat=True)) == ids

    hidden.hide("test", Household._meta.db_table, [households[1].pk])
    hidden.hide("test", Person._meta.db_table, [persons[2].pk])

    assert set(Household.objects.filter(pk__in=ids).values_list("pk", flat=True)) == {
        households[0].pk,
        households[2].pk,
    }
    assert Household.objects.filter(pk=households[1].pk).first() is None
    assert Household.objects.filter(pk__in=ids).count() == 2
    # nested: persons of the visible households, itself leaving out the hidden person
    nested = Person.objects.filter(household__in=Household.objects.filter(pk__in=ids))
    assert set(nested.values_list("pk", flat=True)) == {persons[0].pk}
    # through a join, and the hidden person's household still visible on its own
    joined = Person.objects.filter(household__pk__in=ids)
    assert set(joined.values_list("pk", flat=True)) == {persons[0].pk, persons[1].pk}

    hidden.publish("test")
    assert Household.objects.filter(pk__in=ids).count() == 3
    assert Person.objects.filter(household__in=Household.objects.filter(pk__in=ids)).count() == 3


@pytest.mark.django_db
def test_no_predicate_while_nothing_is_hidden(rows: tuple[list[Household], list[Person]]) -> None:
    sql = str(Household.objects.filter(pk=rows[0][0].pk).query)
    assert "hiddenrows" not in sql.lower()
