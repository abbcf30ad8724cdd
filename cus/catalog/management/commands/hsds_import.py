"""Import an Open Referral HSDS 3.0 JSON feed into one gmina's catalog (see cus.catalog.hsds_io)."""

from __future__ import annotations

import json
import zipfile
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cus.catalog.hsds_io import import_hsds
from cus.catalog.hsds_tabular import read_datapackage
from cus.core.models import Municipality


class Command(BaseCommand):
    help = (
        "Import an HSDS 3.0 JSON file (our export, a service package, a page, one object or the tabular form) or a "
        "tabular data package (.zip with datapackage.json and CSV files). "
        "Nothing is saved when a record has an error, unless --only-valid. Runs as the system (audit actor)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The JSON or .zip file, or - for JSON on standard input.")
        parser.add_argument("--municipality", metavar="TERYT", required=True, help="The gmina whose catalog to fill.")
        parser.add_argument("--dry-run", action="store_true", help="Check everything, save nothing.")
        parser.add_argument("--only-valid", action="store_true", help="Save the valid records despite errors.")
        parser.add_argument(
            "--default-area", default="04", help="Provisional area for services without one (default 04)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(teryt=options["municipality"]).first()
        if municipality is None:
            raise CommandError(f"No municipality with TERYT {options['municipality']}.")
        try:
            if options["file"] == "-":
                import sys

                data = json.load(sys.stdin)
            elif options["file"].lower().endswith(".zip"):
                with open(options["file"], "rb") as binary:
                    data = read_datapackage(binary.read())
            else:
                with open(options["file"], encoding="utf-8") as handle:
                    data = json.load(handle)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        report = import_hsds(
            data,
            municipality,
            None,
            dry_run=options["dry_run"],
            only_valid=options["only_valid"],
            default_area=options["default_area"],
        )
        self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        if report.errors and not report.saved:
            raise CommandError(f"{len(report.errors)} error(s): nothing was saved.")
