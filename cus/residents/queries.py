"""Reads of the residents app shared by the screens and the API: lists, a household's income, the access log."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connections, router, transaction
from django.db.models import CharField, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from cus.audit.models import AuditEntry
from cus.audit.services import snapshot
from cus.core.collation import Alphabetical, sort_keys
from cus.core.lookups import array_parameter
from cus.residents.models import (
    Household,
    HouseholdMember,
    IncomeDeclaration,
    Person,
)
from cus.residents.names import normalise

PERSON_SORTS = {
    "name": ("last_name", "first_name", "birth_date"),
    "birth_date": ("birth_date", "last_name", "first_name"),
    "created": ("created_at",),
}
GROSZ = Decimal("0.01")
# Up to this many members, a household income read looks their declarations up by member id.
FEW_MEMBERS = 50


def persons_for(
    user: Any,
    *,
    q: str = "",
    pesel: str = "",
    birth_date: datetime.date | None = None,
    sort: str = "name",
) -> QuerySet[Person]:
    """Persons the user may read: surname or first-name prefix (``q``; "Kow An" matches surname and first name),
    PESEL exact, birth date; sorted by a key of ``PERSON_SORTS``, ``-`` for descending."""
    persons = Person.objects.restrict(user, "view")
    words = q.split()[:3]
    if len(words) == 1:
        word = words[0]
        if word.isdigit() and len(word) == 11:
            persons = persons.filter(pesel=word)
        elif key := normalise(word):
            persons = persons.filter(Q(last_name_key__startswith=key) | Q(first_name_key__startswith=key))
    elif len(words) >= 2:
        first, second = normalise(words[0]), normalise(words[1])
        persons = persons.filter(
            Q(last_name_key__startswith=first, first_name_key__startswith=second)
            | Q(first_name_key__startswith=first, last_name_key__startswith=second)
        )
    if pesel:
        persons = persons.filter(pesel=pesel.strip())
    if birth_date:
        persons = persons.filter(birth_date=birth_date)
    key = sort.removeprefix("-")
    order = sort_keys(
        Person, PERSON_SORTS.get(key, PERSON_SORTS["name"]), descending=sort.startswith("-") and key in PERSON_SORTS
    )
    return persons.select_related("municipality").order_by(*order, "pk")


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def previous_months(count: int, today: datetime.date | None = None) -> list[datetime.date]:
    """The first days of the ``count`` months before the current one, most recent first."""
    month = month_start(today or timezone.localdate())
    months = []
    for _i in range(count):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months


def members_in_month(household: Household, month: datetime.date) -> QuerySet[HouseholdMember]:
    """Members who belonged to the household at any day of ``month``."""
    start, end = month_start(month), month_end(month)
    return household.members.filter(Q(valid_from__lte=end), Q(valid_to__isnull=True) | Q(valid_to__gte=start))


@dataclass(frozen=True)
class HouseholdIncome:
    """A household's income in a month (PS art. 8 ust. 3–4): the sum over members and the income per person."""

    month: datetime.date
    members: int
    total: Decimal
    per_person: Decimal
    single_person: bool
    missing: tuple[str, ...]  # members without any declaration for the month


def household_income(household: Household, month: datetime.date) -> HouseholdIncome:
    month = month_start(month)
    members = list(members_in_month(household, month).select_related("person"))
    sums = dict(
        IncomeDeclaration.objects.filter(member__in=members, month=month)
        .values_list("member")
        .annotate(total=Sum("net_amount"))
        .values_list("member", "total")
    )
    names = {m.pk: m.person.full_name for m in members}
    return _income(month, [m.pk for m in members], sums, names.__getitem__)


def _income(
    month: datetime.date, member_ids: list[Any], sums: dict[Any, Any], name_of: Callable[[Any], str]
) -> HouseholdIncome:
    """The income of the members (ids in membership order) from the sums of their declarations for ``month``;
    ``name_of`` gives the name of a member who declared nothing."""
    total = sum((sums.get(pk) or Decimal(0) for pk in member_ids), Decimal(0))
    return _income_of(month, len(member_ids), total, tuple(name_of(pk) for pk in member_ids if pk not in sums))


