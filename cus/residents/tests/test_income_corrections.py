"""Correcting and removing income declarations: the reason is required, negative income is refused with its own
message, the audit keeps the figures before and after, and qualified applications keep their frozen fee."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext

from cus.accounts.roles import Role
from cus.audit.models import AuditAction, AuditEntry
from cus.residents import services
from cus.residents.models import IncomeDeclaration, IncomeSource
from cus.residents.tests.factories import IncomeFactory, MemberFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/residents"
NEGATIVE = (
    "The net income cannot be negative. Enter 0 if the person had no income from this source: a loss does not lower "
    "the household's income."
)


@pytest.fixture
def worker(make_user: Any) -> Any:
    return make_user(Role.SOCIAL_WORKER, email="sw@cus.example", full_name="Filip Socjalny")


@pytest.fixture
def income(municipality: Any) -> IncomeDeclaration:
    member = MemberFactory(household__municipality=municipality, person__municipality=municipality)
    return IncomeFactory(member=member, month=datetime.date(2026, 9, 1), net_amount=Decimal("1500.00"))


def _polish(msgid: str) -> str:
    with translation.override("pl"):
        return gettext(msgid)


# --- services ---------------------------------------------------------------------------------------------------


def test_a_correction_keeps_the_reason_and_the_figures_before_and_after(worker: Any, income: Any) -> None:
    corrected = services.income_correct(
        actor=worker,
        income=income,
        reason="  Zaświadczenie pracodawcy podaje inną kwotę. ",
        net_amount=Decimal("1450.5"),
        document_note="Zaświadczenie z 2026-10-03",
    )
    income.refresh_from_db()
    assert income.net_amount == Decimal("1450.50")
    assert income.correction_reason == "Zaświadczenie pracodawcy podaje inną kwotę."
    assert income.corrected_at is not None and corrected.corrected_at == income.corrected_at
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(income.pk))
    assert entry.actor == worker
    assert entry.before is not None and entry.after is not None
    assert entry.before["net_amount"] == "1500.00"
    assert Decimal(entry.after["net_amount"]) == Decimal("1450.50")
    assert {"net_amount", "document_note", "corrected_at", "correction_reason"} <= set(entry.changed_fields)
    assert entry.message == "Zaświadczenie pracodawcy podaje inną kwotę."
    assert entry.person_id == str(income.member.person_id)  # the person's record shows who changed it


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(worker: Any, income: Any, reason: str) -> None:
    with pytest.raises(ValidationError) as error:
        services.income_correct(actor=worker, income=income, reason=reason, net_amount=Decimal("1"))
    assert error.value.error_dict["reason"][0].code == "required"
    with pytest.raises(ValidationError) as error:
        services.income_remove(actor=worker, income=income, reason=reason)
    assert "reason" in error.value.error_dict
    income.refresh_from_db()
    assert income.net_amount == Decimal("1500.00")
    assert not AuditEntry.objects.filter(object_id=str(income.pk)).exclude(action=AuditAction.CREATE).exists()


def test_negative_income_is_refused_with_its_own_message(worker: Any, income: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.income_correct(actor=worker, income=income, reason="Korekta", net_amount=Decimal("-0.01"))
    (problem,) = error.value.error_dict["net_amount"]
    assert problem.code == "negative_income"
    with pytest.raises(ValidationError) as error:
        services.income_declare(
            actor=worker, member=income.member, month=income.month, net_amount=Decimal("-5"), source="other"
        )
    assert error.value.error_dict["net_amount"][0].code == "negative_income"
    income.refresh_from_db()
    assert income.net_amount == Decimal("1500.00")


def test_a_correction_that_changes_nothing_or_clashes_is_refused(worker: Any, income: Any) -> None:
    with pytest.raises(ValidationError):
        services.income_correct(actor=worker, income=income, reason="Korekta", net_amount=Decimal("1500"))
    IncomeFactory(member=income.member, month=income.month, source=IncomeSource.PENSION)
    with pytest.raises(ValidationError) as error:
        services.income_correct(actor=worker, income=income, reason="Korekta", source=IncomeSource.PENSION)
    assert "source" in error.value.error_dict
    with pytest.raises(TypeError):
        services.income_correct(actor=worker, income=income, reason="Korekta", month=datetime.date(2026, 1, 1))
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE).exists()


def test_removal_keeps_the_declaration_in_the_audit_trail(worker: Any, income: Any) -> None:
    pk = income.pk
    services.income_remove(actor=worker, income=income, reason="Wpisane omyłkowo dla innej osoby.")
    assert not IncomeDeclaration.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.DELETE, object_id=str(pk))
    assert entry.before is not None and entry.before["net_amount"] == "1500.00"
    assert entry.before["source"] == "employment"
    assert entry.message == "Wpisane omyłkowo dla innej osoby."
    assert entry.person_id == str(income.member.person_id)


def test_a_qualified_application_keeps_its_frozen_fee(worker: Any, municipality: Any, make_user: Any) -> None:
    from cus.qualification import application_services as qualification
    from cus.qualification.tests.factories import person_with_income, programme_service_for

    organiser = make_user(Role.SERVICES_ORGANISER, email="org@cus.example")
    person = person_with_income(municipality, incomes=["1500", "300"])
    application, _code = qualification.file_application(
        actor=organiser, person=person, programme_service=programme_service_for(municipality)
    )
    application = qualification.accept_as_complete(actor=organiser, application=application)
    application = qualification.qualify(actor=organiser, application=application, units_per_month=Decimal("20"))
    frozen = (application.income_per_person, application.fee_per_unit, application.fee_per_month)
    assert application.income_per_person == Decimal("900.00")
    declaration = IncomeDeclaration.objects.get(member__person=person)

    assert services.applications_using_income(declaration) == [application]
    services.income_correct(actor=worker, income=declaration, reason="Korekta kwoty", net_amount=Decimal("2500"))
    application.refresh_from_db()
    assert (application.income_per_person, application.fee_per_unit, application.fee_per_month) == frozen
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(declaration.pk))
    assert application.reference in entry.message  # the link to the frozen fee stays traceable

    other = IncomeDeclaration.objects.exclude(pk=declaration.pk).get(member__household=declaration.member.household)
    services.income_remove(actor=worker, income=other, reason="Pomyłka")
    application.refresh_from_db()
    assert application.income_per_person == Decimal("900.00")
    assert application.reference in AuditEntry.objects.get(action=AuditAction.DELETE).message


# --- screens ----------------------------------------------------------------------------------------------------


def test_correct_and_remove_from_the_household_page(client: Any, worker: Any, income: Any) -> None:
    client.force_login(worker)
    household = income.member.household_id
    page = client.get(f"/residents/households/{household}/").content.decode()
    correct_url = f"/residents/households/{household}/incomes/{income.pk}/correct/"
    remove_url = f"/residents/households/{household}/incomes/{income.pk}/remove/"
    assert correct_url in page and remove_url in page
    form = client.get(correct_url)
    assert form.status_code == 200
    body = form.content.decode()
    assert 'name="reason"' in body and 'value="1500.00"' in body
    hint = _polish(
        "Applications already qualified keep the income and the fee frozen when they were qualified: this change "
        "does not alter them (their fee changes only by a recalculation or a new decision). The change, with the "
        "figures before and after, and the applications whose fee used this month are kept in the audit trail."
    )
    assert hint in body

    data = {"net_amount": "-10", "source": "employment", "document_note": "", "reason": ""}
    refused = client.post(correct_url, data)
    assert refused.status_code == 200
    errors = refused.context["form"].errors
    assert errors["net_amount"] == [_polish(NEGATIVE)]
    assert "reason" in errors
    income.refresh_from_db()
    assert income.net_amount == Decimal("1500.00")

    done = client.post(correct_url, {**data, "net_amount": "1400.00", "reason": "Zaświadczenie z ZUS"})
    assert done.status_code == 302
    income.refresh_from_db()
    assert income.net_amount == Decimal("1400.00") and income.correction_reason == "Zaświadczenie z ZUS"
    assert 'title="Zaświadczenie z ZUS"' in client.get(f"/residents/households/{household}/").content.decode()

    assert client.post(remove_url, {"reason": ""}).status_code == 200
    assert IncomeDeclaration.objects.filter(pk=income.pk).exists()
    assert client.post(remove_url, {"reason": "Wpisane omyłkowo"}).status_code == 302
    assert not IncomeDeclaration.objects.filter(pk=income.pk).exists()


def test_new_income_form_refuses_a_negative_amount_with_its_message(client: Any, worker: Any, income: Any) -> None:
    client.force_login(worker)
    response = client.post(
        f"/residents/households/{income.member.household_id}/incomes/new/",
        {"member": str(income.member_id), "month": "2026-08", "net_amount": "-1", "source": "pension"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["net_amount"] == [_polish(NEGATIVE)]


def test_a_reader_sees_no_correction_buttons(client: Any, make_user: Any, income: Any) -> None:
    director = make_user(Role.DIRECTOR, email="d@cus.example")
    client.force_login(director)
    page = client.get(f"/residents/households/{income.member.household_id}/").content.decode()
    assert "/correct/" not in page and "/remove/" not in page


# --- API ---------------------------------------------------------------------------------------------------------


def test_correct_and_remove_through_the_api(api: Any, token_for: Any, worker: Any, income: Any) -> None:
    key = token_for(worker)
    url = f"{BASE}/households/{income.member.household_id}/incomes/{income.pk}"
    missing_reason = api("patch", url, key, json={"net_amount": "1400.00"})
    assert missing_reason.status_code == 422
    assert missing_reason.json()["detail"][0]["loc"] == ["body", "reason"]
    negative = api("patch", url, key, json={"net_amount": "-1.00", "reason": "Korekta"})
    assert negative.status_code == 422
    (error,) = negative.json()["detail"]
    assert error["loc"] == ["body", "net_amount"] and error["type"] == "negative_income"

    done = api("patch", url, key, json={"net_amount": "1400.00", "source": "pension", "reason": "Korekta"})
    assert done.status_code == 200, done.content
    body = done.json()
    assert Decimal(body["net_amount"]) == Decimal("1400.00") and body["source"] == "pension"
    assert body["correction_reason"] == "Korekta" and body["corrected_at"]

    other_household = MemberFactory(
        household__municipality=income.member.household.municipality,
        person__municipality=income.member.household.municipality,
    ).household_id
    wrong_household = api(
        "post", f"{BASE}/households/{other_household}/incomes/{income.pk}/removal", key, json={"reason": "x"}
    )
    assert wrong_household.status_code == 404
    assert api("post", f"{url}/removal", key, json={}).status_code == 422
    removed = api("post", f"{url}/removal", key, json={"reason": "Wpisane omyłkowo"})
    assert removed.status_code == 204
    assert not IncomeDeclaration.objects.filter(pk=income.pk).exists()
    assert AuditEntry.objects.get(action=AuditAction.DELETE, object_id=str(income.pk)).message == "Wpisane omyłkowo"
