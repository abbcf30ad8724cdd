"""Export the catalog as an Open Referral HSDS 3.0 JSON document or tabular data package (see cus.catalog.hsds_io
and cus.catalog.hsds_tabular)."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cus.catalog.hsds_io import export_catalog
from cus.catalog.hsds_tabular import export_datapackage
from cus.core.models import Municipality


class Command(BaseCommand):
    help = (
        "Export the service catalog (every status) as an HSDS 3.0 JSON document, or as a tabular data package "
        "(a ZIP with datapackage.json and one CSV per HSDS table)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", metavar="TERYT", help="Only this gmina's catalog (default: all).")
        parser.add_argument(
            "--format", choices=("json", "datapackage"), default="json", help="json (default) or datapackage (ZIP)."
        )
        parser.add_argument("--output", "-o", metavar="FILE", help="Write to FILE instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(teryt=options["municipality"]).first()
            if municipality is None:
                raise CommandError(f"No municipality with TERYT {options['municipality']}.")
        if options["format"] == "datapackage":
            content = export_datapackage(municipality)
            if options["output"]:
                with open(options["output"], "wb") as handle:
                    handle.write(content)
                self.stderr.write(f"Written {options['output']}.")
            else:
                sys.stdout.buffer.write(content)
            return
        text = json.dumps(export_catalog(municipality), ensure_ascii=False, indent=2) + "\n"
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Written {options['output']}.")
        else:
            self.stdout.write(text, ending="")
