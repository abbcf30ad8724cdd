"""Demo individual social-services plans (IPUS) in Gmina Przykładowa: the plans of six fictional residents in every
stage of the work, built through the services like real ones.

- Halina Kowalczyk: approved, in progress, with weeks of care visits recorded by the provider (one visit not
  delivered, one not recorded at all, one late correction awaiting the coordinator), notes and goal progress;
- Irena Król: approved, an update in preparation after a fall (a new need and rehabilitation);
- Józef Król: awaiting approval (with the fee from his qualification for the seniors' club when he has one);
- Wiesława Szewczyk: a draft still without her agreement;
- Czesław Dudek: a draft past the 30-day deadline (art. 40 ust. 1);
- Dominik Szewczyk: closed on goals met, with the closing interview and the description of the course (art. 45).

Also: the director's written authorisation for the services organiser to approve plans (art. 41) and the minutes
of a coordinators' meeting four months ago, so that the reminder of the next one (art. 46 ust. 2) shows.

Idempotent: nothing is added in a municipality that already has a plan (the authorisation and the meeting are
added only when missing). The approvals and submissions are dated back to when they would have happened (the
services stamp them with today's time; demo history only).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from cus.accounts.models import User
from cus.catalog.models import AREAS_TAXONOMY_ID, Location, Service, TaxonomyTerm
from cus.core.models import Centre, Municipality
from cus.plans import rules, services
from cus.plans.models import (
    AgreementForm,
    ApprovalDelegation,
    ClosingReason,
    CoordinatorMeeting,
    GoalStatus,
    NoteKind,
    PlanItem,
    PlanVersion,
    ServicePlan,
)

DAY = datetime.timedelta(days=1)
CARE = "Usługi opiekuńcze w miejscu zamieszkania"
CLUB = "Klub Seniora „Pod Lipami”"
COUNSELLING = "Poradnictwo psychologiczne dla rodzin"
REHABILITATION = "Rehabilitacja ruchowa w domu pacjenta"


class _Scene:
    """The demo people, services and places of one municipality."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        self.today = timezone.localdate()
        self.centre = Centre.objects.filter(municipalities=municipality).order_by("pk").first()
        self.users = {
            login: User.objects.filter(email__startswith=f"{login}@", centre=self.centre).first()
            for login in ("dyrektor", "organizator.uslug", "koordynator", "realizator")
        }
        self.services = {s.name: s for s in Service.objects.filter(municipality=municipality, status="published")}
        self.areas = {t.code: t for t in TaxonomyTerm.objects.filter(taxonomy_id=str(AREAS_TAXONOMY_ID))}

    @property
    def ready(self) -> bool:
        return self.centre is not None and all(self.users.values()) and {CARE, COUNSELLING} <= set(self.services)

    @property
    def director(self) -> User:
        return self.users["dyrektor"]  # type: ignore[return-value]

    @property
    def organiser(self) -> User:
        return self.users["organizator.uslug"]  # type: ignore[return-value]

    @property
    def coordinator(self) -> User:
        return self.users["koordynator"]  # type: ignore[return-value]

    @property
    def provider(self) -> User:
        return self.users["realizator"]  # type: ignore[return-value]

    def person(self, first_name: str, last_name: str) -> Any:
        from cus.residents.models import Person

        return Person.objects.filter(municipality=self.municipality, first_name=first_name, last_name=last_name).first()

    def place(self, service_name: str) -> Location | None:
        service = self.services.get(service_name)
        if service is None:
            return None
        link = service.service_at_locations.select_related("location").order_by("pk").first()
        return link.location if link else None

    def monday(self, weeks_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=self.today.weekday() + 7 * weeks_ago)