def _income_of(month: datetime.date, count: int, total: Decimal, missing: tuple[str, ...]) -> HouseholdIncome:
    per_person = (total / count).quantize(GROSZ, rounding=ROUND_HALF_UP) if count else Decimal("0.00")
    return HouseholdIncome(
        month=month,
        members=count,
        total=total.quantize(GROSZ, rounding=ROUND_HALF_UP),
        per_person=per_person,
        single_person=count == 1,
        missing=missing,
    )


def household_incomes(wanted: Iterable[tuple[Any, datetime.date]]) -> dict[tuple[Any, datetime.date], HouseholdIncome]:
    """``household_income`` of many (household id, month) pairs at once, in two queries whatever their number
    (the members of the households, the sums of their declarations for the months; a third one for the names of
    members who declared nothing): the same results as ``household_income`` pair by pair, for work on batches such
    as the recalculation of fees.

    The members' ids are only keys here: they are read as text (as the database spells them), which spares building
    a UUID object for each of the thousands of values of a batch."""
    pairs = {(household_id, month_start(month)) for household_id, month in wanted}
    if not pairs:
        return {}
    household_ids = {household_id for household_id, _month in pairs}
    months = {month for _household_id, month in pairs}
    first, last = min(months), month_end(max(months))
    # The households as the caller names them, by their text as the database spells it (one UUID each).
    household_of_key: dict[str, Any] = {}
    members_of: dict[Any, list[tuple[str, datetime.date, datetime.date | None]]] = {}
    rows = (
        HouseholdMember.objects.filter(household_id__in_array=household_ids, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        .annotate(household_key=Cast("household_id", CharField()), member_key=Cast("id", CharField()))
        .order_by("valid_from", "id")  # the members' default ordering, as household.members gives them
        .values_list("household_key", "member_key", "valid_from", "valid_to")
    )
    for household_key, member_key, valid_from, valid_to in rows:
        household_id = household_of_key.get(household_key)
        if household_id is None:
            household_id = household_of_key[household_key] = uuid.UUID(household_key)
        members_of.setdefault(household_id, []).append((member_key, valid_from, valid_to))
    month_ends = {month: month_end(month) for month in months}
    in_month = {
        (household_id, month): [
            member_key
            for member_key, valid_from, valid_to in members_of.get(household_id, [])
            if valid_from <= month_ends[month] and (valid_to is None or valid_to >= month)
        ]
        for household_id, month in pairs
    }
    # The sums of the declarations of the members for the months asked about. A few members (a person's page): by
    # their ids. Many (a batch): one SELECT per month joined by UNION ALL, so each arm is an index lookup by member
    # and month (one WHERE with an OR per month made PostgreSQL scan every declaration, and a join let SQLite walk
    # the whole month); SQLite chooses the members by a subquery on their households, PostgreSQL gets their ids.
    arms = _declaration_arms(pairs, in_month, months)
    sums: dict[datetime.date, dict[str, Any]] = {month: {} for month in months}
    sums_by_arm = [
        arm.values_list("member_id", "month")
        .annotate(total=Sum("net_amount"), member_key=Cast("member_id", CharField()))
        .values_list("member_key", "month", "total")
        .order_by()
        for arm in arms
    ]
    declared = sums_by_arm[0].union(*sums_by_arm[1:], all=True).order_by() if len(arms) > 1 else sums_by_arm[0]
    for member_key, month, total in declared:
        sums[month][member_key] = total
    silent = {key for (_household_id, month), keys in in_month.items() for key in keys if key not in sums[month]}
    names: dict[str, str] = {}
    if silent:
        for member in (
            HouseholdMember.objects.filter(pk__in_array=[uuid.UUID(key) for key in silent])
            .annotate(member_key=Cast("id", CharField()))
            .select_related("person")
        ):
            names[member.member_key] = member.person.full_name
    incomes = {}
    for (household_id, month), keys in in_month.items():
        month_sums = sums[month]
        incomes[(household_id, month)] = _income(
            month, keys, {key: month_sums[key] for key in keys if key in month_sums}, names.__getitem__
        )
    return incomes


def _declaration_arms(
    pairs: set[tuple[Any, datetime.date]],
    in_month: dict[tuple[Any, datetime.date], list[str]],
    months: set[datetime.date],
) -> list[QuerySet[IncomeDeclaration]]:
    """The declarations to sum for ``household_incomes``, as one or more querysets to join by UNION ALL."""
    member_keys = {key for keys in in_month.values() for key in keys}
    if len(member_keys) <= FEW_MEMBERS:
        ids = [uuid.UUID(key) for key in member_keys]
        return [IncomeDeclaration.objects.filter(member_id__in=ids, month__in=months)]
    if connections[router.db_for_read(IncomeDeclaration)].vendor == "postgresql":
        # PostgreSQL plans a subquery arm as a scan of the whole month: the members' ids are sent instead.
        members_by_month: dict[datetime.date, set[str]] = {month: set() for month in months}
        for (_household_id, month), keys in in_month.items():
            members_by_month[month].update(keys)
        return [
            IncomeDeclaration.objects.filter(month=month, member_id__in_array=[uuid.UUID(key) for key in keys])
            for month, keys in sorted(members_by_month.items())
            if keys
        ]
    households_by_month: dict[datetime.date, set[Any]] = {month: set() for month in months}
    for household_id, month in pairs:
        households_by_month[month].add(household_id)
    return [
        IncomeDeclaration.objects.filter(
            month=month,
            member_id__in=HouseholdMember.objects.filter(household_id__in_array=month_households).values("pk"),
        )
        for month, month_households in sorted(households_by_month.items())
    ]


def current_memberships(person_ids: Iterable[Any]) -> dict[Any, HouseholdMember]:
    """``current_membership`` of many persons in one query: person id → open membership (with the household)."""
    return {
        m.person_id: m
        for m in HouseholdMember.objects.filter(person_id__in=set(person_ids), valid_to__isnull=True).select_related(
            "household"
        )
    }


# The sums of ``current_household_incomes``: for each wanted (position, person, month, last day of the month), the
# person's household now, its members in that month, how many of them declared an income for it, and the total.
# The wanted list is one parameter (a JSON array on SQLite, arrays on PostgreSQL); each member's declarations are
# summed by the index on (member, month, source).
_INCOMES_SQL = """
WITH wanted AS ({wanted}),
member_sums AS MATERIALIZED (
    SELECT wanted.position, open_member.household_id AS household, member.id AS member,
           (SELECT SUM(declaration.net_amount) FROM {declaration} declaration
            WHERE declaration.member_id = member.id AND declaration.month = wanted.month) AS total
    FROM wanted
    LEFT JOIN {member} open_member ON open_member.person_id = wanted.person AND open_member.valid_to IS NULL
    LEFT JOIN {member} member ON member.household_id = open_member.household_id
        AND member.valid_from <= wanted.month_end AND (member.valid_to IS NULL OR member.valid_to >= wanted.month)
)
SELECT position, household, COUNT(member), COUNT(total), SUM(total) FROM member_sums GROUP BY position, household
"""
_WANTED_SQL = {
    "sqlite": "SELECT json_extract(value, '$[0]') AS position, json_extract(value, '$[1]') AS person, "
    "json_extract(value, '$[2]') AS month, json_extract(value, '$[3]') AS month_end FROM json_each(%s)",
    "postgresql": "SELECT * FROM unnest(%s::integer[], %s::uuid[], %s::date[], %s::date[]) "
    "AS wanted(position, person, month, month_end)",
}


def _probing_indexes(connection: Any, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of a statement that looks up a few thousand keys one by one. PostgreSQL's default cost of reading a
    page at random (4, for a spinning disk) prices 2,000 probes of the members' indexes above reading and hashing
    all 200,000 members of a city; at 1.1 (PostgreSQL's advice for data on SSD or in memory) it probes: a batch of
    the recalculation 84 → 39 ms. The cost is set for this statement only (``SET LOCAL`` inside a savepoint,
    then back to the session's value)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        cursor.execute("SET LOCAL random_page_cost TO DEFAULT")
    return rows


def current_household_incomes(
    wanted: Sequence[tuple[Any, datetime.date]],
) -> list[tuple[Any, HouseholdIncome | None]]:
    """For each (person id, month): the id of the household the person belongs to now and its ``household_income``
    for the month, or (None, None) for a person in no household; in one query for any number of persons (for work
    on batches, such as the recalculation of fees). The households where a member declared nothing for the month
    are read again by ``household_incomes``, which names the members."""
    connection = connections[router.db_for_read(HouseholdMember)]
    vendor = connection.vendor  # SQLite or PostgreSQL
    months = [month_start(month) for _person, month in wanted]
    ends = {month: month_end(month) for month in set(months)}
    quote = connection.ops.quote_name
    sql = _INCOMES_SQL.format(
        wanted=_WANTED_SQL[vendor],
        member=quote(HouseholdMember._meta.db_table),
        declaration=quote(IncomeDeclaration._meta.db_table),
    )
    person_field = HouseholdMember._meta.get_field("person")
    if vendor == "postgresql":
        params: list[Any] = [
            array_parameter(range(len(wanted))),
            array_parameter(p for p, _m in wanted),
            array_parameter(months),
            array_parameter(ends[m] for m in months),
        ]
    else:
        params = [
            json.dumps(
                [
                    [
                        position,
                        person_field.get_db_prep_value(person, connection),
                        month.isoformat(),
                        ends[month].isoformat(),
                    ]
                    for position, ((person, _m), month) in enumerate(zip(wanted, months, strict=True))
                ]
            )
        ]
    household_field = HouseholdMember._meta.get_field("household").target_field
    result: list[tuple[Any, HouseholdIncome | None]] = [(None, None)] * len(wanted)
    incomplete: dict[int, Any] = {}
    for position, household_key, members, declared, total in _probing_indexes(connection, sql, params):
        if household_key is None:
            continue
        household = household_field.to_python(household_key)
        if declared < members:
            incomplete[position] = household
            continue
        summed = Decimal(0) if total is None else Decimal(str(total))
        result[position] = (household, _income_of(months[position], members, summed, ()))
    if incomplete:
        named = household_incomes((household, months[position]) for position, household in incomplete.items())
        for position, household in incomplete.items():
            result[position] = (household, named[(household, months[position])])
    return result


def current_membership(person: Person) -> HouseholdMember | None:
    return HouseholdMember.objects.filter(person=person, valid_to__isnull=True).select_related("household").first()


def household_members(household: Household) -> QuerySet[HouseholdMember]:
    return household.members.select_related("person").order_by(
        "valid_to", "valid_from", Alphabetical("person__last_name")
    )


def person_access_log(person: Person) -> QuerySet[AuditEntry]:
    """Who read or changed the person's record and related rows (household, income, certificates, consents)."""
    return AuditEntry.objects.filter(person_type=person._meta.label_lower, person_id=str(person.pk)).order_by(
        "-timestamp", "-id"
    )


def person_export(person: Person) -> dict[str, Any]:
    """Everything the centre keeps about the person (GDPR art. 15 and 20), as JSON-ready data."""
    memberships = list(person.memberships.select_related("household").order_by("valid_from"))
    return {
        "person": snapshot(person),
        "households": [
            {
                "membership": snapshot(m),
                "income": [snapshot(i) for i in m.incomes.order_by("month", "source")],
            }
            for m in memberships
        ],
        "disability_certificates": [snapshot(c) for c in person.certificates.order_by("issued_on")],
        "consents": [snapshot(c) for c in person.consents.order_by("given_at")],
        "notices_acknowledged": [
            {**snapshot(a), "notice_version": a.notice.version, "notice_title": a.notice.title}
            for a in person.acknowledgements.select_related("notice").order_by("given_at")
        ],
        "processing_log": [
            {
                "time": entry.timestamp.isoformat(),
                "action": entry.action,
                "by": entry.actor_label,
                "object": entry.object_repr,
                "purpose": entry.purpose,
            }
            for entry in person_access_log(person)[:5000]
        ],
    }
