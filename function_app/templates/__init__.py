"""Jinja2 templates of the HTML pages (approval page, outcomes, status timeline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

#: Headers every HTML page sends: the token is in the URL, so never send it to another site
#: in a Referer (``same-origin`` still lets the browser send a real ``Origin`` on the form
#: post, which the POST checks; ``no-referrer`` would make Chromium send ``Origin: null``),
#: never cache the page, never frame it.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
}


def render(name: str, **context: Any) -> str:
    """Render one template with autoescaping."""
    return _ENV.get_template(name).render(**context)