def build(municipality: Municipality) -> int:
    """Create the demo plans once; returns how many plans were created."""
    scene = _Scene(municipality)
    if not scene.ready:
        return 0
    _delegation(scene)
    _meeting(scene)
    if ServicePlan.objects.filter(municipality=municipality).exists():
        return 0
    plans = [
        _active_with_delivery(scene),
        _updating(scene),
        _awaiting_approval(scene),
        _draft_without_agreement(scene),
        _overdue_draft(scene),
        _closed(scene),
    ]
    return sum(1 for plan in plans if plan is not None)


# --- the organiser's duties ----------------------------------------------------------------------------------------


def _delegation(scene: _Scene) -> None:
    if ApprovalDelegation.objects.filter(municipality=scene.municipality, delegate=scene.organiser).exists():
        return
    granted = datetime.date(scene.today.year, 1, 5)
    services.delegation_grant(
        actor=scene.director,
        municipality_id=scene.municipality.pk,
        delegate=scene.organiser,
        document_reference=f"Upoważnienie nr 3/{granted.year}",
        granted_on=granted,
        valid_from=granted,
    )


def _meeting(scene: _Scene) -> None:
    if CoordinatorMeeting.objects.filter(centre=scene.centre).exists():
        return
    services.meeting_record(
        actor=scene.organiser,
        centre=scene.centre,  # type: ignore[arg-type]
        municipality_id=scene.municipality.pk,
        held_on=rules.add_months(scene.today, -4),
        participants=[scene.organiser, scene.coordinator],
        agenda="1. Przegląd planów kończących się w najbliższym kwartale.\n"
        "2. Współpraca z realizatorami usług opiekuńczych.\n"
        "3. Wnioski do półrocznego podsumowania planów.",
        minutes="Omówiono plany w realizacji; dwie osoby wymagają aktualizacji planu po pobycie w szpitalu. "
        "Ustalono, że realizatorzy przekazują informację o nieodbytych wizytach najpóźniej następnego dnia. "
        "Następne spotkanie za trzy miesiące.",
    )


# --- helpers -------------------------------------------------------------------------------------------------------


def _open(
    scene: _Scene,
    person: Any,
    *,
    applied_on: datetime.date,
    starts_on: datetime.date,
    ends_on: datetime.date,
    needs_summary: str,
    applications: list[Any] | None = None,
) -> ServicePlan:
    return services.plan_create(
        actor=scene.coordinator,
        person=person,
        coordinator=scene.coordinator,
        applications=applications or [],
        applied_on=applied_on,
        starts_on=starts_on,
        ends_on=ends_on,
        needs_summary=needs_summary,
    )


def _need(scene: _Scene, plan: ServicePlan, area: str, description: str) -> None:
    services.need_save(actor=scene.coordinator, plan=plan, area=scene.areas.get(area), description=description)


def _goal(scene: _Scene, plan: ServicePlan, **fields: Any) -> Any:
    return services.goal_save(actor=scene.coordinator, plan=plan, **fields)


def _item(scene: _Scene, plan: ServicePlan, service_name: str, *, at_home: bool = True, **fields: Any) -> PlanItem:
    return services.item_save(
        actor=scene.coordinator,
        plan=plan,
        service=scene.services[service_name],
        location=None if at_home else scene.place(service_name),
        **fields,
    )


def _approve(scene: _Scene, plan: ServicePlan, *, submitted_on: datetime.date, approver: User | None = None) -> None:
    """Submit and approve, then date both back to ``submitted_on`` (approved the next working day)."""
    version = services.submit(actor=scene.coordinator, plan=plan)
    services.approve(actor=approver or scene.director, plan=plan, note="Plan zgodny z potrzebami osoby.")
    _date_back(plan, version, submitted_on, decided_on=submitted_on + DAY)


