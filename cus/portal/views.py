"""The public catalog of services for residents: no sign-in, published services only."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from cus.portal.forms import PortalSearchForm
from cus.portal.queries import areas_with_counts, portal_search, published_service, results_page

PAGE_SIZE = 20


@login_not_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"areas": areas_with_counts(), "form": PortalSearchForm()})


@login_not_required
@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = PortalSearchForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    page = results_page(portal_search(form.query(), **form.filters()), request.GET.get("page"), PAGE_SIZE)
    context: dict[str, Any] = {
        "form": form,
        "page_obj": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": form.query(),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        if form.errors:
            # Show the errors beside the fields: the whole <main> replaces the one on the page.
            response = render(request, "portal/search.html", context)
            for header, value in (("HX-Retarget", "main"), ("HX-Reselect", "main"), ("HX-Reswap", "outerHTML")):
                response[header] = value
        else:
            # The results only; the URL htmx pushes gives the full page when opened or reloaded.
            response = render(request, "portal/_results.html", context)
    else:
        response = render(request, "portal/search.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_not_required
@require_safe
def service_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    return render(request, "portal/service_detail.html", {"service": published_service(pk)})


@login_not_required
@require_safe
def service_print(request: HttpRequest, pk: Any) -> HttpResponse:
    return render(request, "portal/service_print.html", {"service": published_service(pk)})
