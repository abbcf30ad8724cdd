"""Writes of the residents app: one transaction per action, validated, audited (art. 50: who processed what, when)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cus.audit.services import record_access, record_create, record_delete, record_update, snapshot
from cus.core.collation import polish_sort_key
from cus.core.models import Centre, Municipality
from cus.residents import names
from cus.residents import pesel as pesel_rules
from cus.residents.models import (
    DEFAULT_ACCESS_PURPOSE,
    AccessPurpose,
    Consent,
    DisabilityCertificate,
    Household,
    HouseholdMember,
    IncomeDeclaration,
    InformationNotice,
    NoticeAcknowledgement,
    Person,
    Relation,
)

PERSON_FIELDS = frozenset(
    {
        "pesel",
        "document_type",
        "document_number",
        "document_country",
        "first_name",
        "second_name",
        "last_name",
        "birth_date",
        "sex",
        "citizenship",
        "street",
        "building",
        "flat",
        "postal_code",
        "town",
        "residence_municipality",
        "correspondence_address",
        "phone",
        "email",
        "notes",
    }
)


class LikelyDuplicateError(Exception):
    """Saving would create a probable second record of the same person; the worker must confirm it is not."""

    def __init__(self, candidates: list[Person]) -> None:
        super().__init__("likely duplicate")
        self.candidates = candidates


def _reject_unknown(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(unknown)}")


def centre_municipality_ids(municipality_id: int) -> list[int]:
    """The municipalities of the centre (or centres) serving ``municipality_id``: the scope of one register."""
    through = Centre.municipalities.through.objects
    centre_ids = through.filter(municipality_id=municipality_id).values("centre_id")
    ids = set(through.filter(centre_id__in=centre_ids).values_list("municipality_id", flat=True))
    ids.add(municipality_id)
    return sorted(ids)


def likely_duplicates(person: Person) -> list[Person]:
    """Persons of the same centre born the same day whose names are the same or near-identical.

    Only candidates with the same birth date are compared (an indexed lookup), so the check stays fast with
    hundreds of thousands of persons."""
    if not person.birth_date or not person.first_name or not person.last_name:
        return []
    candidates = (
        Person.objects.filter(
            municipality_id__in=centre_municipality_ids(person.municipality_id), birth_date=person.birth_date
        )
        .exclude(pk=person.pk)
        .order_by()
    )
    # Two different valid PESELs are two different persons, whatever their names.
    # No ORDER BY in SQL: it could make the planner walk the name index instead of the birth-date one.
    return [
        other
        for other in sorted(
            candidates, key=lambda p: (polish_sort_key(p.last_name), polish_sort_key(p.first_name), str(p.pk))
        )
        if not (person.pesel and other.pesel and person.pesel != other.pesel)
        and names.likely_same(person.first_name, person.last_name, other.first_name, other.last_name)
    ]


def _pesel_taken_error(existing: Person) -> ValidationError:
    return ValidationError(
        {
            "pesel": ValidationError(
                _("A person with this PESEL is already registered: %(name)s (record %(id)s).")
                % {"name": existing.full_name, "id": existing.pk},
                code="pesel_taken",
                params={"existing_id": str(existing.pk)},
            )
        }
    )


def existing_with_pesel(person: Person) -> Person | None:
    if not person.pesel:
        return None
    return (
        Person.objects.filter(municipality_id__in=centre_municipality_ids(person.municipality_id), pesel=person.pesel)
        .exclude(pk=person.pk)
        .first()
    )


def _derive_from_pesel(person: Person) -> None:
    """The birth date and sex follow from a valid PESEL (DOMAIN.md "PESEL")."""
    if person.pesel == "":
        person.pesel = None
    if person.pesel and pesel_rules.is_valid(person.pesel):
        parsed = pesel_rules.parse(person.pesel)
        person.birth_date, person.sex = parsed.birth_date, parsed.sex


def _check_and_save(person: Person, *, confirm_not_duplicate: bool) -> None:
    _derive_from_pesel(person)
    person.full_clean(validate_unique=False, validate_constraints=False)
    # The same PESEL twice in one centre is impossible (a database constraint per municipality backs this up).
    existing = existing_with_pesel(person)
    if existing is not None:
        raise _pesel_taken_error(existing)
    if not person.pesel:
        same_document = (
            Person.objects.filter(
                municipality_id__in=centre_municipality_ids(person.municipality_id),
                pesel__isnull=True,
                document_type=person.document_type,
                document_number=person.document_number,
                document_country=person.document_country,
            )
            .exclude(pk=person.pk)
            .first()
        )
        if same_document is not None:
            raise ValidationError(
                {
                    "document_number": ValidationError(
                        _("A person with this identity document is already registered: %(name)s (record %(id)s).")
                        % {"name": same_document.full_name, "id": same_document.pk},
                        code="document_taken",
                    )
                }
            )
    if not confirm_not_duplicate:
        candidates = likely_duplicates(person)
        if candidates:
            raise LikelyDuplicateError(candidates)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent save of the same PESEL
        raise ValidationError({"pesel": _("A person with this PESEL or document is already registered.")}) from exc


@transaction.atomic
def person_create(
    *, actor: Any, municipality: Municipality, confirm_not_duplicate: bool = False, **fields: Any
) -> Person:
    _reject_unknown(fields, PERSON_FIELDS)
    person = Person(municipality=municipality, **fields)
    _check_and_save(person, confirm_not_duplicate=confirm_not_duplicate)
    record_create(actor=actor, instance=person)
    return person


@transaction.atomic
def person_update(*, actor: Any, person: Person, confirm_not_duplicate: bool = False, **changes: Any) -> Person:
    _reject_unknown(changes, PERSON_FIELDS)
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person)
    identity_before = (person.first_name, person.last_name, person.birth_date)
    for name, value in changes.items():
        setattr(person, name, value)
    if changes.get("pesel"):
        # A PESEL replaces the foreign document as the identifier.
        person.document_type, person.document_number, person.document_country = "", "", ""
    _derive_from_pesel(person)
    person.full_clean(validate_unique=False, validate_constraints=False)
    # Only a change of name or birth date can make a new likely duplicate.
    unchanged = identity_before == (person.first_name, person.last_name, person.birth_date)
    _check_and_save(person, confirm_not_duplicate=confirm_not_duplicate or unchanged)
    record_update(actor=actor, instance=person, before=before)
    return person


def person_record_access(*, actor: Any, person: Person, purpose: str | None) -> AccessPurpose:
    """Write the read of a person's record with the purpose the worker chose (art. 50; default when none)."""
    chosen = AccessPurpose(purpose) if purpose in AccessPurpose.values else DEFAULT_ACCESS_PURPOSE
    record_access(actor=actor, instance=person, purpose=chosen.label)
    return chosen


