"""Recompute the search document of every service and repair the full-text index (after a change to the search
rules, or after a migration that rebuilt catalog_service on SQLite and so dropped the index triggers)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections, transaction

from cus.catalog.models import Service
from cus.catalog.search import install_search_index, service_document


class Command(BaseCommand):
    help = "Recompute every service's search document and rebuild the full-text index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        using, size = options["database"], max(1, options["batch_size"])
        install_search_index(connections[using], rebuild=True)
        services = (
            Service.objects.using(using)
            .select_related("organization")
            .prefetch_related("areas", "target_groups", "service_at_locations__location")
            .order_by("pk")
        )
        changed = total = 0
        batch: list[Service] = []
        for service in services.iterator(chunk_size=size):
            total += 1
            document = service_document(service)
            if document != service.search_document:
                service.search_document = document
                batch.append(service)
            if len(batch) >= size:
                changed += self._save(using, batch)
        changed += self._save(using, batch)
        self.stdout.write(f"{total} services, {changed} search documents updated.")

    @staticmethod
    def _save(using: str, batch: list[Service]) -> int:
        count = len(batch)
        if batch:
            with transaction.atomic(using=using):
                Service.objects.using(using).bulk_update(batch, ["search_document"])
            batch.clear()
        return count
