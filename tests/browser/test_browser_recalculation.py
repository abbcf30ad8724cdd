"""Recalculation of fees in a real browser: an organiser starts it from the list, lands on the finished run with its
report, and a running run shows its progress; axe-core on each page, 320 px reflow."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_organiser_recalculates_fees_and_reads_the_report(ui, make_user, municipality):
    from decimal import Decimal

    from cus.accounts.roles import Role
    from cus.qualification import application_services
    from cus.qualification.models import RecalculationRun, RecalculationStatus
    from cus.qualification.tests.factories import person_with_income, programme_service_for
    from cus.residents.models import IncomeDeclaration

    organiser = make_user(Role.SERVICES_ORGANISER, email="organizator@cus.example", full_name="Olga Organizatorka")
    service = programme_service_for(municipality, capacity=None)
    application, _code = application_services.file_application(
        actor=organiser, person=person_with_income(municipality, incomes=["1000"]), programme_service=service
    )
    application = application_services.accept_as_complete(actor=organiser, application=application)
    application = application_services.qualify(actor=organiser, application=application, units_per_month=Decimal(20))
    IncomeDeclaration.objects.filter(member__person=application.person).update(net_amount=Decimal("1500"))

    page = ui.page
    ui.sign_in(organiser.email)
    ui.visit("/qualification/recalculations/", "recalculation list")
    ui.submit("main form[action='/qualification/recalculations/start/']")
    run = RecalculationRun.objects.get()
    expect(page).to_have_url(ui.url(f"/qualification/recalculations/{run.pk}/"))
    expect(page.locator("main table")).to_contain_text(application.reference)
    expect(page.locator("progress")).to_have_attribute("value", "1")
    ui.check("recalculation report", shot="recalculation-report", narrow_shot=True)

    RecalculationRun.objects.filter(pk=run.pk).update(status=RecalculationStatus.RUNNING, total=4, processed=1)
    ui.visit(f"/qualification/recalculations/{run.pk}/", "recalculation running", shot="recalculation-running")
    expect(page.locator("#recalculation-progress")).to_have_attribute("hx-trigger", "every 2s")
    expect(page.locator("#recalculation-progress [role=status]")).to_contain_text("25")
