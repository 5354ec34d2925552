"""The printable report as PDF, printed by Chromium on the operator's machine (issue 13, part 5).

The app serves the printable HTML (``GET /api/failbacks/{id}/report?format=html``, self-contained:
inline styles, no scripts); the CLI prints it to PDF with Playwright driving a Chromium already on
the machine (Debian's ``chromium``, or ``FAILBACK_CHROMIUM``). No browser is downloaded and none is
needed by the Functions app itself. Japanese text needs a Japanese font on that machine
(``fonts-ipafont-gothic`` on Debian), as for any page Chromium prints.
"""

from __future__ import annotations

import os
import shutil

#: Where a Chromium is looked for when ``FAILBACK_CHROMIUM`` is not set.
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


class PdfUnavailableError(RuntimeError):
    """No Chromium (or no Playwright) to print with; the message says what to install."""


def find_chromium() -> str:
    """The Chromium to print with: ``FAILBACK_CHROMIUM``, else the first of :data:`CANDIDATES` on PATH.

    Raises:
        PdfUnavailableError: none found.
    """
    configured = os.environ.get("FAILBACK_CHROMIUM", "").strip()
    if configured:
        if not os.access(configured, os.X_OK):
            raise PdfUnavailableError(f"FAILBACK_CHROMIUM={configured} is not an executable Chromium.")
        return configured
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise PdfUnavailableError(
        "PDF export prints the report with Chromium, and none was found: install it "
        "(Debian: apt-get install chromium fonts-ipafont-gothic) or set FAILBACK_CHROMIUM to its path; "
        "or export --format html and print it from a browser."
    )


def html_to_pdf(html: bytes) -> bytes:
    """Print a self-contained HTML document to A4 PDF with its backgrounds (the outcome colours).

    Raises:
        PdfUnavailableError: no Chromium or no Playwright on this machine.
    """
    executable = find_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # the CLI's extras are not installed
        raise PdfUnavailableError("PDF export needs Playwright: pip install -r requirements-dev.txt") from exc
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=_ARGS)
        try:
            page = browser.new_page()
            # No network: the document is self-contained, and a report must not fetch anything.
            page.route("**/*", lambda route: route.abort())
            page.set_content(html.decode("utf-8"), wait_until="load")
            page.emulate_media(media="print")
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        finally:
            browser.close()
