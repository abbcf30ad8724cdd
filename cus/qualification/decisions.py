"""The text of administrative decisions on applications (KPA art. 107 § 1), frozen when issued.

Decisions are legal documents issued in Polish whatever the interface language, so their wording is written here in
Polish and is not translated (gettext would change a legal text with the UI language).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cus.accounts.roles import Role
from cus.core.models import APPEAL_BODY_PREFIX
from cus.qualification import workflow

if TYPE_CHECKING:
    from cus.qualification.applications import Application

CUS_ACT = (
    "ustawy z dnia 19 lipca 2019 r. o realizowaniu usług społecznych przez centrum usług społecznych "
    "(Dz.U. 2026 poz. 165)"
)
PS_ACT = "ustawy z dnia 12 marca 2004 r. o pomocy społecznej (Dz.U. 2026 poz. 639)"
KPA = "ustawy z dnia 14 czerwca 1960 r. – Kodeks postępowania administracyjnego (Dz.U. z 2024 r. poz. 572, ze zm.)"

POSTS = {
    Role.DIRECTOR: "Dyrektor",
    Role.SERVICES_ORGANISER: "Organizator usług społecznych",
    Role.ASSISTANCE_ORGANISER: "Organizator pomocy społecznej",
}


def _date(day: Any) -> str:
    months = (
        "stycznia",
        "lutego",
        "marca",
        "kwietnia",
        "maja",
        "czerwca",
        "lipca",
        "sierpnia",
        "września",
        "października",
        "listopada",
        "grudnia",
    )
    return f"{day.day} {months[day.month - 1]} {day.year} r."


def centre_locative(centre: Any) -> str:
    """ "Centrum Usług Społecznych w Kórniku" → the name as written; the director is of the centre."""
    return str(centre.name)


# "do Samorządowego Kolegium Odwoławczego w …": the genitive after "do"; the seat ("w Kielcach") stays as written.
APPEAL_BODY_GENITIVE = "Samorządowego Kolegium Odwoławczego"


def appeal_body(centre: Any) -> str:
    """The board of appeal with its address, as the appeal instruction names it (KPA art. 107 § 1 pkt 7, art. 129).

    Raises ValidationError when the centre has none set: a decision must say where the appeal goes."""
    if not getattr(centre, "has_appeal_body", False):
        raise ValidationError(
            {
                "appeal_body": ValidationError(
                    _(
                        "The decision cannot be issued: the centre has no appeal body (board of appeal, SKO) set, and "
                        "the decision must say where to appeal. Ask the director to fill in the appeal body and its "
                        "address on the centre's page (Centre → Edit details), then try again."
                    ),
                    code="appeal_body_missing",
                )
            }
        )
    name = str(centre.appeal_body_name)
    if name.startswith(APPEAL_BODY_PREFIX):
        name = APPEAL_BODY_GENITIVE + name[len(APPEAL_BODY_PREFIX) :]
    return f"{name}, {centre.appeal_body_address},"


def authority(application: Application) -> str:
    municipality = application.municipality.name
    if municipality.lower().startswith("gmina "):
        municipality = municipality[len("gmina ") :]
    return (
        f"Dyrektor {centre_locative(application.centre)}, działający z upoważnienia organu wykonawczego "
        f"Gminy {municipality}"
    )


def signatory_post_for(actor: Any, application: Application) -> str:
    from cus.accounts.permissions import grants_for

    roles = {grant.role for grant in grants_for(actor)} if actor is not None else set()
    centre = centre_locative(application.centre)
    if Role.DIRECTOR in roles:
        return f"Dyrektor {centre}"
    for role in (Role.SERVICES_ORGANISER, Role.ASSISTANCE_ORGANISER):
        if role in roles:
            return f"{POSTS[role]} – z upoważnienia Dyrektora {centre}"
    return f"z upoważnienia Dyrektora {centre}"


def _party(person: Any) -> str:
    lines = [person.full_name]
    if person.address:
        lines.append(person.address)
    return ", ".join(lines)


def parties(application: Application) -> str:
    text = f"Strona: {_party(application.person)}"
    if application.applicant_id:
        relation = {
            "legal_representative": "przedstawiciel ustawowy",
            "de_facto_carer": "opiekun faktyczny",
        }.get(application.applicant_relation, "")
        text += f"\nWnioskodawca ({relation}): {_party(application.applicant)}"
    return text


def _service_name(application: Application) -> str:
    service = application.programme_service
    return (
        f"{quoted_name(service.service.name)} w ramach programu usług społecznych {quoted_name(service.programme.name)}"
    )


def quoted_name(name: str) -> str:
    """A name in Polish quotation marks; marks inside it become the secondary ones: „Klub «Pod Lipami»”."""
    return "„" + name.replace("„", "«").replace("”", "»").replace("“", "»") + "”"


def draft(
    application: Application, *, kind: str, actor: Any, facts: str, law: str, signatory_post: str
) -> dict[str, str]:
    """The parts of a decision as they are frozen in ``Decision``."""
    # Checked first, so that nothing is drafted for a decision that cannot be issued.
    appeal_to = appeal_body(application.centre)
    statutory = application.track == workflow.Track.STATUTORY
    filed = _date(timezone.localtime(application.filed_at).date())
    person = application.person.full_name
    service = _service_name(application)
    if statutory:
        basis = f"Na podstawie art. 106 ust. 1 i art. 50 {PS_ACT} w związku z art. 19 {CUS_ACT} oraz art. 104 {KPA}"
    else:
        basis = f"Na podstawie art. 42 ust. 3 {CUS_ACT} oraz art. 104 {KPA}"
    interview = (
        f" W dniu {_date(application.interview_on)} przeprowadzono rodzinny wywiad środowiskowy."
        if application.interview_on
        else ""
    )
    if kind == "refusal":
        operative = (
            f"odmawia się zakwalifikowania osoby: {person} do usługi społecznej {service}."
            if not statutory
            else f"odmawia się przyznania usługi {service} osobie: {person}."
        )
        facts_text = f"W dniu {filed} złożono wniosek (znak sprawy {application.reference}).{interview} {facts}".strip()
        law_text = law or (
            "Zgodnie z art. 106 ust. 1 ustawy o pomocy społecznej świadczenia przyznaje się w drodze decyzji "
            "administracyjnej, po przeprowadzeniu rodzinnego wywiadu środowiskowego (art. 106 ust. 4)."
            if statutory
            else "Zgodnie z art. 42 ust. 1–2 ustawy o realizowaniu usług społecznych przez centrum usług "
            "społecznych kwalifikowanie do usług społecznych odbywa się w oparciu o warunki i w trybie wynikającym "
            "z programu usług społecznych, z uwzględnieniem ograniczeń wynikających z budżetu programu. Zgodnie "
            "z art. 42 ust. 3 tej ustawy odmowa zakwalifikowania wymaga wydania decyzji administracyjnej."
        )
    else:
        fee = ""
        if application.fee_per_unit is not None:
            fee = (
                f" Ustala się odpłatność w wysokości {application.fee_per_unit} zł za jednostkę usługi, "
                f"tj. {application.fee_per_month} zł miesięcznie."
            )
        operative = f"przyznaje się usługę {service} osobie: {person}.{fee}"
        income = ""
        if application.income_per_person is not None:
            income = (
                f" Dochód na osobę w rodzinie wyniósł {application.income_per_person} zł, kryterium dochodowe "
                f"{application.criterion_amount or ''} zł."
            )
        facts_text = (
            f"W dniu {filed} złożono wniosek (znak sprawy {application.reference}).{interview}{income} {facts}".strip()
        )
        law_text = law or (
            "Zgodnie z art. 50 ustawy o pomocy społecznej usługi opiekuńcze przysługują osobie samotnej, która "
            "z powodu wieku, choroby lub innych przyczyn wymaga pomocy innych osób; odpłatność ustala się zgodnie "
            "z uchwałą rady gminy (art. 50 ust. 6)."
        )
    appeal = (
        f"Od niniejszej decyzji przysługuje stronie odwołanie do {appeal_to} "
        f"za pośrednictwem Dyrektora {centre_locative(application.centre)} w terminie 14 dni od dnia jej doręczenia. "
        "W trakcie biegu terminu do wniesienia odwołania strona może zrzec się prawa do wniesienia odwołania wobec "
        "organu, który wydał decyzję (art. 127a § 1 Kodeksu postępowania administracyjnego). Z dniem doręczenia "
        "oświadczenia o zrzeczeniu się prawa do wniesienia odwołania przez ostatnią ze stron decyzja staje się "
        "ostateczna i prawomocna (art. 127a § 2)."
    )
    recipients = [f"{application.person.full_name}"]
    if application.applicant_id:
        recipients.append(application.applicant.full_name)  # type: ignore[union-attr]
    recipients.append("a/a")
    name = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        name = actor.get_full_name() or actor.email
    suffix = "O" if kind == "refusal" else "P"
    return {
        "number": f"{application.reference}.{suffix}",
        "authority": authority(application),
        "parties": parties(application),
        "legal_basis": basis,
        "operative_part": operative,
        "justification_facts": facts_text,
        "justification_law": law_text,
        "appeal_instruction": appeal,
        "recipients": "\n".join(f"{i}. {r}" for i, r in enumerate(recipients, start=1)),
        "signatory_name": name or "—",
        "signatory_post": signatory_post or signatory_post_for(actor, application),
    }