# --- households ------------------------------------------------------------------------------------------------


def _open_membership(person: Person) -> HouseholdMember | None:
    return HouseholdMember.objects.filter(person=person, valid_to__isnull=True).select_related("household").first()


def _check_membership(member: HouseholdMember) -> None:
    member.full_clean(validate_unique=False, validate_constraints=False)
    if member.person.municipality_id not in centre_municipality_ids(member.household.municipality_id):
        raise ValidationError({"person": _("The person is registered in another centre.")})
    others = HouseholdMember.objects.filter(person=member.person).exclude(pk=member.pk)
    for other in others.select_related("household"):
        # A person lives in one household at a time: periods may not overlap.
        ends = other.valid_to or datetime.date.max
        member_ends = member.valid_to or datetime.date.max
        if other.valid_from <= member_ends and member.valid_from <= ends:
            raise ValidationError(
                {
                    "person": ValidationError(
                        _("%(name)s already belongs to another household in this period (%(household)s).")
                        % {"name": member.person.full_name, "household": other.household},
                        code="other_household",
                    )
                }
            )
    if member.relation == Relation.APPLICANT and member.valid_to is None:
        taken = HouseholdMember.objects.filter(
            household=member.household, relation=Relation.APPLICANT, valid_to__isnull=True
        ).exclude(pk=member.pk)
        if taken.exists():
            raise ValidationError({"relation": _("The household already has an applicant.")})


