"""Searching the register by name: case and Polish diacritics do not matter, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import pytest

from cus.accounts.roles import Role
from cus.audit.services import snapshot
from cus.residents.models import Person
from cus.residents.queries import persons_for
from cus.residents.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Any, centre: Any) -> Any:
    return make_user(Role.SOCIAL_WORKER, centre=centre)


@pytest.fixture
def people(municipality: Any) -> dict[str, Person]:
    return {
        "lukasik": PersonFactory(municipality=municipality, first_name="Żaneta", last_name="Łukasik"),
        "lukas": PersonFactory(municipality=municipality, first_name="Jan", last_name="Lukas"),
        "zielinska": PersonFactory(municipality=municipality, first_name="Anna", last_name="Zielińska-Ćwik"),
    }


def _found(worker: Any, q: str) -> set[str]:
    return {p.last_name for p in persons_for(worker, q=q)}


@pytest.mark.parametrize("q", ["łuk", "ŁUK", "luk", "Łukasik", "lukasik"])
def test_surname_prefix_ignores_case_and_diacritics(worker: Any, people: dict[str, Person], q: str) -> None:
    assert "Łukasik" in _found(worker, q)


def test_prefix_is_still_a_prefix(worker: Any, people: dict[str, Person]) -> None:
    assert _found(worker, "łukasi") == {"Łukasik"}
    assert _found(worker, "ukas") == set()


def test_first_name_and_two_words_in_either_order(worker: Any, people: dict[str, Person]) -> None:
    assert _found(worker, "zaneta") == {"Łukasik"}
    assert _found(worker, "zaneta luk") == {"Łukasik"}
    assert _found(worker, "luk zan") == {"Łukasik"}
    assert _found(worker, "zielinska-cw") == {"Zielińska-Ćwik"}


def test_keys_follow_a_renamed_person_and_stay_out_of_the_audit(worker: Any, people: dict[str, Person]) -> None:
    person = people["lukas"]
    person.last_name = "Świątek"
    person.save(update_fields=["last_name"])
    person.refresh_from_db()
    assert person.last_name_key == "swiatek"
    assert _found(worker, "swiat") == {"Świątek"}
    assert "last_name_key" not in snapshot(person)
