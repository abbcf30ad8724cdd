"""Writes for municipalities and centres: rules, transactions and the audit rows they leave."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cus.audit.models import AuditAction, AuditEntry
from cus.core import services
from cus.core.models import Centre, CentreKind, Municipality, Team, TeamKind
from cus.core.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

ADDRESS = {"street_address": "ul. Rynek 1", "postal_code": "00-950", "city": "Przykładowo"}


def _gminas(count: int) -> list[Municipality]:
    return [MunicipalityFactory(teryt=f"12060{index}2", name=f"Gmina {index}") for index in range(1, count + 1)]


# --- municipality_create ------------------------------------------------------------------------------------


def test_municipality_create_derives_the_voivodeship_and_audits(director: Any) -> None:
    municipality = services.municipality_create(actor=director, teryt="1206105", name="Gmina Nowa")
    assert municipality.voivodeship == "12"
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="core.municipality")
    assert entry.object_id == str(municipality.pk)
    assert entry.actor == director
    assert entry.municipality_id == municipality.pk
    assert entry.after is not None
    assert entry.after["teryt"] == "1206105"


@pytest.mark.parametrize(
    ("teryt", "voivodeship", "field"),
    [("12061", None, "teryt"), ("1206105", "14", "voivodeship"), ("9906105", None, "teryt")],
)
def test_municipality_create_refuses_invalid_codes_and_saves_nothing(
    director: Any, teryt: str, voivodeship: str | None, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.municipality_create(actor=director, teryt=teryt, name="Gmina", voivodeship=voivodeship)
    assert field in caught.value.error_dict
    assert not Municipality.objects.filter(name="Gmina").exists()
    assert not AuditEntry.objects.filter(object_type="core.municipality").exists()


# --- centre_create --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "members"),
    [
        (CentreKind.JOINT, 0),
        (CentreKind.JOINT, 1),
        (CentreKind.CONVERTED, 0),
        (CentreKind.CONVERTED, 2),
        (CentreKind.SEPARATE, 0),
        (CentreKind.SEPARATE, 2),
    ],
)
def test_centre_create_refuses_a_wrong_number_of_municipalities(director: Any, kind: str, members: int) -> None:
    gminas = _gminas(members)
    before = Centre.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.centre_create(actor=director, municipalities=gminas, name="Nowe CUS", kind=kind, **ADDRESS)
    assert set(caught.value.error_dict) == {"municipalities"}
    assert Centre.objects.count() == before
    assert not Team.objects.filter(centre__name="Nowe CUS").exists()
    assert not AuditEntry.objects.filter(object_type="core.centre").exists()


@pytest.mark.parametrize(
    ("kind", "members", "teams"),
    [
        (CentreKind.CONVERTED, 1, {TeamKind.SERVICES, TeamKind.ASSISTANCE}),
        (CentreKind.SEPARATE, 1, {TeamKind.SERVICES}),
        (CentreKind.JOINT, 2, {TeamKind.SERVICES}),
        (CentreKind.JOINT, 3, {TeamKind.SERVICES}),
    ],
)
def test_centre_create_sets_members_and_teams_and_audits(
    director: Any, kind: str, members: int, teams: set[str]
) -> None:
    gminas = _gminas(members)
    centre = services.centre_create(actor=director, municipalities=gminas, name="Nowe CUS", kind=kind, **ADDRESS)
    assert set(centre.municipalities.all()) == set(gminas)
    assert {team.kind for team in centre.teams.all()} == teams
    assert centre.has_assistance_team is (TeamKind.ASSISTANCE in teams)
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="core.centre")
    assert entry.object_id == str(centre.pk)
    assert entry.centre_id == centre.pk
    assert entry.actor == director
    assert entry.actor_label == f"{director.full_name} <{director.email}>"
    assert entry.after is not None
    assert entry.after["kind"] == kind
    assert entry.after["municipalities"] == sorted(g.pk for g in gminas)


def test_centre_create_validates_fields_before_saving(director: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.centre_create(
            actor=director,
            municipalities=_gminas(1),
            name="Nowe CUS",
            kind=CentreKind.CONVERTED,
            street_address="ul. Rynek 1",
            postal_code="00950",
            city="Przykładowo",
        )
    assert "postal_code" in caught.value.error_dict
    assert not Centre.objects.filter(name="Nowe CUS").exists()


def test_team_clean_refuses_an_assistance_team_outside_a_converted_centre(other_centre: Centre) -> None:
    team = Team(centre=other_centre, kind=TeamKind.ASSISTANCE, name="Zespół pomocy")
    with pytest.raises(ValidationError) as caught:
        team.full_clean()
    assert "kind" in caught.value.error_dict


# --- centre_update --------------------------------------------------------------------------------------------


def test_centre_update_audits_before_after_and_changed_fields(director: Any, centre: Centre) -> None:
    old_phone = centre.phone
    updated = services.centre_update(actor=director, centre=centre, phone="+48 22 000 00 00", city="Nowe Miasto")
    assert updated.phone == "+48 22 000 00 00"
    centre.refresh_from_db()
    assert centre.city == "Nowe Miasto"
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_type="core.centre")
    assert entry.object_id == str(centre.pk)
    assert entry.actor == director
    assert entry.before is not None
    assert entry.after is not None
    assert entry.before["phone"] == old_phone
    assert entry.after["phone"] == "+48 22 000 00 00"
    assert entry.before["city"] == "Testowo"
    assert entry.after["city"] == "Nowe Miasto"
    assert set(entry.changed_fields) - {"updated_at"} == {"phone", "city"}
    assert entry.changed_fields == sorted(entry.changed_fields)
    assert entry.centre_id == centre.pk
    assert entry.request_id == ""  # not done through a request


@pytest.mark.parametrize("field", ["kind", "created_at", "id"])
def test_centre_update_refuses_fields_that_are_not_editable(director: Any, centre: Centre, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        services.centre_update(actor=director, centre=centre, **{field: "joint"})
    assert set(caught.value.error_dict) == {field}
    assert Centre.objects.get(pk=centre.pk).kind == CentreKind.CONVERTED
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_centre_update_with_an_invalid_value_changes_nothing(director: Any, centre: Centre) -> None:
    with pytest.raises(ValidationError) as caught:
        services.centre_update(actor=director, centre=centre, name="Zmienione", postal_code="zły kod")
    assert "postal_code" in caught.value.error_dict
    centre.refresh_from_db()
    assert centre.name == "CUS w Przykładowie"
    assert centre.postal_code == "00-950"
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_centre_update_through_the_api_records_the_request_id(
    api: Any, token_for: Any, director: Any, centre: Centre
) -> None:
    response = api(
        "patch",
        f"/api/v1/centres/{centre.pk}",
        token_for(director),
        json={"email": "sekretariat@cus.example"},
        HTTP_X_REQUEST_ID="req-0123456789",
    )
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-0123456789"
    assert response.json()["email"] == "sekretariat@cus.example"
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_type="core.centre")
    assert entry.request_id == "req-0123456789"
    assert entry.ip_address == "127.0.0.1"
    assert "email" in entry.changed_fields


def test_an_untrusted_request_id_is_replaced(api: Any, token_for: Any, director: Any, centre: Centre) -> None:
    response = api(
        "patch",
        f"/api/v1/centres/{centre.pk}",
        token_for(director),
        json={"phone": "123"},
        HTTP_X_REQUEST_ID="bad id; DROP TABLE",
    )
    assert response.status_code == 200
    request_id = response["X-Request-ID"]
    assert request_id != "bad id; DROP TABLE"
    assert len(request_id) == 32
    assert AuditEntry.objects.get(action=AuditAction.UPDATE, object_type="core.centre").request_id == request_id


def test_centre_update_through_the_api_rejects_invalid_values(
    api: Any, token_for: Any, director: Any, centre: Centre
) -> None:
    response = api("patch", f"/api/v1/centres/{centre.pk}", token_for(director), json={"bip_url": "not a url"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "bip_url"]
    centre.refresh_from_db()
    assert centre.bip_url == ""


# --- the appeal body (KPA art. 17, art. 107 § 1 pkt 7) ------------------------------------------------------------


def test_centre_update_sets_the_appeal_body_and_audits_it(director: Any, centre: Centre) -> None:
    services.centre_update(
        actor=director,
        centre=centre,
        appeal_body_name="  Samorządowe Kolegium Odwoławcze w Kielcach ",
        appeal_body_address="ul. Wesoła 54, 25-363 Kielce",
    )
    centre.refresh_from_db()
    assert centre.appeal_body_name == "Samorządowe Kolegium Odwoławcze w Kielcach"
    assert centre.has_appeal_body
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_type="core.centre")
    assert set(entry.changed_fields) - {"updated_at"} == {"appeal_body_name", "appeal_body_address"}
    assert entry.before is not None and entry.after is not None
    assert entry.before["appeal_body_name"] == "Samorządowe Kolegium Odwoławcze w Testowie"
    assert entry.after["appeal_body_address"] == "ul. Wesoła 54, 25-363 Kielce"


@pytest.mark.parametrize(
    ("changes", "fields", "code"),
    [
        ({"appeal_body_name": "Wojewoda Świętokrzyski"}, {"appeal_body_name"}, "appeal_body_name"),
        ({"appeal_body_name": "Samorządowe Kolegium Odwoławcze"}, {"appeal_body_name"}, "appeal_body_name"),
        ({"appeal_body_address": "ul. Wesoła 54, Kielce"}, {"appeal_body_address"}, "postal_code"),
        ({"appeal_body_address": ""}, {"appeal_body_address"}, "appeal_body_address_missing"),
        ({"appeal_body_name": ""}, {"appeal_body_name"}, "appeal_body_name_missing"),
    ],
)
def test_centre_update_refuses_an_incomplete_or_wrong_appeal_body(
    director: Any, centre: Centre, changes: dict[str, str], fields: set[str], code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        services.centre_update(actor=director, centre=centre, **changes)
    assert set(caught.value.error_dict) == fields
    assert caught.value.error_dict[next(iter(fields))][0].code == code
    centre.refresh_from_db()
    assert centre.appeal_body_name == "Samorządowe Kolegium Odwoławcze w Testowie"
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_the_appeal_body_through_the_api_and_the_screen(
    api: Any, token_for: Any, login: Any, director: Any, centre: Centre
) -> None:
    bad = api(
        "patch",
        f"/api/v1/centres/{centre.pk}",
        token_for(director),
        json={"appeal_body_name": "SKO", "appeal_body_address": "Kielce"},
    )
    assert bad.status_code == 422
    assert {tuple(e["loc"]) for e in bad.json()["detail"]} == {
        ("body", "appeal_body_name"),
        ("body", "appeal_body_address"),
    }
    good = api(
        "patch",
        f"/api/v1/centres/{centre.pk}",
        token_for(director),
        json={"appeal_body_name": "Samorządowe Kolegium Odwoławcze w Kielcach"},
    )
    assert good.status_code == 200
    assert good.json()["appeal_body_name"] == "Samorządowe Kolegium Odwoławcze w Kielcach"
    assert good.json()["appeal_body_address"] == "ul. Odwoławcza 2, 00-951 Testowo"

    client = login(director)
    page = client.get(f"/centre/{centre.pk}/edit/").content.decode()
    assert 'name="appeal_body_name"' in page and 'name="appeal_body_address"' in page
    response = client.post(
        f"/centre/{centre.pk}/edit/",
        {
            "name": centre.name,
            "street_address": centre.street_address,
            "postal_code": centre.postal_code,
            "city": centre.city,
            "appeal_body_name": "Samorządowe Kolegium Odwoławcze w Kielcach",
            "appeal_body_address": "bez kodu",
        },
    )
    assert response.status_code == 200
    assert 'id="id_appeal_body_address_error"' in response.content.decode()
    response = client.post(
        f"/centre/{centre.pk}/edit/",
        {
            "name": centre.name,
            "street_address": centre.street_address,
            "postal_code": centre.postal_code,
            "city": centre.city,
            "appeal_body_name": "Samorządowe Kolegium Odwoławcze w Kielcach",
            "appeal_body_address": "ul. Wesoła 54, 25-363 Kielce",
        },
    )
    assert response.status_code == 302
    centre.refresh_from_db()
    assert centre.appeal_body_address == "ul. Wesoła 54, 25-363 Kielce"
    assert "ul. Wesoła 54, 25-363 Kielce" in client.get(f"/centre/{centre.pk}/").content.decode()