@transaction.atomic
def household_create(
    *, actor: Any, applicant: Person, valid_from: datetime.date | None = None, notes: str = ""
) -> Household:
    household = Household(municipality_id=applicant.municipality_id, notes=notes)
    household.full_clean()
    household.save()
    member = HouseholdMember(
        household=household,
        person=applicant,
        relation=Relation.APPLICANT,
        valid_from=valid_from or timezone.localdate(),
    )
    _check_membership(member)
    member.save()
    record_create(actor=actor, instance=household)
    record_create(actor=actor, instance=member)
    return household


@transaction.atomic
def member_add(
    *,
    actor: Any,
    household: Household,
    person: Person,
    relation: str,
    valid_from: datetime.date | None = None,
) -> HouseholdMember:
    member = HouseholdMember(
        household=household, person=person, relation=relation, valid_from=valid_from or timezone.localdate()
    )
    _check_membership(member)
    member.save()
    record_create(actor=actor, instance=member)
    return member


@transaction.atomic
def member_end(*, actor: Any, member: HouseholdMember, valid_to: datetime.date) -> HouseholdMember:
    member = HouseholdMember.objects.select_for_update().select_related("person", "household").get(pk=member.pk)
    if member.valid_to is not None:
        raise ValidationError({"valid_to": _("This membership has already ended.")})
    before = snapshot(member)
    member.valid_to = valid_to
    _check_membership(member)
    member.save(update_fields=["valid_to"])
    record_update(actor=actor, instance=member, before=before)
    return member


# --- income ----------------------------------------------------------------------------------------------------


@transaction.atomic
def income_declare(
    *,
    actor: Any,
    member: HouseholdMember,
    month: datetime.date,
    net_amount: Any,
    source: str,
    declared_on: datetime.date | None = None,
    document_note: str = "",
) -> IncomeDeclaration:
    income = IncomeDeclaration(
        member=member,
        month=month.replace(day=1) if month else month,
        net_amount=net_amount,
        source=source,
        declared_on=declared_on or timezone.localdate(),
        document_note=document_note,
    )
    _check_amount(income.net_amount)
    income.full_clean(validate_constraints=False, validate_unique=False)
    month_end = _month_end(income.month)
    if member.valid_from > month_end or (member.valid_to is not None and member.valid_to < income.month):
        raise ValidationError({"month": _("The person was not a member of the household in this month.")})
    if IncomeDeclaration.objects.filter(member=member, month=income.month, source=income.source).exists():
        raise ValidationError(
            {"source": _("Income from this source in this month is already declared for this person.")}
        )
    income.save()
    record_create(actor=actor, instance=income)
    return income


def _check_amount(net_amount: Any) -> None:
    # PS art. 8 ust. 3–4: income is counted net; a loss (e.g. of a business) does not lower the household's income.
    try:
        negative = net_amount is not None and Decimal(str(net_amount)) < 0
    except (InvalidOperation, ValueError):
        return  # full_clean names the wrong number
    if negative:
        raise ValidationError(
            {
                "net_amount": ValidationError(
                    _(
                        "The net income cannot be negative. Enter 0 if the person had no income from this source: a "
                        "loss does not lower the household's income."
                    ),
                    code="negative_income",
                )
            }
        )


def _check_reason(reason: str, *, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Give the reason: it is kept with the change in the audit trail."), code="required"
                )
            }
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Keep the reason under %(limit)s characters.") % {"limit": REASON_MAX_LENGTH}, code="max_length"
                )
            }
        )
    return reason


REASON_MAX_LENGTH = 500
INCOME_CORRECTABLE = frozenset({"net_amount", "source", "document_note"})


def applications_using_income(income: IncomeDeclaration) -> list[Any]:
    """Applications whose fee was computed (and frozen) from the household's income of this declaration's month.

    They keep their frozen figures when the declaration is corrected or removed; the audit entry names them so the
    link stays traceable. Looked up by name: the register does not depend on the qualification app."""
    try:
        application_model = apps.get_model("qualification", "Application")
    except LookupError:
        return []
    return list(
        application_model.objects.filter(
            person__memberships__household_id=income.member.household_id,
            income_month=income.month,
            fee_computed_at__isnull=False,
        )
        .distinct()
        .order_by("filed_at", "pk")
    )


