"""Jinja2 templates of the HTML pages (approval page, outcomes, status dashboard, run list).

One environment per language, each with the gettext catalog of ``domain.i18n`` installed
(``{{ _("...") }}`` in templates) and the filters ``when`` (a time in the display time zone
with its offset) and ``minutes`` (a duration).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain import i18n

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


def page_headers(nonce: str | None = None) -> dict[str, str]:
    """The page headers; with a nonce, the page may run its own inline script and poll its own JSON."""
    headers = dict(PAGE_HEADERS)
    if nonce:
        headers["Content-Security-Policy"] += f"; script-src 'nonce-{nonce}'; connect-src 'self'"
    return headers


@lru_cache(maxsize=len(i18n.LANGUAGES))
def environment(lang: str) -> Environment:
    """The template environment of one language."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["when"] = lambda value: i18n.format_when(value, lang)
    env.filters["minutes"] = lambda value: i18n.format_minutes(value, lang)
    env.globals["lang"] = lang
    return env


def render(name: str, lang: str | None = None, **context: Any) -> str:
    """Render one template with autoescaping, in ``lang`` (default: ``FAILBACK_LANGUAGE``)."""
    chosen = i18n.normalize(lang) or i18n.configured_language()
    return environment(chosen).get_template(name).render(**context)
