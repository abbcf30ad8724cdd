"""The catalog's Polish search engine: inflection, missing diacritics, precision, ranking, composition with filters
and hostile input, on whichever database the suite runs (run it on SQLite and on PostgreSQL)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from cus.accounts.roles import Role
from cus.catalog.models import Service, ServiceStatus
from cus.catalog.search import query_terms, search_services, service_document, unaccent
from cus.catalog.services import refresh_search_document, service_update
from cus.catalog.tests.factories import (
    LocationFactory,
    OrganizationFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    area,
    target_group,
)
from cus.core.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

# A small catalog of realistic service names (name, description).
CORPUS = {
    "care": ("Usługi opiekuńcze w miejscu zamieszkania", "Pomoc w codziennych czynnościach osobom starszym."),
    "special_care": (
        "Specjalistyczne usługi opiekuńcze dla osób z zaburzeniami psychicznymi",
        "Terapia i rehabilitacja w domu.",
    ),
    "benefit": ("Zasiłek okresowy", "Świadczenie pieniężne przy trwałej chorobie lub bezrobociu."),
    "pets": ("Opieka nad zwierzętami bezdomnymi", "Schronisko prowadzone przez gminę."),
    "meals": ("Posiłek w szkole i w domu", "Dożywianie dzieci i dorosłych w ramach programu osłonowego."),
    "shelter": ("Schronienie dla osób bezdomnych", "Noclegownia i schronisko dla mężczyzn."),
    "assistant": (
        "Asystent osobisty osoby z niepełnosprawnością",
        "Wsparcie w wychodzeniu z domu i załatwianiu spraw.",
    ),
    "family": ("Asystent rodziny", "Pomoc rodzinom przeżywającym trudności opiekuńczo-wychowawcze."),
    "housing": ("Mieszkanie chronione treningowe", "Nauka samodzielnego życia."),
    "therapy": ("Poradnictwo psychologiczne", "Konsultacje dla osób w kryzysie, w tym zasiłkobiorców."),
}


@pytest.fixture
def corpus(municipality: Any) -> dict[str, Service]:
    return {
        key: ServiceFactory(municipality=municipality, name=name, description=description)
        for key, (name, description) in CORPUS.items()
    }


def found(query: str, queryset: Any = None) -> list[str]:
    services = search_services(queryset if queryset is not None else Service.objects.all(), query)
    return [service.name for service in services]


def keys(corpus: dict[str, Service], query: str) -> set[str]:
    names = set(found(query))
    return {key for key, service in corpus.items() if service.name in names}


# --- normalisation --------------------------------------------------------------------------------------------------


def test_unaccent_folds_polish_letters_including_l_with_stroke() -> None:
    assert unaccent("Zażółć gęślą jaźń ŁÓDŹ") == "zazolc gesla jazn lodz"


def test_the_document_holds_lemmas_and_surface_forms_without_diacritics(municipality: Any) -> None:
    organization = OrganizationFactory(municipality=municipality, name="Fundacja Złota Jesień")
    service = ServiceFactory(
        municipality=municipality,
        organization=organization,
        name="Usługi opiekuńcze w miejscu zamieszkania",
        description="Pomoc w domu.",
        eligibility_description="Osoby samotne.",
        target_groups=[target_group("seniors")],
    )
    ServiceAtLocationFactory(
        service=service, location=LocationFactory(municipality=municipality, organization=organization, city="Łódź")
    )
    document = service_document(Service.objects.get(pk=service.pk))
    title, body = document.split("|")
    words = set(document.split())
    assert {"usluga", "uslugi", "opiekunczy", "opiekuncze", "miejsce", "zamieszkanie"} <= set(title.split())
    assert {"pomoc", "dom", "domu", "samotny", "zlota", "jesien", "lodz"} <= set(body.split())
    assert "w" not in words  # stop words are left out
    assert len(document.split()) == len(words) - ("|" in words) + 1  # every word once (plus the separator)
    assert unaccent(area("04").name).split()[0] in words  # the area's name is searchable too


def test_a_prefetched_service_builds_its_document_without_queries(
    municipality: Any, django_assert_num_queries: Any
) -> None:
    service = ServiceFactory(municipality=municipality, name="Klub seniora", target_groups=[target_group("seniors")])
    ServiceAtLocationFactory(service=service, location=LocationFactory(municipality=municipality, city="Kielce"))
    prefetched = (
        Service.objects.select_related("organization")
        .prefetch_related("areas", "target_groups", "service_at_locations__location")
        .get(pk=service.pk)
    )
    with django_assert_num_queries(0):
        document = service_document(prefetched)
    with django_assert_num_queries(5):  # the service, its areas, target groups, provider, cities
        assert service_document(Service.objects.get(pk=service.pk)) == document
    assert {"klub", "seniora", "senior", "kielce", "seniorzy"} <= set(document.split())


def test_query_words_become_prefixes() -> None:
    assert query_terms("usługa opiekuńcza") == [["uslu"], ["opiekunc"]]
    assert query_terms("uslugi opiekuncze") == [["uslu"], ["opiekunc"]]
    assert query_terms("w i z") == []


# --- the examples and precision -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["usługa opiekuńcza", "uslugi opiekuncze", "USŁUGI OPIEKUŃCZE", "usługach opiekuńczych"]
)
def test_care_services_are_found_by_any_inflection_with_or_without_diacritics(
    corpus: dict[str, Service], query: str
) -> None:
    assert keys(corpus, query) == {"care", "special_care"}


def test_one_inflected_word_finds_the_services_and_ranks_the_names_first(corpus: dict[str, Service]) -> None:
    # "opiekuńczych" also matches "opiekuńczo-wychowawcze" in the family assistant's description, ranked after.
    names = found("opiekuńczych")
    assert set(names[:2]) == {CORPUS["care"][0], CORPUS["special_care"][0]}
    assert names[2:] == [CORPUS["family"][0]]


@pytest.mark.parametrize("query", ["zasiłku okresowego", "zasilek okresowy", "zasiłki okresowe"])
def test_the_periodic_benefit_is_found_by_its_inflected_forms(corpus: dict[str, Service], query: str) -> None:
    assert keys(corpus, query) == {"benefit"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("opiekuńcze", {"care", "special_care", "family"}),  # not "Opieka nad zwierzętami" ("opiekuńczo-" matches)
        ("usługi opiekuńcze", {"care", "special_care"}),
        ("zasiłek", {"benefit", "therapy"}),  # "zasiłkobiorców" shares the stem
        ("zwierzęta", {"pets"}),
        ("bezdomnych", {"pets", "shelter"}),
        ("schronisko", {"pets", "shelter"}),
        ("asystenta rodziny", {"family"}),
        ("asystent", {"assistant", "family"}),
        ("posiłki", {"meals"}),
        ("mieszkania chronionego", {"housing"}),
        ("niepelnosprawnosc", {"assistant"}),
        ("usługi w domu", {"special_care"}),  # "w" is a stop word; "domu" is in the description
        ("psycholog", {"therapy"}),
        ("kosmonauta", set()),
    ],
)
def test_unrelated_services_are_not_found(corpus: dict[str, Service], query: str, expected: set[str]) -> None:
    assert keys(corpus, query) == expected


def test_provider_area_target_group_and_city_are_searchable(municipality: Any) -> None:
    organization = OrganizationFactory(municipality=municipality, name="Caritas Diecezji Przykładowej")
    service = ServiceFactory(
        municipality=municipality,
        organization=organization,
        name="Klub seniora",
        description="Spotkania.",
        target_groups=[target_group("seniors")],
    )
    location = LocationFactory(municipality=municipality, organization=organization, city="Zielona Góra")
    ServiceAtLocationFactory(service=service, location=location)
    refresh_search_document(service)  # a new location refreshes the document (as service_location_add does)
    ServiceFactory(municipality=municipality, name="Pomoc prawna", description="Porady.")
    assert found("caritas") == ["Klub seniora"]
    assert found("zielonej górze") == ["Klub seniora"]
    assert set(found(area("04").name)) == {"Klub seniora", "Pomoc prawna"}


# --- ranking --------------------------------------------------------------------------------------------------------


def test_a_match_in_the_name_ranks_above_a_match_in_the_description(municipality: Any) -> None:
    ServiceFactory(
        municipality=municipality,
        name="Klub integracji społecznej",
        description="Zajęcia grupowe, w tym warsztaty o zasiłkach okresowych i usługach opiekuńczych.",
    )
    ServiceFactory(municipality=municipality, name="Zasiłek okresowy", description="Świadczenie pieniężne.")
    ServiceFactory(municipality=municipality, name="Dodatek mieszkaniowy", description="Dopłata do czynszu.")
    assert found("zasiłek okresowy") == ["Zasiłek okresowy", "Klub integracji społecznej"]
    assert found("okresowe zasilki")[0] == "Zasiłek okresowy"


# --- composition ----------------------------------------------------------------------------------------------------


def test_search_composes_with_filters_published_and_restrict(
    corpus: dict[str, Service], municipality: Any, make_user: Any, other_centre: Any
) -> None:
    elsewhere = other_centre.municipalities.first()
    ServiceFactory(municipality=elsewhere, name="Usługi opiekuńcze w Nadrzeczu", description="Opieka.")
    Service.objects.filter(pk=corpus["special_care"].pk).update(status=ServiceStatus.DRAFT)
    user = make_user(Role.SERVICES_ORGANISER)

    assert len(found("usługi opiekuńcze")) == 3
    assert found("usługi opiekuńcze", Service.objects.published().filter(municipality=municipality)) == [
        "Usługi opiekuńcze w miejscu zamieszkania"
    ]
    visible = search_services(Service.objects.restrict(user, "view"), "usługi opiekuńcze")
    assert {s.name for s in visible} == {CORPUS["care"][0], CORPUS["special_care"][0]}
    # Filters after the search, counting, slicing, distinct over an M2M join and use as a subquery all work.
    searched = search_services(Service.objects.all(), "usługi opiekuńcze").filter(status=ServiceStatus.PUBLISHED)
    assert searched.count() == 2
    assert [s.name for s in searched[:1]] == [searched.first().name]  # type: ignore[union-attr]
    by_area = search_services(Service.objects.filter(areas__code="04"), "usługi opiekuńcze").distinct()
    assert by_area.count() == 3
    assert Service.objects.filter(pk__in=searched.values("pk")).count() == 2
    assert search_services(Service.objects.none(), "opiekuńcze").count() == 0
    twice = search_services(search_services(Service.objects.all(), "opiekuńcze"), "specjalistyczne")
    assert [s.name for s in twice] == [CORPUS["special_care"][0]]


def test_search_runs_one_query_whatever_the_number_of_results(
    corpus: dict[str, Service], django_assert_num_queries: Any
) -> None:
    for n in range(5):
        ServiceFactory(name=f"Usługi opiekuńcze nr {n}", description="Opis.")
    with django_assert_num_queries(1):
        names = [s.name for s in search_services(Service.objects.select_related("organization"), "uslugi opiekuncze")]
    assert len(names) == 7


def test_the_index_follows_changes_to_services(municipality: Any, director: Any) -> None:
    service = ServiceFactory(municipality=municipality, name="Klub seniora", description="Spotkania.")
    assert found("zasiłek okresowy") == []
    service_update(actor=director, service=service, name="Zasiłek okresowy")
    assert found("zasiłek okresowy") == ["Zasiłek okresowy"]
    assert found("klub seniora") == []
    Service.objects.filter(pk=service.pk).delete()
    assert found("zasiłek okresowy") == []


def test_the_index_objects_exist_after_all_migrations() -> None:
    # A later migration that rebuilds catalog_service on SQLite drops the triggers: this test then fails, and the
    # migration should call cus.catalog.search.install_search_index(connection, rebuild=True).
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'catalog_service%%'")
            assert len(cursor.fetchall()) == 6
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = 'catalog_service_search_vector_gin'")
            assert cursor.fetchall() == [("catalog_service_search_vector_gin",)]


def test_postgresql_uses_the_gin_index(corpus: dict[str, Service]) -> None:
    if connection.vendor != "postgresql":
        # On SQLite the FTS5 MATCH is the index by construction; check the plan goes through it instead.
        sql, params = search_services(Service.objects.all(), "opiekuńcze").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "catalog_service_fts VIRTUAL TABLE INDEX" in plan
        return
    sql, params = search_services(Service.objects.all(), "opiekuńcze").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "catalog_service_search_vector_gin" in plan


def test_catalog_reindex_recomputes_documents_and_repairs_the_index(corpus: dict[str, Service]) -> None:
    Service.objects.filter(pk=corpus["benefit"].pk).update(search_document="")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER catalog_service_fts_au")
    assert found("zasiłek okresowy") == []
    out = StringIO()
    call_command("catalog_reindex", batch_size=3, stdout=out)
    assert f"{len(CORPUS)} services, 1 search documents updated." in out.getvalue()
    assert found("zasiłek okresowy") == ["Zasiłek okresowy"]
    Service.objects.filter(pk=corpus["benefit"].pk).update(search_document="")
    assert found("zasiłek okresowy") == []  # the triggers are back


# --- hostile input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\t\n",
        "!!!",
        '"',
        "'",
        "''; DROP TABLE catalog_service; --",
        "usługi AND",
        "OR opiekuńcze",
        "NOT NEAR",
        "NEAR(usługi opiekuńcze, 2)",
        "usług*",
        "^usługi",
        "title:usługi",
        '"usługi opiekuńcze"',
        "usługi\x00opiekuńcze",
        "\x00",
        "(usługi | opiekuńcze) & !zasiłek:*",
        "\\' \\\\",
        "ﬁ ℌ 𝕦𝕤ł𝕦𝕘𝕚 ①",
        "усл услуги",
        "a" * 10_000,
        "usługi " * 2_000,
        "%_%",
        "+-/:;<=>?@[]{}~`",
    ],
)
def test_no_input_breaks_the_search(corpus: dict[str, Service], query: str) -> None:
    services = search_services(Service.objects.all(), query)
    names = [s.name for s in services]
    if not query_terms(query):
        assert services.query.where == Service.objects.all().query.where  # unchanged
        assert len(names) == len(CORPUS)
    else:
        assert len(names) <= len(CORPUS)


@pytest.mark.parametrize("query", ['usługi" OR "zasiłek', "usługi AND opiekuńcze", "usługi NOT opiekuńcze"])
def test_operators_are_plain_words(corpus: dict[str, Service], query: str) -> None:
    # "or", "and", "not" are searched for as words (and no service has them), never obeyed.
    assert found(query) == []


def test_quoted_phrases_and_punctuation_search_the_words(corpus: dict[str, Service]) -> None:
    assert set(found('"usługi opiekuńcze"!')) == {CORPUS["care"][0], CORPUS["special_care"][0]}
    assert found("zasiłek-okresowy?") == ["Zasiłek okresowy"]


def test_other_municipalities_catalogs_never_leak_through_search(municipality: Any) -> None:
    other = MunicipalityFactory(teryt="1499044", name="Gmina Obca")
    ServiceFactory(municipality=other, name="Zasiłek okresowy", description="Obcy.")
    assert found("zasiłek", Service.objects.filter(municipality=municipality)) == []