def _income_message(reason: str, income: IncomeDeclaration) -> str:
    used = applications_using_income(income)
    if not used:
        return reason
    references = ", ".join(str(a.reference) for a in used)
    # Written in the installation's language, like the purposes of reads, whatever the worker's screen shows.
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Used for the frozen fee of: %(references)s; those applications keep their figures.") % {
            "references": references
        }
    return f"{reason}\n{note}"


def _lock_income(income: IncomeDeclaration) -> IncomeDeclaration:
    return (
        IncomeDeclaration.objects.select_for_update()
        .select_related("member__person", "member__household")
        .get(pk=income.pk)
    )


@transaction.atomic
def income_correct(*, actor: Any, income: IncomeDeclaration, reason: str, **changes: Any) -> IncomeDeclaration:
    """Correct the amount, the source or the supporting document of a declaration, with the reason (kept on the row
    and, with the figures before and after, in the audit trail). Qualified applications keep their frozen fee."""
    _reject_unknown(changes, INCOME_CORRECTABLE)
    reason = _check_reason(reason)
    income = _lock_income(income)
    before = snapshot(income)
    original = {name: getattr(income, name) for name in INCOME_CORRECTABLE}
    if "net_amount" in changes:
        _check_amount(changes["net_amount"])
    for name, value in changes.items():
        setattr(income, name, value)
    income.full_clean(validate_constraints=False, validate_unique=False)
    if all(getattr(income, name) == value for name, value in original.items()):
        raise ValidationError(
            _("Nothing was changed: change the amount, the source or the supporting document, or cancel.")
        )
    if (
        IncomeDeclaration.objects.filter(member=income.member, month=income.month, source=income.source)
        .exclude(pk=income.pk)
        .exists()
    ):
        raise ValidationError(
            {"source": _("Income from this source in this month is already declared for this person.")}
        )
    income.corrected_at = timezone.now()
    income.correction_reason = reason
    income.save(update_fields=[*changes, "corrected_at", "correction_reason"])
    record_update(actor=actor, instance=income, before=before, message=_income_message(reason, income))
    return income


@transaction.atomic
def income_remove(*, actor: Any, income: IncomeDeclaration, reason: str) -> None:
    """Remove a declaration entered in error, with the reason; the audit entry keeps everything it said."""
    reason = _check_reason(reason)
    income = _lock_income(income)
    before = snapshot(income)
    message = _income_message(reason, income)
    # The audit entry is written first, while the row still exists (its tenant and person come from it).
    record_delete(actor=actor, instance=income, before=before, message=message)
    income.delete()


def _month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


# --- certificates ----------------------------------------------------------------------------------------------

CERTIFICATE_FIELDS = frozenset({"kind", "degree", "number", "issuing_body", "issued_on", "valid_until", "permanent"})


@transaction.atomic
def certificate_add(*, actor: Any, person: Person, **fields: Any) -> DisabilityCertificate:
    _reject_unknown(fields, CERTIFICATE_FIELDS)
    certificate = DisabilityCertificate(person=person, **fields)
    certificate.full_clean()
    certificate.save()
    record_create(actor=actor, instance=certificate)
    return certificate


# --- consents and the information notice ---------------------------------------------------------------------

DEFAULT_NOTICE_TITLE = gettext_lazy("Information on the processing of personal data")
DEFAULT_NOTICE_TEXT = gettext_lazy(
    "1. The controller of your personal data is %(centre)s, %(address)s.\n"
    "2. You can contact the data protection officer at the centre's address or by e-mail: %(email)s.\n"
    "3. We process your data to carry out the tasks of the centre of social services under the act of 19 July 2019 "
    "on the provision of social services by a centre of social services (GDPR art. 6(1)(c) and (e), and art. 9(2)(b) "
    "and (g) for data on health and disability), and, where you agreed to it, for the purposes you consented to "
    "(art. 6(1)(a)).\n"
    "4. Your data may be disclosed only to bodies entitled by law and to the providers delivering the services you "
    "receive, in the scope they need.\n"
    "5. We keep your data for 10 years after the last benefit or service, and for 1 year in the case of a refused "
    "or unexamined application, unless a law requires longer.\n"
    "6. You have the right to access your data, to have it corrected, to restrict its processing and to object; "
    "you may withdraw a consent at any time without affecting what was done before.\n"
    "7. You may lodge a complaint with the President of the Personal Data Protection Office (PUODO).\n"
    "8. Giving the data is a statutory requirement for the services you apply for; without it we cannot handle the "
    "application. Your data is not used for automated decision-making."
)


