"""PDF documents of an application, in Polish whatever the interface language: the decision (KPA art. 107) and the
letters for the outcomes that are not decisions (qualification notice with the fee, request for documents, waiting
list notice)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone, translation

from cus.core.pdf import render_pdf
from cus.qualification.applications import Application, Decision, State
from cus.qualification.decisions import quoted_name

LETTER_TITLES = {
    "qualification": "Informacja o zakwalifikowaniu do usługi społecznej",
    "documents": "Wezwanie do uzupełnienia braków wniosku",
    "waiting": "Informacja o wpisaniu na listę oczekujących",
}
# The qualification notice exists once qualified (and stays after the service ends).
QUALIFIED_STATES = frozenset({State.QUALIFIED, State.RESIGNED, State.ENDED})


def letters_available(application: Application) -> list[str]:
    kinds = []
    # On the statutory track the grant is a decision (PS art. 106), which carries the fee itself.
    if application.state in QUALIFIED_STATES and application.fee_computed_at and application.track == "programme":
        kinds.append("qualification")
    if application.documents_deadline:
        kinds.append("documents")
    if application.state == State.WAITING:
        kinds.append("waiting")
    return kinds


def _addressee(application: Application) -> list[str]:
    person = application.filer
    lines = [person.full_name]
    if person.correspondence_address:
        lines.extend(person.correspondence_address.splitlines())
    else:
        street = " ".join(p for p in (person.street, person.building) if p)
        if person.flat:
            street = f"{street}/{person.flat}"
        if street:
            lines.append(street)
        if person.postal_code or person.town:
            lines.append(f"{person.postal_code} {person.town}".strip())
    return lines


def _base(application: Application, title: str, issued_on: Any) -> dict[str, Any]:
    return {
        "application": application,
        "centre": application.centre,
        "issued_on": issued_on,
        "reference": application.reference,
        "addressee_lines": _addressee(application),
        "title": title,
        "author": application.centre.name,
        "subject": f"{title} — {application.reference}",
        "footer_left": f"{application.reference} — {title}",
        "service_name": quoted_name(application.programme_service.service.name),
        "programme_name": quoted_name(application.programme_service.programme.name),
        # Polish verbs agree with the person's sex (known from the PESEL or the record).
        "qualified_phrase": "została zakwalifikowana" if application.person.sex == "F" else "został zakwalifikowany",
    }


def decision_pdf(decision: Decision) -> bytes:
    application = decision.application
    title = f"Decyzja nr {decision.number}"
    with translation.override("pl"):
        return render_pdf(
            "qualification/pdf/decision.html",
            {**_base(application, title, decision.issued_on), "decision": decision},
        )


def waiting_position(application: Application) -> int:
    from cus.qualification.application_services import waiting_list

    ids = list(waiting_list(application.programme_service).values_list("pk", flat=True))
    return ids.index(application.pk) + 1 if application.pk in ids else 0


def letter_pdf(application: Application, kind: str, *, signatory: str = "") -> bytes:
    title = LETTER_TITLES[kind]
    context = {**_base(application, title, timezone.localdate()), "kind": kind, "signatory": signatory}
    if kind == "waiting":
        context["position"] = waiting_position(application)
    with translation.override("pl"):
        return render_pdf("qualification/pdf/letter.html", context)
