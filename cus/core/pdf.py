"""PDF documents (decisions, letters, plans) rendered from Django templates with WeasyPrint.

Documents are built only from the template and the data passed in: the URL fetcher refuses every external
resource, so a value typed by a user (an address, a note) can never make the server fetch a URL or read a file.
Fonts come from the system (DejaVu, which has every Polish glyph); the stylesheet is inlined in ``pdf/base.html``.
WeasyPrint is imported lazily so that the rest of the system runs on a machine without Pango.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language


class ExternalResourceRefused(Exception):
    """A document tried to load something that is not inline data."""


def _refuse_external(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, *args, **kwargs)  # type: ignore[no-any-return]
    raise ExternalResourceRefused(url)


def render_pdf(template_name: str, context: dict[str, Any], *, request: HttpRequest | None = None) -> bytes:
    """Render ``template_name`` (a template extending ``pdf/base.html``) to PDF bytes.

    The context should give ``title``; ``author`` (the centre's name) and ``subject`` are optional and go into the
    PDF's metadata. ``generated_at`` is added for the footer.
    """
    from weasyprint import HTML

    context = {"generated_at": timezone.localtime(), "language": get_language() or "pl", **context}
    html = render_to_string(template_name, context, request=request)
    document = HTML(string=html, url_fetcher=_refuse_external, base_url=None)
    return document.write_pdf(pdf_variant=None)  # type: ignore[no-any-return]


def pdf_response(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """An HTTP response carrying a PDF; ``inline`` lets the browser show it, otherwise it is downloaded."""
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    safe_name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in filename)
    response["Content-Disposition"] = f'{disposition}; filename="{safe_name}"'
    response["Cache-Control"] = "no-store"
    return response