@transaction.atomic
def notice_ensure_default(*, centre: Centre) -> InformationNotice:
    """The centre's notice in force; a centre that has none gets the default text as version 1."""
    current = InformationNotice.objects.filter(centre=centre).order_by("-version").first()
    if current is not None:
        return current
    address = f"{centre.street_address}, {centre.postal_code} {centre.city}"
    notice = InformationNotice(
        centre=centre,
        version=1,
        title=str(DEFAULT_NOTICE_TITLE),
        text=str(DEFAULT_NOTICE_TEXT) % {"centre": centre.name, "address": address, "email": centre.email or "—"},
    )
    notice.full_clean()
    notice.save()
    record_create(actor=None, instance=notice, message="default notice")
    return notice


@transaction.atomic
def notice_publish(*, actor: Any, centre: Centre, title: str, text: str) -> InformationNotice:
    Centre.objects.select_for_update().filter(pk=centre.pk).first()
    latest = InformationNotice.objects.filter(centre=centre).aggregate(v=Max("version"))["v"] or 0
    notice = InformationNotice(centre=centre, version=latest + 1, title=title, text=text)
    notice.full_clean()
    notice.save()
    record_create(actor=actor, instance=notice)
    return notice


def centre_of(person: Person) -> Centre:
    centre = Centre.objects.filter(municipalities=person.municipality_id).order_by("pk").first()
    if centre is None:
        raise ValidationError(_("The person's municipality is not served by any centre."))
    return centre


@transaction.atomic
def notice_acknowledge(
    *, actor: Any, person: Person, form: str, given_at: datetime.datetime | None = None
) -> NoticeAcknowledgement:
    notice = notice_ensure_default(centre=centre_of(person))
    acknowledgement = NoticeAcknowledgement(
        person=person,
        notice=notice,
        form=form,
        given_at=given_at or timezone.now(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    acknowledgement.full_clean()
    if acknowledgement.given_at > timezone.now():
        raise ValidationError({"given_at": _("The date cannot be in the future.")})
    acknowledgement.save()
    record_create(actor=actor, instance=acknowledgement)
    return acknowledgement


@transaction.atomic
def consent_give(
    *, actor: Any, person: Person, purpose: str, form: str, given_at: datetime.datetime | None = None
) -> Consent:
    consent = Consent(
        person=person,
        purpose=purpose,
        form=form,
        given_at=given_at or timezone.now(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    consent.full_clean(validate_constraints=False)
    if consent.given_at > timezone.now():
        raise ValidationError({"given_at": _("The date cannot be in the future.")})
    if Consent.objects.filter(person=person, purpose=purpose, withdrawn_at__isnull=True).exists():
        raise ValidationError({"purpose": _("The person has already given this consent and not withdrawn it.")})
    consent.save()
    record_create(actor=actor, instance=consent)
    return consent


@transaction.atomic
def consent_withdraw(*, actor: Any, consent: Consent, withdrawn_at: datetime.datetime | None = None) -> Consent:
    consent = Consent.objects.select_for_update().select_related("person").get(pk=consent.pk)
    if consent.withdrawn_at is not None:
        raise ValidationError({"withdrawn_at": _("This consent has already been withdrawn.")})
    before = snapshot(consent)
    consent.withdrawn_at = withdrawn_at or timezone.now()
    if consent.withdrawn_at < consent.given_at:
        raise ValidationError({"withdrawn_at": _("A consent cannot be withdrawn before it was given.")})
    consent.save(update_fields=["withdrawn_at"])
    record_update(actor=actor, instance=consent, before=before)
    return consent
