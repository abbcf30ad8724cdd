"""Model rules and the service functions: criteria periods, one table in force per scope, bands checked row by row,
audit entries, and nothing saved on bad input."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cus.audit.models import AuditAction, AuditEntry
from cus.catalog.tests.factories import ServiceFactory
from cus.qualification import services
from cus.qualification.demo import build as build_demo
from cus.qualification.demo import care_bands
from cus.qualification.models import (
    BandsInvalid,
    FeeBand,
    FeeScope,
    FeeTable,
    FeeTableStatus,
    IncomeCriterion,
    criterion_on,
)
from cus.qualification.tests.factories import FeeTableFactory

pytestmark = pytest.mark.django_db
D = Decimal


def table_fields(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Usługi opiekuńcze",
        "scope": FeeScope.CARE,
        "resolution_number": "XV/112/2024",
        "resolution_date": datetime.date(2024, 11, 28),
        "unit": "hour",
        "valid_from": datetime.date(2025, 1, 1),
        "status": FeeTableStatus.IN_FORCE,
        **extra,
    }


class TestCriteria:
    def test_the_migration_preloads_both_criteria(self) -> None:
        old = criterion_on(datetime.date(2024, 12, 31))
        new = criterion_on(datetime.date(2025, 1, 1))
        assert old is not None and new is not None
        assert (old.single_person, old.per_person_in_family, old.legal_basis) == (
            D("776.00"),
            D("600.00"),
            "Dz.U. 2021 poz. 1296",
        )
        assert old.valid_from == datetime.date(2022, 1, 1)
        assert (new.single_person, new.per_person_in_family, new.valid_to) == (D("1010.00"), D("823.00"), None)
        assert new.legal_basis == "Dz.U. 2024 poz. 1044"
        assert criterion_on(datetime.date(2021, 12, 31)) is None
        assert criterion_on(datetime.date(2030, 6, 1)) == new

    def test_a_new_criterion_ends_the_open_one_the_day_before(self, director: Any) -> None:
        created = services.criterion_create(
            actor=director,
            single_person=D("1150.00"),
            per_person_in_family=D("940.00"),
            valid_from=datetime.date(2028, 1, 1),
            legal_basis="Dz.U. 2027 poz. 1",
        )
        previous = IncomeCriterion.objects.get(valid_from=datetime.date(2025, 1, 1))
        assert previous.valid_to == datetime.date(2027, 12, 31)
        assert criterion_on(datetime.date(2027, 12, 31)) == previous
        assert criterion_on(datetime.date(2028, 1, 1)) == created
        update = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(previous.pk))
        assert update.changed_fields == ["updated_at", "valid_to"]
        assert update.actor == director
        create = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="qualification.incomecriterion")
        assert create.after["single_person"] == "1150.00"

    def test_an_overlap_with_a_closed_period_is_refused_with_a_clear_message(self, director: Any) -> None:
        with pytest.raises(ValidationError) as caught:
            services.criterion_create(
                actor=director,
                single_person=D("800.00"),
                per_person_in_family=D("650.00"),
                valid_from=datetime.date(2024, 6, 1),
                legal_basis="Dz.U. 2024 poz. 1",
            )
        message = caught.value.message_dict["valid_from"][0]
        assert "Dz.U. 2021 poz. 1296" in message
        assert IncomeCriterion.objects.count() == 2
        assert IncomeCriterion.objects.get(valid_from=datetime.date(2025, 1, 1)).valid_to is None
        assert not AuditEntry.objects.exists()

    def test_an_inverted_period_is_refused(self, director: Any) -> None:
        with pytest.raises(ValidationError) as caught:
            services.criterion_create(
                actor=director,
                single_person=D("800.00"),
                per_person_in_family=D("650.00"),
                valid_from=datetime.date(2020, 6, 1),
                valid_to=datetime.date(2020, 1, 1),
                legal_basis="X",
            )
        assert "valid_to" in caught.value.message_dict


class TestFeeTables:
    def test_create_saves_bands_and_records_them_in_the_audit(self, director: Any, municipality: Any) -> None:
        table = services.fee_table_create(
            actor=director, municipality=municipality, bands=care_bands(), **table_fields()
        )
        assert [b.position for b in table.bands.order_by("position")] == list(range(9))
        entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(table.pk))
        assert entry.municipality_id == municipality.pk
        assert entry.after["bands"][1] == {
            "income_from": "100.00",
            "income_to": "150.00",
            "fee_single": "5.00",
            "fee_family": "10.00",
        }

    def test_overlapping_and_missing_ranges_are_reported_per_row_and_nothing_is_saved(
        self, director: Any, municipality: Any
    ) -> None:
        bands = care_bands()
        bands[2]["income_from"] = D("140")  # overlaps 100–150
        bands[5]["income_from"] = D("320")  # gap after 300
        with pytest.raises(BandsInvalid) as caught:
            services.fee_table_create(actor=director, municipality=municipality, bands=bands, **table_fields())
        assert set(caught.value.rows) == {2, 5}
        assert "overlaps" in caught.value.rows[2]["income_from"][0]
        assert "300 %" in caught.value.rows[5]["income_from"][0]
        assert not FeeTable.objects.exists()
        assert not FeeBand.objects.exists()
        assert not AuditEntry.objects.exists()

    def test_field_errors_of_bands_and_of_the_table_come_together(self, director: Any, municipality: Any) -> None:
        bands = care_bands()
        bands[1]["fee_single"] = D("120")
        with pytest.raises(BandsInvalid) as caught:
            services.fee_table_create(
                actor=director,
                municipality=municipality,
                bands=bands,
                **table_fields(valid_to=datetime.date(2024, 1, 1)),
            )
        assert "fee_single" in caught.value.rows[1]
        assert "valid_to" in caught.value.message_dict

    def test_two_tables_in_force_for_the_same_scope_may_not_overlap(self, director: Any, municipality: Any) -> None:
        FeeTableFactory(municipality=municipality, valid_from=datetime.date(2025, 1, 1), valid_to=None)
        with pytest.raises(ValidationError) as caught:
            services.fee_table_create(
                actor=director,
                municipality=municipality,
                bands=care_bands(),
                **table_fields(valid_from=datetime.date(2026, 1, 1)),
            )
        assert "valid_from" in caught.value.message_dict
        # A draft may overlap; a table for another scope or another service may be in force at the same time.
        services.fee_table_create(
            actor=director,
            municipality=municipality,
            bands=care_bands(),
            **table_fields(valid_from=datetime.date(2026, 1, 1), status=FeeTableStatus.DRAFT),
        )
        services.fee_table_create(
            actor=director,
            municipality=municipality,
            bands=care_bands(),
            **table_fields(scope=FeeScope.SPECIALISED_CARE),
        )
        service = ServiceFactory(municipality=municipality)
        services.fee_table_create(
            actor=director,
            municipality=municipality,
            bands=care_bands(),
            **table_fields(scope=FeeScope.PROGRAMME_SERVICE, service=service),
        )
        assert FeeTable.objects.count() == 4

    def test_another_municipality_may_have_its_own_table(
        self, director: Any, municipality: Any, other_centre: Any
    ) -> None:
        FeeTableFactory(municipality=municipality)
        FeeTableFactory(municipality=other_centre.municipalities.first())

    def test_a_programme_service_table_needs_a_service_of_the_same_municipality(
        self, director: Any, municipality: Any, other_centre: Any
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            services.fee_table_create(
                actor=director,
                municipality=municipality,
                bands=care_bands(),
                **table_fields(scope=FeeScope.PROGRAMME_SERVICE),
            )
        assert "service" in caught.value.message_dict
        foreign = ServiceFactory(municipality=other_centre.municipalities.first())
        with pytest.raises(ValidationError) as caught:
            services.fee_table_create(
                actor=director,
                municipality=municipality,
                bands=care_bands(),
                **table_fields(scope=FeeScope.PROGRAMME_SERVICE, service=foreign),
            )
        assert "another municipality" in caught.value.message_dict["service"][0]

    def test_update_replaces_bands_and_records_before_and_after(self, director: Any, municipality: Any) -> None:
        table = FeeTableFactory(municipality=municipality)
        bands = care_bands()
        bands[1]["fee_single"] = D("6")
        services.fee_table_update(actor=director, table=table, bands=bands, name="Nowa nazwa")
        entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(table.pk))
        assert "bands" in entry.changed_fields and "name" in entry.changed_fields
        assert entry.before["bands"][1]["fee_single"] == "5.00"
        assert entry.after["bands"][1]["fee_single"] == "6.00"

    def test_a_failed_update_keeps_the_saved_bands(self, director: Any, municipality: Any) -> None:
        table = FeeTableFactory(municipality=municipality)
        bands = care_bands()
        bands[8]["income_to"] = D("600")
        with pytest.raises(BandsInvalid):
            services.fee_table_update(actor=director, table=table, bands=bands, name="Zmiana")
        table.refresh_from_db()
        assert table.bands.count() == 9
        assert table.name != "Zmiana"
        assert table.bands.get(position=8).income_to is None

    def test_only_a_draft_may_be_deleted(self, director: Any, municipality: Any) -> None:
        in_force = FeeTableFactory(municipality=municipality)
        with pytest.raises(ValidationError):
            services.fee_table_delete(actor=director, table=in_force)
        draft = FeeTableFactory(municipality=municipality, status=FeeTableStatus.DRAFT)
        services.fee_table_delete(actor=director, table=draft)
        assert not FeeTable.objects.filter(pk=draft.pk).exists()
        entry = AuditEntry.objects.get(action=AuditAction.DELETE)
        assert len(entry.before["bands"]) == 9

    def test_the_demo_builds_one_table_per_municipality_once(self, municipality: Any, other_centre: Any) -> None:
        municipalities = [municipality, *other_centre.municipalities.all()]
        assert build_demo(municipalities) == 3
        assert build_demo(municipalities) == 0
        table = FeeTable.objects.get(municipality=municipality)
        assert table.status == FeeTableStatus.IN_FORCE
        assert table.bands.count() == 9


def test_the_database_refuses_fee_percentages_outside_0_100(municipality: Any) -> None:
    from django.db import IntegrityError, transaction

    table = FeeTableFactory(municipality=municipality, bands=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        FeeBand.objects.create(
            table=table, position=0, income_from=0, income_to=None, fee_single=D("101"), fee_family=0
        )
