"""Build the fictional demo: Gmina Przykładowa with a converted CUS and a joint CUS of two gminas.

Idempotent: running it again changes nothing but (with --reset-passwords) the demo passwords, which are printed
on the console only and never stored anywhere else.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from cus.accounts import services as account_services
from cus.accounts.models import User
from cus.accounts.roles import TRAINING_REQUIRED, Role
from cus.core import services as core_services
from cus.core.models import Centre, CentreKind, Municipality

MUNICIPALITIES = [
    ("1499011", "Gmina Przykładowa"),
    ("1499022", "Gmina Nadrzecze"),
    ("1499033", "Gmina Zielony Gaj"),
]

CENTRES: list[dict[str, Any]] = [
    {
        "name": "Centrum Usług Społecznych w Przykładowie",
        "kind": CentreKind.CONVERTED,
        "teryt": ["1499011"],
        "street_address": "ul. Słoneczna 12",
        "postal_code": "05-999",
        "city": "Przykładowo",
        "bip_url": "https://bip.cus.przykladowa.example/",
        "email": "sekretariat@cus.przykladowa.example",
        "phone": "+48 22 100 20 30",
        "appeal_body_name": "Samorządowe Kolegium Odwoławcze w Warszawie",
        "appeal_body_address": "ul. Kredytowa 3, 00-062 Warszawa",
        "domain": "przykladowa.example",
        "roles": list(Role),
    },
    {
        "name": "Wspólne Centrum Usług Społecznych Nadrzecze – Zielony Gaj",
        "kind": CentreKind.JOINT,
        "teryt": ["1499022", "1499033"],
        "street_address": "ul. Rynek 3",
        "postal_code": "05-998",
        "city": "Nadrzecze",
        "bip_url": "https://bip.cus.nadrzecze.example/",
        "email": "cus@nadrzecze.example",
        "phone": "+48 22 200 30 40",
        "appeal_body_name": "Samorządowe Kolegium Odwoławcze w Warszawie",
        "appeal_body_address": "ul. Kredytowa 3, 00-062 Warszawa",
        "domain": "nadrzecze.example",
        # A joint CUS has no social-assistance team (art. 16, 23).
        "roles": [
            Role.DIRECTOR,
            Role.SERVICES_ORGANISER,
            Role.IPUS_COORDINATOR,
            Role.COMMUNITY_ORGANISER,
            Role.PROVIDER_STAFF,
            Role.ADMINISTRATOR,
        ],
    },
]

LOGINS = {
    Role.DIRECTOR: ("dyrektor", "Anna Dyrektorska"),
    Role.SERVICES_ORGANISER: ("organizator.uslug", "Bartosz Organista"),
    Role.IPUS_COORDINATOR: ("koordynator", "Celina Koordynacka"),
    Role.COMMUNITY_ORGANISER: ("organizator.spolecznosci", "Dawid Społeczny"),
    Role.ASSISTANCE_ORGANISER: ("organizator.pomocy", "Ewa Pomocna"),
    Role.SOCIAL_WORKER: ("pracownik.socjalny", "Filip Socjalny"),
    Role.SPECIALIST: ("specjalista", "Grażyna Specjalna"),
    Role.PROVIDER_STAFF: ("realizator", "Henryk Opiekuński"),
    Role.ADMINISTRATOR: ("administrator", "Irena Administracyjna"),
}


class Command(BaseCommand):
    help = "Create (or complete) the fictional demo municipalities, centres and one staff account per role."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reset-passwords", action="store_true", help="Give every demo account a new password.")

    @transaction.atomic
    def handle(self, *args: Any, reset_passwords: bool = False, **options: Any) -> None:
        municipalities = self._municipalities()
        rows = self._accounts(municipalities, reset_passwords=reset_passwords)
        self._domain_data(municipalities)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Accounts (passwords shown only here):"))
        current = None
        for centre_name, role_label, email, password in rows:
            if centre_name != current:
                self.stdout.write(f"\n  {centre_name}")
                current = centre_name
            self.stdout.write(f"    {role_label:<34} {email:<45} {password}")
        self.stdout.write("")

    def _municipalities(self) -> dict[str, Municipality]:
        municipalities = {}
        for teryt, name in MUNICIPALITIES:
            municipality = Municipality.objects.filter(teryt=teryt).first()
            if municipality is None:
                municipality = core_services.municipality_create(actor=None, teryt=teryt, name=name)
            municipalities[teryt] = municipality
        return municipalities

    def _accounts(
        self, municipalities: dict[str, Municipality], *, reset_passwords: bool
    ) -> list[tuple[str, str, str, str]]:
        """One account per role in each demo centre; a password only for new accounts (or when reset)."""
        rows = []
        for spec in CENTRES:
            centre = Centre.objects.filter(name=spec["name"]).first()
            if centre is None:
                fields = {k: v for k, v in spec.items() if k not in {"teryt", "domain", "roles"}}
                centre = core_services.centre_create(
                    actor=None, municipalities=[municipalities[t] for t in spec["teryt"]], **fields
                )
            elif not centre.appeal_body_name:
                # Demo data from before decisions named the board of appeal.
                centre = core_services.centre_update(
                    actor=None,
                    centre=centre,
                    appeal_body_name=spec["appeal_body_name"],
                    appeal_body_address=spec["appeal_body_address"],
                )
            members = [municipalities[t] for t in spec["teryt"]]
            for role in spec["roles"]:
                user, password = self._account(centre, role, members, spec["domain"], reset_passwords=reset_passwords)
                rows.append((centre.name, str(role.label), user.email, password or "(unchanged)"))
        return rows

    def _account(
        self, centre: Centre, role: Role, members: list[Municipality], domain: str, *, reset_passwords: bool
    ) -> tuple[User, str | None]:
        login, full_name = LOGINS[role]
        email = f"{login}@{domain}"
        user = User.objects.filter(email=email).first()
        password = None
        if user is None:
            password = secrets.token_urlsafe(12)
            user = account_services.staff_create(
                actor=None,
                email=email,
                full_name=full_name,
                centre=centre,
                job_title=str(role.label),
                roles={role.value: members},
                password=password,
                send_invitation=False,
            )
        elif reset_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save(update_fields=["password"])
        if role in TRAINING_REQUIRED and not user.training_certificates.exists():
            account_services.certificate_add(
                actor=None,
                user=user,
                kind=role.value,
                completed_on=datetime.date(2025, 3, 14),
                number=f"CUS/{role.value[:3].upper()}/{user.pk:04d}/2025",
                issuer="Regionalny Ośrodek Polityki Społecznej (przykład)",
            )
        return user, password

    def _domain_data(self, municipalities: dict[str, Municipality]) -> None:
        """The fictional catalog, residents, programmes, fee tables and applications, each step idempotent."""
        from cus.catalog.demo import build as build_catalog
        from cus.programme.demo import build as build_programme
        from cus.qualification.demo import build as build_fee_tables
        from cus.qualification.demo import build_applications
        from cus.residents.demo import build as build_residents

        created = build_catalog(municipalities["1499011"])
        if created:
            self.stdout.write(f"Demo catalog: {created} published services in Gmina Przykładowa.")
        residents = build_residents(list(municipalities.values()))
        self.stdout.write(f"Demo residents: {residents} new fictional persons in households.")
        for municipality in municipalities.values():
            programme = build_programme(municipality)
            if programme is not None:
                self.stdout.write(f"Demo programme in force: {programme.name} ({municipality.name}).")
        self.stdout.write(f"Demo fee tables: {build_fee_tables(municipalities.values())} new care-services tables.")
        self.stdout.write(f"Demo applications: {build_applications(municipalities.values())} new paper applications.")
        from cus.delivery.demo import build as build_provider_staff
        from cus.plans.demo import build as build_plans

        linked = build_provider_staff(municipalities["1499011"])
        self.stdout.write(f"Demo provider staff: {linked} account linked to the provider of the care service.")
        self.stdout.write(f"Demo plans: {build_plans(municipalities['1499011'])} new individual plans (IPUS).")
