"""The demo catalog: built once, published, with the centre's contact person and further phone numbers."""

from __future__ import annotations

from typing import Any

import pytest

from cus.catalog import demo
from cus.catalog.hsds_io import export_catalog
from cus.catalog.models import Contact, Organization, Phone, Service, ServiceStatus
from cus.catalog.tests.factories import ensure_reference_taxonomies
from cus.catalog.tests.test_hsds_io import validate_document

pytestmark = pytest.mark.django_db


def test_demo_catalog_is_built_once_and_exports_valid_hsds(municipality: Any) -> None:
    ensure_reference_taxonomies()
    created = demo.build(municipality)
    assert created == Service.objects.filter(municipality=municipality, status=ServiceStatus.PUBLISHED).count() > 0
    assert demo.build(municipality) == 0
    centre = Organization.objects.get(municipality=municipality, name__startswith="Centrum Usług Społecznych")
    assert Contact.objects.filter(organization=centre, department="Dział usług społecznych").exists()
    assert set(Phone.objects.filter(organization=centre).values_list("type", flat=True)) == {"fax", "text"}
    document = export_catalog(municipality)
    validate_document(document)
    (exported,) = [o for o in document["organizations"] if o["id"] == str(centre.pk)]
    assert len(exported["phones"]) == 3
