"""Polish alphabetical order of names."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from cus.core.collation import Alphabetical, polish_sort_key, sort_keys
from cus.core.models import Centre, Municipality
from cus.core.tests.factories import CentreFactory, MunicipalityFactory

MUNICIPALITIES = [
    "Aleksandrów Łódzki",
    "Czersk",
    "Ćmielów",
    "Ełk",
    "Lublin",
    "Łask",
    "Łódź",
    "Nowa Sól",
    "Nowe Miasto",
    "Opole",
    "Ostrów Mazowiecka",
    "Sopot",
    "Świdnica",
    "Zabrze",
    "Ząbki",
    "Zgierz",
    "Źródła",
    "Żary",
    "Żywiec",
]


def test_municipalities_in_polish_alphabetical_order() -> None:
    shuffled = MUNICIPALITIES[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=polish_sort_key) == MUNICIPALITIES


def _municipalities(names: list[str]) -> list[Municipality]:
    # Created in a shuffled order, so that neither insertion order nor primary keys give the expected one.
    shuffled = names[:]
    random.Random(11).shuffle(shuffled)
    return [MunicipalityFactory(name=name) for name in shuffled]


@pytest.mark.django_db
def test_the_database_orders_names_alphabetically_by_default() -> None:
    created = _municipalities(MUNICIPALITIES)
    ordered = Municipality.objects.filter(pk__in=[m.pk for m in created])
    assert [m.name for m in ordered] == MUNICIPALITIES  # Meta.ordering
    reverse = ordered.order_by(Alphabetical("name").desc())
    assert [m.name for m in reverse] == MUNICIPALITIES[::-1]
    sql = str(ordered.query)
    assert "COLLATE" in sql and ("pl-x-icu" if connection.vendor == "postgresql" else '"pl"') in sql


@pytest.mark.django_db
def test_case_is_ignored_in_the_database_and_the_pk_breaks_ties() -> None:
    created = _municipalities(["łask", "Lublin", "ŁOWICZ", "lipno", "Zabrze", "ząbki"])
    names = list(Municipality.objects.filter(pk__in=[m.pk for m in created]).values_list("name", flat=True))
    assert names == ["lipno", "Lublin", "łask", "ŁOWICZ", "Zabrze", "ząbki"]


@pytest.mark.django_db
def test_sort_keys_follow_relations_and_leave_other_fields_to_django() -> None:
    first, second = _municipalities(["Świdnica", "Sopot"])
    centre_s = CentreFactory(name="Centrum B", municipalities=[second])
    centre_sw = CentreFactory(name="Centrum A", municipalities=[first])
    ids = [centre_s.pk, centre_sw.pk]
    by_municipality = Centre.objects.filter(pk__in=ids).order_by(*sort_keys(Centre, ["municipalities__name", "pk"]))
    assert list(by_municipality) == [centre_s, centre_sw]
    assert list(
        Centre.objects.filter(pk__in=ids).order_by(*sort_keys(Centre, ["municipalities__name"], descending=True))
    ) == [centre_sw, centre_s]
    keys = sort_keys(Centre, ["-name", "kind", "created_at"])
    assert keys[1:] == ["kind", "created_at"]
    assert keys[0].descending and isinstance(keys[0].expression, Alphabetical)
    assert sort_keys(Centre, ["kind"], descending=True) == ["-kind"]


def test_case_spaces_digits_and_foreign_letters() -> None:
    assert sorted(["łódź", "Łódź", "Lodz"], key=polish_sort_key) == ["Lodz", "Łódź", "łódź"]
    assert sorted(["Gmina 10", "Gmina 2", "Gmina A"], key=polish_sort_key) == ["Gmina 10", "Gmina 2", "Gmina A"]
    assert sorted(["Nowa Wieś", "Nowawieś"], key=polish_sort_key) == ["Nowa Wieś", "Nowawieś"]
    assert sorted(["ez", "ęa", "éz"], key=polish_sort_key) == ["ez", "éz", "ęa"]


@pytest.mark.django_db
def test_the_database_check_finds_the_collation_and_names_a_missing_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from cus.core import collation

    assert collation.check_collation(databases=["default"]) == []
    monkeypatch.setattr(collation, "POSTGRESQL_COLLATION", "xx-missing-x-icu")
    errors = collation.check_collation(databases=["default"])
    if connection.vendor == "postgresql":
        assert [e.id for e in errors] == ["cus.E001"]
        assert "xx-missing-x-icu" in errors[0].msg
    else:
        assert errors == []
