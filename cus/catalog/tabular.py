"""Bulk import of services from CSV/XLSX (with a dry run) and export of the service list in the same layout.

The column layout (first row: headers, in any order; the downloadable template shows it):

==================== ======== ====================================================================================
column               required meaning
==================== ======== ====================================================================================
name                 yes      name of the service
description          yes      description
provider             yes      the provider's NIP (10 digits) or exact name, already in the catalog
areas                yes      service areas: codes 01–14 or names, separated by ";"
target_groups        no       target groups: codes or names, separated by ";"
fee_kind             no       free (default), fixed or income
fee_amount           no       amount in PLN, e.g. 12,50
fee_unit             no       hour, visit, day, month or once
eligibility          no       who can use it
minimum_age          no       whole years
maximum_age          no       whole years
application_process  no       how to apply
location_name        no       place where the service is given; with it: address, postal code and city
location_address     no       street and number
location_postal_code no       NN-NNN
location_city        no       city
hours                no       weekly hours, e.g. "pon-pt 8:00-16:00; sob 9:00-13:00" (needs a location)
==================== ======== ====================================================================================
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cus.catalog import services as catalog_services
from cus.catalog.models import (
    AREAS_TAXONOMY_ID,
    TARGET_GROUPS_TAXONOMY_ID,
    FeeKind,
    FeeUnit,
    Location,
    LocationType,
    Organization,
    Service,
    TaxonomyTerm,
)
from cus.core.models import Municipality

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

COLUMNS = (
    "name",
    "description",
    "provider",
    "areas",
    "target_groups",
    "fee_kind",
    "fee_amount",
    "fee_unit",
    "eligibility",
    "minimum_age",
    "maximum_age",
    "application_process",
    "location_name",
    "location_address",
    "location_postal_code",
    "location_city",
    "hours",
)
REQUIRED_COLUMNS = ("name", "description", "provider", "areas")
LOCATION_COLUMNS = ("location_name", "location_address", "location_postal_code", "location_city")

EXAMPLE_ROW = {
    "name": "Asystencja osobista",
    "description": "Pomoc w codziennych czynnościach dla osób z niepełnosprawnościami.",
    "provider": "5260250274",
    "areas": "04; 13",
    "target_groups": "",
    "fee_kind": "free",
    "fee_amount": "",
    "fee_unit": "",
    "eligibility": "Osoby z orzeczeniem o niepełnosprawności.",
    "minimum_age": "16",
    "maximum_age": "",
    "application_process": "Wniosek w siedzibie CUS lub przez ePUAP.",
    "location_name": "Siedziba CUS",
    "location_address": "ul. Główna 1",
    "location_postal_code": "00-001",
    "location_city": "Przykładowo",
    "hours": "pon-pt 8:00-16:00",
}

WEEKDAYS = {
    "pon": 1,
    "pn": 1,
    "wt": 2,
    "wto": 2,
    "sr": 3,
    "śr": 3,
    "sro": 3,
    "śro": 3,
    "czw": 4,
    "cz": 4,
    "pt": 5,
    "pia": 5,
    "pią": 5,
    "sob": 6,
    "sb": 6,
    "nd": 7,
    "nie": 7,
    "niedz": 7,
}
HOURS_PART = re.compile(
    r"^\s*(?P<first>[^\s\-–]+)\s*(?:[-–]\s*(?P<last>[^\s\-–]+))?\s+"
    r"(?P<opens>\d{1,2}[:.]\d{2})\s*[-–]\s*(?P<closes>\d{1,2}[:.]\d{2})\s*$"
)
WEEKDAY_NAMES = {1: "pon", 2: "wt", 3: "śr", 4: "czw", 5: "pt", 6: "sob", 7: "nd"}


class ImportFileError(Exception):
    """The file as a whole cannot be read (type, size, format, missing columns)."""


@dataclass
class RowError:
    column: str
    message: str


@dataclass
class ImportRow:
    """One data row of the file: its number in the file (the header is row 1), raw values and errors."""

    number: int
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: list[ImportRow]
    created: int = 0

    @property
    def valid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.valid]

    @property
    def invalid_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.valid]


# --- reading -------------------------------------------------------------------------------------------------------


def read_table(name: str, data: bytes) -> list[dict[str, str]]:
    """The rows of an uploaded CSV or XLSX file as dicts keyed by the known column names."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is too large: at most %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    lower = name.lower()
    if lower.endswith(".csv"):
        table = _read_csv(data)
    elif lower.endswith(".xlsx"):
        table = _read_xlsx(data)
    else:
        raise ImportFileError(_("Upload a CSV (.csv) or Excel (.xlsx) file."))
    if not table:
        raise ImportFileError(_("The file is empty."))
    header = [str(cell or "").strip().lower().lstrip("\ufeff") for cell in table[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ImportFileError(
            _("The file has no column: %(columns)s. Use the template's first row.") % {"columns": ", ".join(missing)}
        )
    body = [row for row in table[1:]]
    if len(body) > MAX_ROWS:
        raise ImportFileError(_("The file has too many rows: at most %(rows)s.") % {"rows": MAX_ROWS})
    rows = []
    for cells in body:
        values = {
            column: _cell_text(cells[index]) if index < len(cells) else ""
            for index, column in enumerate(header)
            if column in COLUMNS
        }
        rows.append({column: values.get(column, "") for column in COLUMNS})
    # Trailing empty rows (common in spreadsheets) are not data.
    while rows and not any(rows[-1].values()):
        rows.pop()
    if not rows:
        raise ImportFileError(_("The file has no data rows under the header."))
    return rows


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    return str(value).replace("\x00", "").strip()


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1250"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1250 decodes almost everything
        raise ImportFileError(_("The file cannot be read as text (use UTF-8)."))
    if "\x00" in text:
        raise ImportFileError(_("The file is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error for a damaged file
        raise ImportFileError(_("The file is not a valid Excel (.xlsx) workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[Any]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                raise ImportFileError(_("The file has too many rows: at most %(rows)s.") % {"rows": MAX_ROWS})
        return rows
    finally:
        workbook.close()


# --- checking ------------------------------------------------------------------------------------------------------


class _Resolver:
    """Lookups shared by all rows of one import (one query per table, not per row)."""

    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        terms = list(TaxonomyTerm.objects.filter(taxonomy_id__in=[AREAS_TAXONOMY_ID, TARGET_GROUPS_TAXONOMY_ID]))
        self.terms: dict[Any, dict[str, TaxonomyTerm]] = {AREAS_TAXONOMY_ID: {}, TARGET_GROUPS_TAXONOMY_ID: {}}
        for term in terms:
            index = self.terms[term.taxonomy_id]
            index[term.code.lower()] = term
            index[term.name.lower()] = term
            if term.name_en:
                index[term.name_en.lower()] = term
            if term.code.isdigit():
                index[str(int(term.code))] = term
        self.organizations = list(Organization.objects.filter(municipality=municipality))

    def organization(self, value: str) -> Organization | None:
        digits = re.sub(r"[\s-]", "", value)
        for organization in self.organizations:
            if digits and organization.nip == digits:
                return organization
        matches = [o for o in self.organizations if o.name.strip().lower() == value.strip().lower()]
        return matches[0] if len(matches) == 1 else None

    def terms_of(self, taxonomy_id: Any, value: str) -> tuple[list[TaxonomyTerm], list[str]]:
        found, unknown = [], []
        for part in (p.strip() for p in value.split(";")):
            if not part:
                continue
            term = self.terms[taxonomy_id].get(part.lower())
            if term is None:
                unknown.append(part)
            elif term not in found:
                found.append(term)
        return found, unknown


def parse_hours(value: str) -> list[dict[str, Any]]:
    """ "pon-pt 8:00-16:00; sob 9:00-13:00" → schedule rows; ValueError with a message when it cannot."""
    rows: list[dict[str, Any]] = []
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        match = HOURS_PART.match(part)
        if match is None:
            raise ValueError(_('Write the hours like "pon-pt 8:00-16:00; sob 9:00-13:00".'))
        first = WEEKDAYS.get(match["first"].lower().rstrip("."))
        last = WEEKDAYS.get(match["last"].lower().rstrip(".")) if match["last"] else first
        if first is None or last is None or last < first:
            raise ValueError(_("Unknown day of the week in %(part)s.") % {"part": part})
        try:
            opens = datetime.time.fromisoformat(_hhmm(match["opens"]))
            closes = datetime.time.fromisoformat(_hhmm(match["closes"]))
        except ValueError as exc:
            raise ValueError(_("Wrong time in %(part)s.") % {"part": part}) from exc
        if opens >= closes:
            raise ValueError(_("The closing time must be after the opening time."))
        rows.extend({"weekday": day, "opens_at": opens, "closes_at": closes} for day in range(first, last + 1))
    return rows


def _hhmm(value: str) -> str:
    hours, minutes = re.split(r"[:.]", value)
    return f"{int(hours):02d}:{minutes}"


def format_hours(schedules: list[Any]) -> str:
    return "; ".join(
        f"{WEEKDAY_NAMES[s.weekday]} {s.opens_at:%H:%M}-{s.closes_at:%H:%M}"
        for s in schedules
        if s.weekday in WEEKDAY_NAMES
    )


def _to_int(row: ImportRow, column: str) -> int | None:
    value = row.values[column]
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        row.errors.append(RowError(column, _("Enter a whole number.")))
        return None
    if number < 0 or number > 130:
        row.errors.append(RowError(column, _("Enter an age between 0 and 130.")))
        return None
    return number


def _check_fee(row: ImportRow) -> tuple[str, Decimal | None, str]:
    values = row.values
    fee_kind = values["fee_kind"].lower() or FeeKind.FREE
    if fee_kind not in FeeKind.values:
        row.errors.append(RowError("fee_kind", _("Use one of: %(values)s.") % {"values": ", ".join(FeeKind.values)}))
        fee_kind = FeeKind.FREE
    fee_unit = values["fee_unit"].lower()
    if fee_unit and fee_unit not in FeeUnit.values:
        row.errors.append(RowError("fee_unit", _("Use one of: %(values)s.") % {"values": ", ".join(FeeUnit.values)}))
        fee_unit = ""
    fee_amount = None
    if values["fee_amount"]:
        try:
            fee_amount = Decimal(values["fee_amount"].replace(",", ".").replace(" ", ""))
            if not fee_amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            row.errors.append(RowError("fee_amount", _("Enter an amount, e.g. 12,50.")))
            fee_amount = None
    return fee_kind, fee_amount, fee_unit


def _check_row(row: ImportRow, resolver: _Resolver) -> dict[str, Any]:
    """Check one row without saving; returns what ``service_create`` and the location functions need."""
    values = row.values
    for column in REQUIRED_COLUMNS:
        if not values[column]:
            row.errors.append(RowError(column, _("This field is required.")))
    organization = None
    if values["provider"]:
        organization = resolver.organization(values["provider"])
        if organization is None:
            row.errors.append(
                RowError("provider", _("No provider with this NIP or name in the catalog of the municipality."))
            )
    areas, unknown_areas = resolver.terms_of(AREAS_TAXONOMY_ID, values["areas"])
    if unknown_areas:
        row.errors.append(
            RowError("areas", _("Unknown service area: %(value)s.") % {"value": ", ".join(unknown_areas)})
        )
    groups, unknown_groups = resolver.terms_of(TARGET_GROUPS_TAXONOMY_ID, values["target_groups"])
    if unknown_groups:
        row.errors.append(
            RowError("target_groups", _("Unknown target group: %(value)s.") % {"value": ", ".join(unknown_groups)})
        )
    fee_kind, fee_amount, fee_unit = _check_fee(row)
    fields: dict[str, Any] = {
        "organization": organization,
        "name": values["name"],
        "description": values["description"],
        "eligibility_description": values["eligibility"],
        "minimum_age": _to_int(row, "minimum_age"),
        "maximum_age": _to_int(row, "maximum_age"),
        "fee_kind": fee_kind,
        "fee_amount": fee_amount,
        "fee_unit": fee_unit,
        "application_process": values["application_process"],
    }
    # The model's own rules (lengths, fee and age consistency), exactly as service_create applies them.
    candidate = Service(municipality=resolver.municipality, **fields)
    try:
        candidate.full_clean(exclude=["search_document", "organization", "municipality"])
    except ValidationError as exc:
        columns = {"eligibility_description": "eligibility"}
        for name, messages in exc.message_dict.items():
            column = columns.get(name, name)
            for message in messages:
                row.errors.append(RowError(column if column in COLUMNS else "name", message))
    location = _check_location(row, resolver)
    schedules = _check_hours(row, location)
    return {"fields": fields, "areas": areas, "target_groups": groups, "location": location, "schedules": schedules}


def _check_hours(row: ImportRow, location: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not row.values["hours"]:
        return []
    if location is None:
        row.errors.append(RowError("hours", _("Opening hours need a location in the same row.")))
        return []
    try:
        return parse_hours(row.values["hours"])
    except ValueError as exc:
        row.errors.append(RowError("hours", str(exc)))
        return []


def _check_location(row: ImportRow, resolver: _Resolver) -> dict[str, Any] | None:
    values = row.values
    if not any(values[c] for c in LOCATION_COLUMNS):
        return None
    location = {
        "name": values["location_name"],
        "address_1": values["location_address"],
        "postal_code": values["location_postal_code"],
        "city": values["location_city"],
        "location_type": LocationType.PHYSICAL,
    }
    candidate = Location(municipality=resolver.municipality, **location)
    try:
        candidate.full_clean(exclude=["municipality"])
    except ValidationError as exc:
        columns = {"name": "location_name", "address_1": "location_address", "postal_code": "location_postal_code"}
        columns["city"] = "location_city"
        for name, messages in exc.message_dict.items():
            for message in messages:
                row.errors.append(RowError(columns.get(name, "location_name"), message))
    return location


def check_rows(rows: list[dict[str, str]], municipality: Municipality) -> tuple[ImportReport, list[dict[str, Any]]]:
    resolver = _Resolver(municipality)
    report = ImportReport(rows=[])
    prepared = []
    for index, values in enumerate(rows):
        row = ImportRow(number=index + 2, values={column: values.get(column, "") for column in COLUMNS})
        prepared.append(_check_row(row, resolver))
        report.rows.append(row)
    return report, prepared


# --- saving --------------------------------------------------------------------------------------------------------


def import_services(
    *, actor: Any, municipality: Municipality, rows: list[dict[str, str]], dry_run: bool, only_valid: bool = False
) -> ImportReport:
    """Check every row; unless ``dry_run``, create the services (all or nothing, or only the valid rows when
    ``only_valid``) through the catalog's service functions, in one transaction."""
    report, prepared = check_rows(rows, municipality)
    if dry_run or (report.invalid_rows and not only_valid):
        return report
    with transaction.atomic():
        locations: dict[tuple[str, str, str, str], Location] = {
            (loc.name.lower(), loc.address_1.lower(), loc.postal_code, loc.city.lower()): loc
            for loc in Location.objects.filter(municipality=municipality)
        }
        for row, data in zip(report.rows, prepared, strict=True):
            if not row.valid:
                continue
            service = catalog_services.service_create(
                actor=actor,
                municipality=municipality,
                areas=data["areas"],
                target_groups=data["target_groups"],
                **data["fields"],
            )
            if data["location"] is not None:
                loc = data["location"]
                key = (loc["name"].lower(), loc["address_1"].lower(), loc["postal_code"], loc["city"].lower())
                location = locations.get(key)
                if location is None:
                    location = catalog_services.location_create(actor=actor, municipality=municipality, **loc)
                    locations[key] = location
                catalog_services.service_location_add(
                    actor=actor, service=service, location=location, schedules=data["schedules"]
                )
            report.created += 1
    return report


# --- the file between preview and confirmation ---------------------------------------------------------------------


PENDING_MAX_AGE = 24 * 3600


def _pending_dir() -> Any:
    from django.conf import settings

    return settings.VAR_DIR / "catalog-imports"


def pending_save(rows: list[dict[str, str]]) -> str:
    """Keep the parsed rows under var/ until the user confirms; returns the key (a random UUID) kept in the
    session. The session itself stays small (it is saved on every request)."""
    import json
    import time
    import uuid

    folder = _pending_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # Files of abandoned previews (the session lasts at most a working day) are cleared on the way.
    for old in folder.glob("*.json"):
        if old.stat().st_mtime < time.time() - PENDING_MAX_AGE:
            old.unlink(missing_ok=True)
    key = uuid.uuid4().hex
    (folder / f"{key}.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return key


def pending_load(key: str) -> list[dict[str, str]] | None:
    import json

    if not re.fullmatch(r"[0-9a-f]{32}", key or ""):
        return None
    try:
        return json.loads((_pending_dir() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def pending_drop(key: str) -> None:
    if re.fullmatch(r"[0-9a-f]{32}", key or ""):
        (_pending_dir() / f"{key}.json").unlink(missing_ok=True)


# --- export --------------------------------------------------------------------------------------------------------


def _safe_cell(value: str) -> str:
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def service_rows(services: Any) -> list[list[str]]:
    """The services in the import layout (a file exported can be edited and imported again)."""
    services = services.select_related("organization").prefetch_related(
        "areas", "target_groups", "service_at_locations__location", "service_at_locations__schedules"
    )
    rows = []
    for service in services:
        first = next(iter(service.service_at_locations.all()), None)
        location = first.location if first is not None else None
        values = {
            "name": service.name,
            "description": service.description,
            "provider": service.organization.nip or service.organization.name,
            "areas": "; ".join(t.code for t in sorted(service.areas.all(), key=lambda t: t.code)),
            "target_groups": "; ".join(t.code for t in sorted(service.target_groups.all(), key=lambda t: t.code)),
            "fee_kind": service.fee_kind,
            "fee_amount": "" if service.fee_amount is None else str(service.fee_amount),
            "fee_unit": service.fee_unit,
            "eligibility": service.eligibility_description,
            "minimum_age": "" if service.minimum_age is None else str(service.minimum_age),
            "maximum_age": "" if service.maximum_age is None else str(service.maximum_age),
            "application_process": service.application_process,
            "location_name": location.name if location else "",
            "location_address": location.address_1 if location else "",
            "location_postal_code": location.postal_code if location else "",
            "location_city": location.city if location else "",
            "hours": format_hours(list(first.schedules.all())) if first is not None else "",
        }
        rows.append([values[column] for column in COLUMNS])
    return rows


def export_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_safe_cell(value) for value in row])
    # With a BOM, Excel opens the UTF-8 file with Polish letters intact.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("services")
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([_safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_rows() -> list[list[str]]:
    return [[EXAMPLE_ROW[column] for column in COLUMNS]]
