"""PDF rendering: Polish glyphs survive, pages are numbered, external resources are never fetched."""

from __future__ import annotations

import datetime

import pytest

from cus.core.pdf import ExternalResourceRefused, _refuse_external, pdf_response, render_pdf
from cus.core.tests.pdf_utils import pdf_page_count, pdf_text


@pytest.mark.django_db
def test_letter_renders_polish_text_with_page_numbers(centre, tmp_path):
    content = render_pdf(
        "core/pdf/letter.html",
        {
            "title": "Zażółć gęślą jaźń",
            "centre": centre,
            "issued_on": datetime.date(2026, 11, 23),
            "reference": "CUS.4011.1.2026",
            "addressee_lines": ["Pani Łucja Źrebięcka", "ul. Żółta 5", "00-950 Łódź"],
        },
    )
    assert content.startswith(b"%PDF-")
    text = pdf_text(content, tmp_path)
    assert "Zażółć gęślą jaźń" in text
    assert "Łucja Źrebięcka" in text
    assert "CUS.4011.1.2026" in text
    assert pdf_page_count(content, tmp_path) == 1
    assert "1 z 1" in text or "1 of 1" in text  # the footer's page counter


def test_external_resources_are_refused():
    with pytest.raises(ExternalResourceRefused):
        _refuse_external("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(ExternalResourceRefused):
        _refuse_external("file:///etc/passwd")


def test_pdf_response_headers():
    response = pdf_response(b"%PDF-1.7", 'decyzja "1"/2026.pdf', inline=False)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="decyzja__1__2026.pdf"'
    assert response["Cache-Control"] == "no-store"
