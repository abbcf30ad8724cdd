"""Reading PDFs back in tests: the text of every page through poppler's pdftotext (Debian poppler-utils)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def pdf_text(content: bytes, tmp_path: Path) -> str:
    """The text of a PDF, laid out; skips outside CI when poppler-utils is missing, fails in CI."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext (poppler-utils) is required in CI")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "document.pdf"
    path.write_bytes(content)
    result = subprocess.run([pdftotext, "-layout", str(path), "-"], check=True, capture_output=True, text=True)  # noqa: S603
    return result.stdout


def pdf_page_count(content: bytes, tmp_path: Path) -> int:
    """Pages in a PDF, as poppler's pdfinfo reports them."""
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    path = tmp_path / "count.pdf"
    path.write_bytes(content)
    result = subprocess.run([pdfinfo, str(path)], check=True, capture_output=True, text=True)  # noqa: S603
    pages = [line.split(":", 1)[1] for line in result.stdout.splitlines() if line.startswith("Pages:")]
    return int(pages[0])
