"""The catalog's search engine (placeholder interface; the engine lands with the search work).

``service_document(service)`` builds the normalised text stored in ``Service.search_document``;
``search_services(queryset, query)`` filters and ranks. Until the engine is in, a plain containment match.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet


def service_document(service: Any) -> str:
    parts = [service.name, service.alternate_name, service.description, service.eligibility_description]
    return " ".join(p for p in parts if p).lower()


def search_services(queryset: QuerySet[Any], query: str) -> QuerySet[Any]:
    query = (query or "").strip()
    if not query:
        return queryset
    return queryset.filter(Q(name__icontains=query) | Q(description__icontains=query))
