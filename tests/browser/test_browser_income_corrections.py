"""Correcting and removing an income declaration in a real browser, and the centre's appeal body: errors beside the
fields and in the summary, the frozen-fee hint, axe-core and 320 px reflow on every page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def settle(page):
    page.wait_for_load_state("networkidle")


def test_worker_corrects_then_removes_an_income_declaration(ui, make_user, municipality, centre):
    from cus.accounts.roles import Role
    from cus.residents.models import IncomeDeclaration
    from cus.residents.tests.factories import IncomeFactory, MemberFactory

    worker = make_user(Role.SOCIAL_WORKER, email="socjalny@cus.example", full_name="Filip Socjalny")
    member = MemberFactory(household__municipality=municipality, person__municipality=municipality)
    income = IncomeFactory(member=member, month=datetime.date(2026, 9, 1), net_amount=Decimal("1500.00"))
    household = member.household_id
    page = ui.page
    ui.sign_in(worker.email)
    ui.visit(f"/residents/households/{household}/", "household with income actions", shot="income-household")

    page.locator(f"a[href='/residents/households/{household}/incomes/{income.pk}/correct/']").click()
    expect(page.locator("#id_reason")).to_be_visible()
    expect(page.locator(".alert-info")).to_be_visible()  # the frozen-fee hint
    page.locator("#id_net_amount").fill("-20")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#id_net_amount_error")).to_be_visible()
    expect(page.locator("#id_reason_error")).to_be_visible()
    ui.check("income correction with errors", shot="income-correct-errors", narrow_shot=True)

    page.locator("#id_net_amount").fill("1450.00")
    page.locator("#id_reason").fill("Zaświadczenie pracodawcy podaje inną kwotę.")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page).to_have_url(ui.url(f"/residents/households/{household}/"))
    income.refresh_from_db()
    assert income.net_amount == Decimal("1450.00")
    assert income.correction_reason == "Zaświadczenie pracodawcy podaje inną kwotę."

    page.locator(f"a[href='/residents/households/{household}/incomes/{income.pk}/remove/']").click()
    expect(page.locator("#id_reason")).to_be_visible()
    ui.check("income removal", shot="income-remove")
    page.locator("#id_reason").fill("Wpisane omyłkowo dla innej osoby.")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page).to_have_url(ui.url(f"/residents/households/{household}/"))
    assert not IncomeDeclaration.objects.filter(pk=income.pk).exists()


def test_director_sets_the_appeal_body(ui, make_user, centre):
    from cus.accounts.roles import Role
    from cus.core.models import Centre

    Centre.objects.filter(pk=centre.pk).update(appeal_body_name="", appeal_body_address="")
    director = make_user(Role.DIRECTOR, email="dyrektor@cus.example", full_name="Anna Dyrektorska")
    page = ui.page
    ui.sign_in(director.email)
    ui.visit(f"/centre/{centre.pk}/", "centre without an appeal body", shot="centre-no-appeal-body")
    expect(page.locator(".alert-warning")).to_be_visible()
    page.goto(f"/centre/{centre.pk}/edit/")
    page.locator("#id_appeal_body_name").fill("Samorządowe Kolegium Odwoławcze w Kielcach")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page.locator("#id_appeal_body_address_error")).to_be_visible()
    ui.check("centre form with an appeal body error", shot="centre-appeal-body-error", narrow_shot=True)
    page.locator("#id_appeal_body_address").fill("ul. Wesoła 54, 25-363 Kielce")
    settle(page)
    ui.submit("main form.cus-form")
    expect(page).to_have_url(ui.url(f"/centre/{centre.pk}/"))
    expect(page.locator(".alert-warning")).to_have_count(0)
    assert Centre.objects.get(pk=centre.pk).appeal_body_address == "ul. Wesoła 54, 25-363 Kielce"