def _date_back(
    plan: ServicePlan, version: PlanVersion, submitted_on: datetime.date, *, decided_on: datetime.date | None = None
) -> None:
    def moment(day: datetime.date, hour: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    ServicePlan.objects.filter(pk=plan.pk).update(drawn_up_on=submitted_on, created_at=moment(submitted_on, 9))
    changes: dict[str, Any] = {"submitted_at": moment(submitted_on, 14)}
    if decided_on is not None:
        changes["decided_at"] = moment(decided_on, 11)
    PlanVersion.objects.filter(pk=version.pk).update(**changes)
    plan.refresh_from_db()


def _weekdays_between(start: datetime.date, end: datetime.date, weekdays: set[int]) -> list[datetime.date]:
    return [
        start + datetime.timedelta(days=n)
        for n in range((end - start).days + 1)
        if (start + datetime.timedelta(days=n)).isoweekday() in weekdays
    ]


# --- the six plans -------------------------------------------------------------------------------------------------


def _active_with_delivery(scene: _Scene) -> ServicePlan | None:
    from cus.delivery import demo as delivery_demo
    from cus.delivery.models import MissedReason
    from cus.delivery.services import request_correction

    person = scene.person("Halina", "Kowalczyk")
    if person is None:
        return None
    start = scene.monday(6)
    plan = _open(
        scene,
        person,
        applied_on=start - 19 * DAY,
        starts_on=start,
        ends_on=rules.add_months(start, 10) - DAY,
        needs_summary="Pani Halina (85 lat) mieszka sama na II piętrze bez windy. Po złamaniu szyjki kości udowej "
        "porusza się z balkonikiem, nie wychodzi z domu. Potrzebuje pomocy w zakupach, przygotowaniu posiłków, "
        "utrzymaniu czystości i w higienie; odczuwa osamotnienie. Córka mieszka w Gdańsku i dzwoni codziennie.",
    )
    _need(scene, plan, "04", "Pomoc w codziennych czynnościach: zakupy, posiłki, sprzątanie, higiena.")
    _need(scene, plan, "06", "Usprawnianie ruchowe po złamaniu, bezpieczne poruszanie się po mieszkaniu.")
    _need(scene, plan, "11", "Kontakt z innymi ludźmi, wyjście z domu.")
    walking = _goal(
        scene,
        plan,
        description="Bezpieczne samodzielne poruszanie się po mieszkaniu i wyjście na klatkę schodową.",
        indicator="Dystans przechodzony z balkonikiem bez odpoczynku (metry)",
        baseline="5",
        target="30",
        target_date=start + 120 * DAY,
    )
    company = _goal(
        scene,
        plan,
        description="Utrzymanie kontaktów towarzyskich poza domem.",
        indicator="Liczba wyjść z domu w miesiącu (z pomocą sąsiadki lub opiekunki)",
        baseline="0",
        target="4",
        target_date=start + 180 * DAY,
    )
    care = _item(
        scene,
        plan,
        CARE,
        starts_on=start,
        ends_on=plan.ends_on,
        frequency=rules.Frequency.WEEKLY,
        weekdays=[1, 3, 5],
        time_from=datetime.time(8, 0),
        hours_per_visit=Decimal("2"),
        notes="Zakupy według listy, przygotowanie obiadu na dwa dni, pomoc w kąpieli (środa), sprzątanie. Klucz "
        "u sąsiadki spod 4.",
    )
    if REHABILITATION in scene.services:
        # Starts next week, after the orthopaedist's check-up: no visit is due yet.
        rehab_start = scene.today + (7 - scene.today.weekday()) * DAY
        _item(
            scene,
            plan,
            REHABILITATION,
            starts_on=rehab_start,
            ends_on=rehab_start + 69 * DAY,
            frequency=rules.Frequency.WEEKLY,
            weekdays=[2],
            time_from=datetime.time(12, 0),
            hours_per_visit=Decimal("1"),
            notes="Ćwiczenia chodu i równowagi w domu, nauka wchodzenia po schodach.",
        )
    services.activity_save(
        actor=scene.coordinator,
        plan=plan,
        kind="neighbour",
        description="Sąsiadka, pani Zofia, w soboty odwiedza panią Halinę i w dobrą pogodę wychodzi z nią na ławkę "
        "przed blokiem.",
        who="p. Zofia Lis, sąsiadka",
        starts_on=start,
    )
    services.record_agreement(
        actor=scene.coordinator,
        plan=plan,
        agreed_on=start - 5 * DAY,
        form=AgreementForm.SIGNATURE,
        note="Plan omówiony w domu pani Haliny w obecności córki (telefonicznie).",
    )
    _approve(scene, plan, submitted_on=start - 4 * DAY)

    # Care visits of the past six weeks: one not delivered (hospital check-up), one never recorded (the
    # coordinator's missed-visit alert), one recorded too short and a late correction asked for.
    days = _weekdays_between(start, scene.today - DAY, {1, 3, 5})
    not_recorded = days[-3] if len(days) >= 3 else None
    missed = {days[7]: MissedReason.PERSON_HOSPITAL} if len(days) > 7 else {}
    records = delivery_demo.record_history(
        actor=scene.provider,
        item=care,
        days=days,
        worker_name="Teresa Malinowska",
        missed=missed,
        skip=[not_recorded] if not_recorded else [],
        notes={days[0]: "Pierwsza wizyta: ustalono listę zakupów i plan dnia."} if days else {},
    )
    wrong = next((r for r in records if r.status == "delivered" and (scene.today - r.date).days > 10), None)
    if wrong is not None:
        request_correction(
            actor=scene.provider,
            record=wrong,
            reason="Wizyta trwała dłużej: pomoc przy kąpieli i zmiana pościeli; wpisano omyłkowo 2 godziny.",
            minutes=150,
        )
    services.note_add(
        actor=scene.coordinator,
        plan=plan,
        kind=NoteKind.HOME_VISIT,
        noted_on=start + 9 * DAY,
        text="Wizyta w domu: opiekunka przychodzi punktualnie, pani Halina zadowolona. Balkonik ustawiony, "
        "usunięto dywaniki w przedpokoju.",
    )
    services.note_add(
        actor=scene.coordinator,
        plan=plan,
        kind=NoteKind.PROVIDER,
        noted_on=days[7] if len(days) > 7 else start,
        text="Realizator zgłosił odwołaną wizytę: kontrola w poradni ortopedycznej.",
    )
    services.goal_progress(
        actor=scene.coordinator,
        goal=walking,
        progress=30,
        value="12",
        note="Przechodzi z balkonikiem z pokoju do kuchni bez odpoczynku.",
        noted_on=start + 21 * DAY,
    )
    services.goal_progress(
        actor=scene.coordinator,
        goal=company,
        progress=25,
        value="1",
        note="Pierwsze wyjście na ławkę z sąsiadką.",
        noted_on=start + 28 * DAY,
    )
    return plan


def _updating(scene: _Scene) -> ServicePlan | None:
    from cus.delivery import demo as delivery_demo

    person = scene.person("Irena", "Król")
    if person is None:
        return None
    start = scene.monday(14)
    plan = _open(
        scene,
        person,
        applied_on=start - 24 * DAY,
        starts_on=start,
        ends_on=rules.add_months(start, 12) - DAY,
        needs_summary="Pani Irena (78 lat) opiekuje się mężem i sama choruje na cukrzycę; potrzebuje odciążenia "
        "w pracach domowych i w opiece nad mężem dwa razy w tygodniu.",
    )
    _need(scene, plan, "04", "Pomoc w pracach domowych i zakupach dwa razy w tygodniu.")
    _goal(
        scene,
        plan,
        description="Odciążenie pani Ireny w opiece nad mężem.",
        indicator="Liczba godzin w tygodniu bez obowiązków opiekuńczych",
        baseline="0",
        target="4",
        target_date=start + 150 * DAY,
    )
    care = _item(
        scene,
        plan,
        CARE,
        starts_on=start,
        ends_on=plan.ends_on,
        frequency=rules.Frequency.WEEKLY,
        weekdays=[2, 4],
        time_from=datetime.time(10, 30),
        hours_per_visit=Decimal("2"),
        notes="Zakupy, sprzątanie, pomoc przy mężu w czasie nieobecności pani Ireny.",
    )
    services.record_agreement(
        actor=scene.coordinator, plan=plan, agreed_on=start - 3 * DAY, form=AgreementForm.SIGNATURE
    )
    # Approved by the services organiser under the director's authorisation.
    _approve(scene, plan, submitted_on=start - 2 * DAY, approver=scene.organiser)
    fall = scene.today - 16 * DAY
    delivery_demo.record_history(
        actor=scene.provider,
        item=care,
        days=_weekdays_between(start, scene.today - DAY, {2, 4}),
        worker_name="Teresa Malinowska",
    )
    services.note_add(
        actor=scene.coordinator,
        plan=plan,
        kind=NoteKind.PHONE,
        noted_on=fall + 2 * DAY,
        text="Telefon od pani Ireny: upadek w łazience, stłuczenie biodra, bez złamania. Potrzebna rehabilitacja "
        "i pomoc przy kąpieli – do aktualizacji planu.",
    )
    services.start_update(actor=scene.coordinator, plan=plan)
    _need(scene, plan, "06", "Po upadku: usprawnianie ruchowe i bezpieczna kąpiel.")
    if REHABILITATION in scene.services:
        rehab_start = scene.today + (14 - scene.today.weekday()) * DAY
        _item(
            scene,
            plan,
            REHABILITATION,
            starts_on=rehab_start,
            ends_on=min(rehab_start + 55 * DAY, plan.ends_on),
            frequency=rules.Frequency.WEEKLY,
            weekdays=[1],
            time_from=datetime.time(13, 0),
            hours_per_visit=Decimal("1"),
            notes="Ćwiczenia wzmacniające i nauka bezpiecznego wstawania.",
        )
    return plan


def _awaiting_approval(scene: _Scene) -> ServicePlan | None:
    person = scene.person("Józef", "Król")
    if person is None:
        return None
    application = _club_application(scene, person)
    applied_on = timezone.localtime(application.filed_at).date() if application else scene.today - 6 * DAY
    start = max(applied_on, scene.today) + 7 * DAY
    plan = _open(
        scene,
        person,
        applications=[application] if application else [],
        applied_on=applied_on,
        starts_on=start,
        ends_on=rules.add_months(start, 6) - DAY,
        needs_summary="Pan Józef (80 lat) po śmierci brata wycofał się z kontaktów, całe dnie spędza przed "
        "telewizorem. Sprawny ruchowo; żona opiekuje się nim i sama potrzebuje odpoczynku.",
    )
    _need(scene, plan, "11", "Aktywność i kontakty z rówieśnikami poza domem.")
    _need(scene, plan, "02", "Wsparcie psychologiczne w żałobie.")
    _goal(
        scene,
        plan,
        description="Regularny udział w zajęciach klubu seniora.",
        indicator="Liczba udziałów w zajęciach w miesiącu",
        baseline="0",
        target="6",
        target_date=start + 90 * DAY,
    )
    if CLUB in scene.services:
        _item(
            scene,
            plan,
            CLUB,
            at_home=False,
            application=application if application and application.state == "qualified" else None,
            starts_on=start,
            ends_on=plan.ends_on,
            frequency=rules.Frequency.WEEKLY,
            weekdays=[2, 4],
            time_from=datetime.time(10, 0),
            hours_per_visit=Decimal("3"),
            notes="Zajęcia ruchowe we wtorki, warsztaty komputerowe w czwartki.",
        )
    _item(
        scene,
        plan,
        COUNSELLING,
        at_home=False,
        starts_on=start,
        ends_on=start + 83 * DAY,
        frequency=rules.Frequency.EVERY_OTHER_WEEK,
        weekdays=[start.isoweekday()],
        time_from=datetime.time(15, 0),
        hours_per_visit=Decimal("1"),
        notes="Konsultacje psychologa w siedzibie CUS.",
    )
    services.activity_save(
        actor=scene.coordinator,
        plan=plan,
        kind="volunteer",
        description="Wolontariusz Stowarzyszenia „Razem dla Seniorów” towarzyszy w pierwszych trzech wyjściach "
        "do klubu.",
        who="Stowarzyszenie Razem dla Seniorów",
        starts_on=start,
        ends_on=start + 21 * DAY,
    )
    services.record_agreement(
        actor=scene.coordinator, plan=plan, agreed_on=max(applied_on, scene.today - DAY), form=AgreementForm.SIGNATURE
    )
    services.submit(actor=scene.coordinator, plan=plan)
    return plan


def _club_application(scene: _Scene, person: Any) -> Any:
    """The person's application for the seniors' club, filed and qualified now if needed (programme track: no
    decision); None when the demo household's data do not allow it."""
    from django.core.exceptions import ValidationError

    from cus.programme.models import ProgrammeService, ProgrammeStatus
    from cus.qualification import application_services
    from cus.qualification.applications import Application
    from cus.qualification.workflow import TERMINAL

    application = (
        Application.objects.filter(person=person, programme_service__service__name=CLUB)
        .exclude(state__in=[str(state) for state in TERMINAL])
        .first()
    )
    try:
        if application is None:
            offer = ProgrammeService.objects.filter(
                programme__municipality=scene.municipality,
                programme__status=ProgrammeStatus.IN_FORCE,
                service__name=CLUB,
            ).first()
            if offer is None:
                return None
            application, _code = application_services.file_application(
                actor=None,
                person=person,
                programme_service=offer,
                statements=[application_services.statement_text("Spełniam warunki programu.")],
            )
        if application.state in ("submitted", "incomplete"):
            application = application_services.accept_as_complete(actor=None, application=application)
        if application.state == "complete":
            application = application_services.qualify(
                actor=None, application=application, units_per_month=Decimal("8")
            )
    except ValidationError:
        pass
    if application is None or application.state not in services.LINKABLE_STATES:
        return None
    return application


def _draft_without_agreement(scene: _Scene) -> ServicePlan | None:
    person = scene.person("Wiesława", "Szewczyk")
    if person is None:
        return None
    start = scene.today + 3 * DAY
    plan = _open(
        scene,
        person,
        applied_on=scene.today - 12 * DAY,
        starts_on=start,
        ends_on=rules.add_months(start, 9) - DAY,
        needs_summary="Pani Wiesława (74 lata) wychowuje wnuka; po operacji zaćmy nie może dźwigać ani "
        "schylać się przez trzy miesiące.",
    )
    _need(scene, plan, "04", "Pomoc w cięższych pracach domowych i zakupach.")
    _goal(
        scene,
        plan,
        description="Powrót do samodzielnego prowadzenia domu po rekonwalescencji.",
        indicator="Czynności domowe wykonywane samodzielnie (na 5 wskazanych)",
        baseline="2",
        target="5",
        target_date=start + 120 * DAY,
    )
    _item(
        scene,
        plan,
        CARE,
        starts_on=start,
        ends_on=start + 119 * DAY,
        frequency=rules.Frequency.WEEKLY,
        weekdays=[1, 4],
        time_from=datetime.time(12, 0),
        hours_per_visit=Decimal("1.5"),
        notes="Zakupy, pranie, sprzątanie łazienki.",
    )
    return plan


def _overdue_draft(scene: _Scene) -> ServicePlan | None:
    person = scene.person("Czesław", "Dudek")
    if person is None:
        return None
    plan = _open(
        scene,
        person,
        applied_on=scene.today - 41 * DAY,
        starts_on=scene.today + 7 * DAY,
        ends_on=scene.today + 180 * DAY,
        needs_summary="Pan Czesław (86 lat) mieszka sam w domu z piecem węglowym; sąsiedzi zgłaszają, że nie "
        "pali w piecu i słabo się odżywia. Rozpoznanie potrzeb trwało dłużej: pan Czesław dwukrotnie nie "
        "otworzył drzwi.",
    )
    _goal(
        scene,
        plan,
        description="Ciepło w domu i regularne posiłki przez zimę.",
        indicator="Liczba dni w tygodniu z ciepłym posiłkiem",
        baseline="2",
        target="7",
        target_date=scene.today + 90 * DAY,
    )
    return plan


def _closed(scene: _Scene) -> ServicePlan | None:
    from cus.delivery import demo as delivery_demo
    from cus.delivery.models import MissedReason

    person = scene.person("Dominik", "Szewczyk")
    if person is None:
        return None
    start = scene.monday(30)
    plan = _open(
        scene,
        person,
        applied_on=start - 21 * DAY,
        starts_on=start,
        ends_on=rules.add_months(start, 9) - DAY,
        needs_summary="Dominik (20 lat) po przerwaniu nauki w technikum od roku nie uczy się i nie pracuje; "
        "mieszka z babcią, unika wychodzenia z domu.",
    )
    _need(scene, plan, "02", "Wsparcie psychologiczne i motywacja do powrotu do nauki.")
    _need(scene, plan, "14", "Powrót do nauki lub pracy.")
    school = _goal(
        scene,
        plan,
        description="Powrót do nauki.",
        indicator="Zapis do szkoły i udział w zajęciach",
        baseline="nie uczy się",
        target="uczęszcza na zajęcia",
        target_date=start + 150 * DAY,
    )
    sessions = _item(
        scene,
        plan,
        COUNSELLING,
        at_home=False,
        starts_on=start,
        ends_on=plan.ends_on,
        frequency=rules.Frequency.EVERY_OTHER_WEEK,
        weekdays=[3],
        time_from=datetime.time(16, 0),
        hours_per_visit=Decimal("1"),
        notes="Konsultacje psychologa co dwa tygodnie w siedzibie CUS.",
    )
    services.record_agreement(
        actor=scene.coordinator, plan=plan, agreed_on=start - 4 * DAY, form=AgreementForm.SIGNATURE
    )
    _approve(scene, plan, submitted_on=start - 3 * DAY)
    closed_on = scene.today - 30 * DAY
    delivery_demo.record_history(
        actor=scene.provider,
        item=sessions,
        days=[day for day in _weekdays_between(start, closed_on, {3}) if ((day - start).days // 7) % 2 == 0],
        worker_name="mgr Anna Spokojna",
        missed={start + 58 * DAY: MissedReason.PERSON_ABSENT},
    )
    services.goal_progress(
        actor=scene.coordinator,
        goal=school,
        progress=100,
        value="uczęszcza na zajęcia",
        note="Zapisany do szkoły policealnej (technik informatyk), zajęcia weekendowe od września.",
        noted_on=closed_on - 10 * DAY,
    )
    services.close(
        actor=scene.coordinator,
        plan=plan,
        closed_on=closed_on,
        reason=ClosingReason.GOALS_MET,
        interview_on=closed_on - 2 * DAY,
        interview_notes="Dominik uczy się w trybie weekendowym i pracuje dorywczo w sklepie; nie potrzebuje już "
        "konsultacji. Wie, że może wrócić do psychologa w razie trudności.",
        course_description="Plan realizowano od "
        f"{start:%d.%m.%Y} r. Dominik uczestniczył w konsultacjach psychologicznych co dwa tygodnie, opuścił "
        "jedno spotkanie. Stopniowo wrócił do kontaktów z rówieśnikami, a we wrześniu zapisał się do szkoły "
        "policealnej. Cel planu – powrót do nauki – został osiągnięty; plan zamknięto przed planowanym terminem "
        "za zgodą Dominika.",
        goal_outcomes={school.pk: GoalStatus.ACHIEVED},
    )
    return plan
