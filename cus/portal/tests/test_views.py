"""The public portal: home, search with filters, service page, print view — all without signing in."""

from __future__ import annotations

import datetime
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cus.catalog.models import FeeKind, FeeUnit, Phone, PhoneType, ServiceStatus
from cus.catalog.reference import AREAS
from cus.catalog.tests.factories import (
    ContactFactory,
    LocationFactory,
    RequiredDocumentFactory,
    ScheduleExceptionFactory,
    ScheduleFactory,
    ServiceAtLocationFactory,
    ServiceFactory,
    area,
    target_group,
)
from cus.core.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

CHRISTMAS = datetime.date(2026, 12, 25)  # a Friday
SEARCH = "/uslugi/szukaj/"


def names(response: Any) -> list[str]:
    """Service names in the results list, in order."""
    return [s.name for s in response.context["page_obj"].object_list]


def search(client: Any, **params: Any) -> Any:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response


def options_of(html: str, name: str) -> list[str]:
    """The labels of a select's options, as written in the page."""
    select = re.search(rf'<select[^>]* name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def test_urls_are_public_paths() -> None:
    assert reverse("portal:home") == "/uslugi/"
    assert reverse("portal:search") == SEARCH
    pk = uuid.uuid4()
    assert reverse("portal:service_detail", args=[pk]) == f"/uslugi/{pk}/"
    assert reverse("portal:service_print", args=[pk]) == f"/uslugi/{pk}/druk/"


def test_home_lists_the_14_areas_in_statutory_order_with_published_counts(client: Any) -> None:
    ServiceFactory.create_batch(2, areas=[area("04")])
    ServiceFactory(areas=[area("04"), area("06")])
    ServiceFactory(areas=[area("06")], status=ServiceStatus.DRAFT)
    ServiceFactory(areas=[area("09")], status=ServiceStatus.ARCHIVED)

    response = client.get("/uslugi/")

    assert response.status_code == 200
    terms = list(response.context["areas"])
    assert [t.code for t in terms] == [code for code, _pl, _en in AREAS]
    counts = {t.code: t.service_count for t in terms}
    assert counts["04"] == 3
    assert counts["06"] == 1
    assert counts["09"] == 0
    html = response.content.decode()
    social = area("04")
    assert f'href="{SEARCH}?area={social.pk}"' in html
    assert "Pomoc społeczna" in html
    assert 'name="q"' in html
    assert 'action="/uslugi/szukaj/"' in html


def test_home_in_english_shows_english_area_names(client: Any) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/uslugi/")
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Social assistance" in html
    assert "Pomoc społeczna" not in html


def test_anonymous_user_is_not_sent_to_sign_in(client: Any) -> None:
    service = ServiceFactory()
    for path in ("/uslugi/", SEARCH, f"/uslugi/{service.pk}/", f"/uslugi/{service.pk}/druk/"):
        response = client.get(path)
        assert response.status_code == 200, path


def test_signed_in_staff_can_browse_the_portal_too(client: Any) -> None:
    from cus.accounts.tests.factories import UserFactory

    client.force_login(UserFactory(roles=["director"]))
    assert client.get("/uslugi/").status_code == 200


def test_portal_refuses_writes(client: Any) -> None:
    assert client.post(SEARCH, {"q": "x"}).status_code == 405


def test_footer_and_sign_in_page_link_to_the_portal(client: Any) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert html.count('href="/uslugi/"') == 2  # the footer and the sign-in form


def test_search_shows_only_published_services(client: Any) -> None:
    ServiceFactory(name="Klub seniora")
    ServiceFactory(name="Klub seniora w szkole", status=ServiceStatus.DRAFT)
    ServiceFactory(name="Klub seniora dawny", status=ServiceStatus.ARCHIVED)

    assert names(search(client)) == ["Klub seniora"]
    assert names(search(client, q="seniora")) == ["Klub seniora"]


def test_search_words_go_through_the_catalog_search(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ServiceFactory(name="Usługi opiekuńcze w miejscu zamieszkania")
    ServiceFactory(name="Poradnictwo prawne")
    calls: list[str] = []
    from cus.catalog import search as engine

    real = engine.search_services

    def spy(queryset: Any, query: str) -> Any:
        calls.append(query)
        return real(queryset, query)

    monkeypatch.setattr("cus.portal.queries.search_services", spy)
    response = search(client, q="opiekuńcze")
    assert calls == ["opiekuńcze"]
    assert names(response) == ["Usługi opiekuńcze w miejscu zamieszkania"]


def test_area_and_target_group_filters(client: Any) -> None:
    ServiceFactory(name="Asystent rodziny", areas=[area("02")], target_groups=[target_group("families")])
    ServiceFactory(name="Klub seniora", areas=[area("04")], target_groups=[target_group("seniors")])
    ServiceFactory(name="Dzienny dom seniora", areas=[area("02"), area("04")], target_groups=[target_group("seniors")])

    assert names(search(client, area=area("02").pk)) == ["Asystent rodziny", "Dzienny dom seniora"]
    assert names(search(client, group=target_group("seniors").pk)) == ["Dzienny dom seniora", "Klub seniora"]
    both = search(client, area=area("02").pk, group=target_group("seniors").pk)
    assert names(both) == ["Dzienny dom seniora"]


def test_free_and_municipality_filters(client: Any) -> None:
    here, there = MunicipalityFactory(name="Gmina Tutaj"), MunicipalityFactory(name="Gmina Tam")
    ServiceFactory(name="Darmowa tutaj", municipality=here)
    ServiceFactory(
        name="Płatna tutaj", municipality=here, fee_kind=FeeKind.FIXED, fee_amount=Decimal(20), fee_unit=FeeUnit.HOUR
    )
    ServiceFactory(name="Darmowa wszędzie", municipality=there, municipalities_served=[here, there])

    assert names(search(client, free="on")) == ["Darmowa tutaj", "Darmowa wszędzie"]
    assert names(search(client, municipality=there.pk)) == ["Darmowa wszędzie"]
    assert names(search(client, municipality=here.pk, free="on")) == ["Darmowa tutaj", "Darmowa wszędzie"]
    # Only municipalities with published services are offered as choices.
    choices = [pk for pk, _label in search(client).context["form"].fields["municipality"].choices if pk]
    assert sorted(choices) == sorted([here.pk, there.pk])


def test_filter_options_follow_every_write_and_the_language(client: Any) -> None:
    """The filters' options are cached under the catalog's version: a publish, an archive, a renamed municipality
    or term shows on the next page, and each language has its own."""

    def options(name: str, **params: Any) -> list[str]:
        return options_of(search(client, **params).content.decode(), name)

    here = MunicipalityFactory(name="Gmina Pierwsza")
    draft = ServiceFactory(name="Szkic", municipality=MunicipalityFactory(name="Gmina Druga"), status="draft")
    ServiceFactory(municipality=here)
    assert options("municipality") == ["Wszystkie gminy", "Gmina Pierwsza"]
    draft.status = ServiceStatus.PUBLISHED
    draft.save()
    assert options("municipality") == ["Wszystkie gminy", "Gmina Druga", "Gmina Pierwsza"]
    here.name = "Gmina Zmieniona"
    here.save()
    assert options("municipality") == ["Wszystkie gminy", "Gmina Druga", "Gmina Zmieniona"]
    draft.status = ServiceStatus.ARCHIVED
    draft.save()
    assert options("municipality") == ["Wszystkie gminy", "Gmina Zmieniona"]

    seniors = target_group("seniors")
    assert "Seniorzy" in options("group")
    seniors.name = "Seniorzy i seniorki"
    seniors.save()
    assert "Seniorzy i seniorki" in options("group")
    chosen = search(client, group=seniors.pk).content.decode()
    assert f'<option value="{seniors.pk}" selected>Seniorzy i seniorki</option>' in chosen
    polish = options("area")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = options("area")
    assert polish[0] == "Wszystkie obszary"
    assert english[0] == "All areas"
    assert english[1:] == [name_en for _code, _name, name_en in AREAS]


def test_results_show_areas_in_statutory_order_and_municipalities_by_name(client: Any) -> None:
    # Polish alphabetical order: Ł after L, before Z (code points put it after Z).
    b, a, z = (MunicipalityFactory(name=name) for name in ("Łask <b>", "Lublin", "Zgierz"))
    many = ServiceFactory(
        name="Wiele obszarów", areas=[area("06"), area("02")], municipality=b, municipalities_served=[b, z, a]
    )
    ServiceFactory(name="Bez obszaru", areas=[], municipalities_served=[])

    def facts(html: str, name: str) -> list[str]:
        card = html[html.index(f">{name}</a>") :].split("</article>", maxsplit=1)[0]
        items = re.findall(r'<li class="list-inline-item">(.*?)</li>', card, re.S)
        return [re.sub(r"<span[^>]*>.*?</span>", "", item).strip() for item in items]

    html = search(client).content.decode()
    assert facts(html, "Wiele obszarów") == [
        "Wspieranie rodziny, Wspieranie osób niepełnosprawnych",
        "",  # the fee badge
        "Dostępna dla mieszkańców: Lublin, Łask &lt;b&gt;, Zgierz",
    ]
    assert options_of(html, "municipality") == ["Wszystkie gminy", "Lublin", "Łask &lt;b&gt;", "Zgierz"]
    assert "Lublin, Łask &lt;b&gt;, Zgierz" in client.get(f"/uslugi/{many.pk}/").content.decode()
    assert facts(html, "Bez obszaru") == ["", "", "Dostępna dla mieszkańców:"]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = search(client).content.decode()
    assert facts(english, "Wiele obszarów")[0] == "Family support, Disability support"


def test_wheelchair_filter_needs_an_accessible_place(client: Any) -> None:
    accessible = ServiceFactory(name="Z podjazdem")
    ServiceAtLocationFactory(service=accessible, location__wheelchair_accessible=False)
    ServiceAtLocationFactory(service=accessible, location__wheelchair_accessible=True)
    steps = ServiceFactory(name="Ze schodami")
    ServiceAtLocationFactory(service=steps, location__wheelchair_accessible=False)
    ServiceFactory(name="Bez miejsca")

    response = search(client, wheelchair="on")
    assert names(response) == ["Z podjazdem"]


def test_open_on_a_weekday_and_on_a_date(client: Any) -> None:
    friday = ServiceFactory(name="Piątkowa")
    ScheduleFactory(service_at_location__service=friday, weekday=5)
    holiday = ServiceFactory(name="Piątkowa zamknięta w święta")
    place = ServiceAtLocationFactory(service=holiday)
    ScheduleFactory(service_at_location=place, weekday=5)
    ScheduleExceptionFactory(service_at_location=place, date=CHRISTMAS, closed=True)
    monday = ServiceFactory(name="Poniedziałkowa")
    ScheduleFactory(service_at_location__service=monday, weekday=1)
    expired = ServiceFactory(name="Piątkowa do 2020")
    ScheduleFactory(service_at_location__service=expired, weekday=5, valid_to=datetime.date(2020, 12, 31))
    later = ServiceFactory(name="Piątkowa od 2027")
    ScheduleFactory(service_at_location__service=later, weekday=5, valid_from=datetime.date(2027, 1, 1))
    special = ServiceFactory(name="Wigilijna")
    ScheduleExceptionFactory(
        service_at_location__service=special,
        date=CHRISTMAS,
        closed=False,
        opens_at=datetime.time(10),
        closes_at=datetime.time(12),
    )

    assert names(search(client, weekday=5)) == ["Piątkowa", "Piątkowa od 2027", "Piątkowa zamknięta w święta"]
    assert names(search(client, weekday=1)) == ["Poniedziałkowa"]
    # A date: its weekday, schedules valid that day, and holidays.
    assert names(search(client, date=CHRISTMAS.isoformat())) == ["Piątkowa", "Wigilijna"]
    assert names(search(client, date="2027-01-08")) == ["Piątkowa", "Piątkowa od 2027", "Piątkowa zamknięta w święta"]
    # A date takes precedence over a weekday given with it.
    assert names(search(client, date=CHRISTMAS.isoformat(), weekday=1)) == ["Piątkowa", "Wigilijna"]


def test_filters_combine_with_the_search(client: Any) -> None:
    match = ServiceFactory(name="Mieszkanie treningowe", areas=[area("12")])
    ServiceAtLocationFactory(service=match, location__wheelchair_accessible=True)
    ServiceFactory(name="Mieszkanie wspomagane", areas=[area("12")], fee_kind=FeeKind.INCOME, fee_unit=FeeUnit.MONTH)
    ServiceFactory(name="Mieszkanie chronione", areas=[area("04")])

    response = search(client, q="Mieszkanie", area=area("12").pk, free="on", wheelchair="on")
    assert names(response) == ["Mieszkanie treningowe"]


def test_invalid_filter_value_is_reported_and_left_out(client: Any) -> None:
    ServiceFactory(name="Klub seniora")
    response = search(client, area="not-a-term", date="31.02.2026")
    assert names(response) == ["Klub seniora"]
    assert set(response.context["form"].errors) == {"area", "date"}
    assert "error-summary" in response.content.decode()


def test_results_are_paginated_by_20_and_announced(client: Any) -> None:
    for n in range(25):
        ServiceFactory(name=f"Usługa {n:02d}")

    first = search(client, area=area("04").pk)
    assert len(names(first)) == 20
    html = first.content.decode()
    assert re.search(r'role="status"[^>]*>[^<]*\b25\b', html), "the number of results is announced"
    assert "?area=" in html and "page=2" in html

    second = search(client, area=area("04").pk, page=2)
    assert names(second) == [f"Usługa {n:02d}" for n in range(20, 25)]
    assert 'start="21"' in second.content.decode()


def test_results_without_words_in_polish_alphabetical_order_across_pages(client: Any) -> None:
    expected = [f"Lekcje {n:02d}" for n in range(18)] + ["Łaźnia", "Zajęcia klubowe", "Żłobek"]
    for name in reversed(expected):
        ServiceFactory(name=name)

    first = search(client, area=area("04").pk)
    second = search(client, area=area("04").pk, page=2)
    assert names(first) + names(second) == expected  # binary order would put Łaźnia and Żłobek after Zajęcia


def test_no_results_message(client: Any) -> None:
    response = search(client, area=area("13").pk)
    assert names(response) == []
    assert 'role="status"' in response.content.decode()


def test_htmx_request_gets_only_the_results(client: Any) -> None:
    ServiceFactory(name="Klub seniora")
    response = client.get(SEARCH, {"free": "on"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Klub seniora" in html
    assert 'hx-swap-oob="innerHTML"' in html
    assert "HX-Request" in response["Vary"]

    full = client.get(SEARCH, {"free": "on"})
    page = full.content.decode()
    assert "<html" in page
    assert 'hx-get="/uslugi/szukaj/"' in page and 'hx-push-url="true"' in page


def test_htmx_request_with_errors_replaces_the_whole_main(client: Any) -> None:
    response = client.get(SEARCH, {"area": "nonsense"}, headers={"HX-Request": "true"})
    assert response["HX-Retarget"] == "main"
    assert response["HX-Reselect"] == "main"
    assert "error-summary" in response.content.decode()


def main_of(response: Any) -> str:
    """The page's <main>: the rest holds per-request tokens and the requested path."""
    found = re.search(r"<main.*</main>", response.content.decode(), re.S)
    assert found
    return found.group(0)


def full_service() -> Any:
    service = ServiceFactory(
        name="Usługi opiekuńcze",
        description="Pomoc w codziennych czynnościach w domu.",
        areas=[area("04")],
        target_groups=[target_group("seniors")],
        eligibility_description="Osoby samotne wymagające pomocy.",
        minimum_age=60,
        fee_kind=FeeKind.FIXED,
        fee_amount=Decimal("25.50"),
        fee_unit=FeeUnit.HOUR,
        fees_description="Ulgi według uchwały rady gminy.",
        application_process="Złóż wniosek w siedzibie centrum.",
        phone="+48 22 555 66 77",
        email="opieka@cus.example",
        url="https://cus.example/opieka",
        languages=["pl", "uk"],
    )
    RequiredDocumentFactory(service=service, document="Zaświadczenie lekarskie", uri="https://cus.example/wzor.pdf")
    ContactFactory(service=service, name="Anna Kowalska", title="koordynatorka")
    location = LocationFactory(
        municipality=service.municipality,
        organization=service.organization,
        name="Siedziba centrum",
        address_1="ul. Długa 5",
        postal_code="00-001",
        city="Testowo",
        wheelchair_accessible=True,
        accessibility="Winda i toaleta dla osób z niepełnosprawnościami.",
    )
    place = ServiceAtLocationFactory(service=service, location=location)
    ScheduleFactory(service_at_location=place, weekday=1, opens_at=datetime.time(8), closes_at=datetime.time(16))
    ScheduleFactory(service_at_location=place, weekday=3, opens_at=datetime.time(9), closes_at=datetime.time(17))
    ScheduleFactory(
        service_at_location=place,
        weekday=5,
        opens_at=datetime.time(7, 15),
        closes_at=datetime.time(9, 45),
        valid_to=datetime.date(2000, 12, 31),
    )
    ScheduleExceptionFactory(service_at_location=place, date=datetime.date(2099, 12, 25), description="Święto")
    ScheduleExceptionFactory(service_at_location=place, date=datetime.date(2000, 1, 1), description="Dawno temu")
    # Further numbers of the service and the place, and the place's contact person (shown as HSDS shows them).
    Phone.objects.create(service=service, number="+48 22 555 66 99", type=PhoneType.FAX, description="sekretariat")
    Phone.objects.create(location=location, number="+48 22 555 11 22", extension="14", type=PhoneType.VOICE)
    ContactFactory(service=None, location=location, name="Ewa Zielińska", department="recepcja", email="")
    return service


def test_service_page_shows_what_a_resident_needs(client: Any) -> None:
    service = full_service()
    response = client.get(f"/uslugi/{service.pk}/")
    html = response.content.decode()
    for text in (
        "Usługi opiekuńcze",
        service.organization.name,
        "Pomoc społeczna",
        "Seniorzy",
        "Pomoc w codziennych czynnościach w domu.",
        "Osoby samotne wymagające pomocy.",
        "25,50 PLN",
        "Ulgi według uchwały rady gminy.",
        "Złóż wniosek w siedzibie centrum.",
        "Zaświadczenie lekarskie",
        "https://cus.example/wzor.pdf",
        "ul. Długa 5",
        "00-001 Testowo",
        "Winda i toaleta",
        "08:00–16:00",
        "09:00–17:00",
        "Święto",
        'href="tel:+48225556677"',
        'href="mailto:opieka@cus.example"',
        "https://cus.example/opieka",
        "Anna Kowalska",
        service.municipality.name,
        f'datetime="{timezone.localtime(service.updated_at):%Y-%m-%d}"',
        f'href="/uslugi/{service.pk}/druk/"',
    ):
        assert text in html, text
    assert "Dawno temu" not in html, "past exceptions are not shown"
    assert "07:15" not in html, "hours valid until a past date are not shown"
    assert 'Faks:</strong> +48 22 555 66 99 (<span lang="pl">sekretariat</span>)' in html, "a fax is not a link"
    assert 'href="tel:+48225551122">+48 22 555 11 22</a> wew. 14' in html
    assert 'Ewa Zielińska, <span lang="pl">recepcja</span>' in html
    lowered = html.lower()
    assert "poniedziałek" in lowered and "niedziela" in lowered, "weekday names in Polish"
    assert "ukraiński" in lowered, "language names in Polish"


def test_service_page_in_english(client: Any) -> None:
    service = full_service()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/uslugi/{service.pk}/").content.decode()
    assert "Social assistance" in html
    assert "Older people" in html
    assert "Monday" in html and "Sunday" in html
    assert "Ukrainian" in html
    assert "25.50 PLN per hour" in html


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"fee_kind": FeeKind.FREE}, "Bezpłatn"),
        ({"fee_kind": FeeKind.INCOME, "fee_unit": FeeUnit.MONTH, "fees_description": "Wg tabeli."}, "Wg tabeli."),
    ],
)
def test_service_page_fee_kinds(client: Any, fields: dict[str, Any], expected: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    service = ServiceFactory(**fields)
    html = client.get(f"/uslugi/{service.pk}/").content.decode()
    english = {FeeKind.FREE: "Free of charge", FeeKind.INCOME: "Depends on income"}[fields["fee_kind"]]
    assert english in html
    if fields["fee_kind"] == FeeKind.INCOME:
        assert expected in html


@pytest.mark.parametrize("status", [ServiceStatus.DRAFT, ServiceStatus.ARCHIVED, None])
@pytest.mark.parametrize("suffix", ["", "druk/"])
def test_unpublished_and_unknown_services_give_the_same_404(client: Any, status: str | None, suffix: str) -> None:
    pk = ServiceFactory(status=status).pk if status else uuid.uuid4()
    response = client.get(f"/uslugi/{pk}/{suffix}")
    assert response.status_code == 404
    unknown = client.get(f"/uslugi/{uuid.uuid4()}/{suffix}")
    assert main_of(response) == main_of(unknown)


def test_print_view_is_a_clean_page_without_navigation(client: Any) -> None:
    service = full_service()
    response = client.get(f"/uslugi/{service.pk}/druk/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Usługi opiekuńcze" in html and "08:00–16:00" in html
    assert "<header" not in html and "<footer" not in html and "<nav" not in html
    assert "language-select" not in html
    assert "data-portal-print" in html
    assert f"/uslugi/{service.pk}/" in html


def test_search_query_count_does_not_grow_with_results(client: Any, django_assert_max_num_queries: Any) -> None:
    def make(n: int) -> None:
        for _ in range(n):
            service = ServiceFactory(areas=[area("05"), area("06")], target_groups=[target_group("seniors")])
            place = ServiceAtLocationFactory(service=service, location__wheelchair_accessible=True)
            ScheduleFactory(service_at_location=place)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            response = search(client, area=area("05").pk, wheelchair="on")
        return len(ctx.captured_queries), len(names(response))

    make(2)
    count()  # the first search after a write builds the cached filter options; compare the searches after it
    few, shown = count()
    assert shown == 2
    make(13)
    count()
    many, shown = count()
    assert shown == 15
    assert many == few
    with django_assert_max_num_queries(12):
        search(client, area=area("05").pk, wheelchair="on")


def test_service_page_query_count_is_bounded(client: Any, django_assert_max_num_queries: Any) -> None:
    service = full_service()
    for n in range(5):
        place = ServiceAtLocationFactory(service=service)
        ScheduleFactory(service_at_location=place, weekday=n + 1)
        RequiredDocumentFactory(service=service, document=f"Dokument {n}")
    with django_assert_max_num_queries(15):
        assert client.get(f"/uslugi/{service.pk}/").status_code == 200


def test_engine_finds_words_typed_without_diacritics(client: Any) -> None:
    """Relies on the Polish search engine of cus.catalog.search (inflection and missing diacritics)."""
    ServiceFactory(name="Usługi opiekuńcze w miejscu zamieszkania")
    ServiceFactory(name="Poradnictwo prawne")
    assert names(search(client, q="uslugi opiekuncze")) == ["Usługi opiekuńcze w miejscu zamieszkania"]
    assert names(search(client, q="uslugi opiekuncze", free="on", area=area("04").pk)) == [
        "Usługi opiekuńcze w miejscu zamieszkania"
    ]
