"""Languages and display time zone of everything a person reads (pages, cards, e-mails, CLI).

Strings come from gettext catalogs under ``locale/<lang>/LC_MESSAGES/messages.po`` (Babel).
The ``.po`` files are the source: they are compiled in memory the first time a language is
used, so a fresh clone needs no build step. The language is chosen by, in order, an explicit
choice (CLI ``--lang``, ``?lang=``), the ``Accept-Language`` header, ``FAILBACK_LANGUAGE``,
else English. Times are shown in ``FAILBACK_DISPLAY_TIMEZONE`` (default UTC) with the offset.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
LANGUAGES = ("en", "ja")
DEFAULT_LANGUAGE = "en"
_PATTERNS = {"en": "MMM d, yyyy HH:mm", "ja": "yyyy年M月d日 HH:mm"}


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for the catalog without translating it here."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> Translations:
    """The compiled catalog of a language (English: the message ids themselves)."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang not in LANGUAGES or not po.exists():
        return Translations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def gettext_for(lang: str) -> Callable[[str], str]:
    """``_`` for one language."""
    return translations(normalize(lang) or DEFAULT_LANGUAGE).gettext


def normalize(lang: str | None) -> str | None:
    """``ja-JP``/``ja_jp``/``JA`` → ``ja``; None when not a supported language."""
    base = (lang or "").strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def configured_language() -> str:
    """``FAILBACK_LANGUAGE`` (``en`` or ``ja``), else English."""
    return normalize(os.environ.get("FAILBACK_LANGUAGE")) or DEFAULT_LANGUAGE


def negotiate(accept_language: str | None = None, explicit: str | None = None) -> str:
    """The language to answer in: an explicit choice, else ``Accept-Language``, else the setting."""
    chosen = normalize(explicit)
    if chosen:
        return chosen
    # werkzeug (the Functions library's own dependency) parses the header, q-values included,
    # best first; the first supported language with a non-zero quality wins.
    for tag, quality in parse_accept_header(accept_language or "", LanguageAccept):
        lang = normalize(tag)
        if lang and quality > 0:
            return lang
    return configured_language()


def display_zone() -> tzinfo:
    """``FAILBACK_DISPLAY_TIMEZONE`` (an IANA name such as ``Asia/Tokyo``), else UTC."""
    name = (os.environ.get("FAILBACK_DISPLAY_TIMEZONE") or "").strip()
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_when(value: Any) -> datetime | None:
    """An ISO 8601 string or datetime as an aware datetime (naive: UTC), else None."""
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str) and value.strip():
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            return None
    else:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def offset_label(when: datetime) -> str:
    """``UTC+09:00`` for an aware datetime."""
    delta = when.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_when(value: Any, lang: str, zone: tzinfo | None = None) -> str:
    """A time as people read it, in the display zone with its offset: ``2026年3月2日 07:00 (UTC+09:00)``.

    Values that are not times are returned as text (empty for None).
    """
    when = parse_when(value)
    if when is None:
        return "" if value is None else str(value)
    local = when.astimezone(zone or display_zone())
    lang = normalize(lang) or DEFAULT_LANGUAGE
    return f"{format_datetime(local, _PATTERNS[lang], locale=lang)} ({offset_label(local)})"


def format_minutes(seconds: Any, lang: str) -> str:
    """A duration in whole minutes (``12 min`` / ``12 分``); empty for a missing value."""
    if not isinstance(seconds, int | float):
        return ""
    _ = gettext_for(lang)
    minutes = round(float(seconds) / 60)
    if minutes < 1 and seconds > 0:
        return _("{n} s").format(n=round(float(seconds)))
    return _("{n} min").format(n=minutes)


def message(msgid: str, **args: Any) -> dict[str, Any]:
    """A text recorded for later translation: its catalog id, its arguments and the English text.

    Pre-flight checks are written into a run's history in English (the API's language); pages and
    reports show them in their reader's language from ``msgid`` and ``args`` (``%(name)s`` style);
    an argument may itself be a message, shown in the same language.
    """
    english = {k: v["text"] if _is_message(v) else v for k, v in args.items()}
    return {"msgid": msgid, "args": args, "text": msgid % english if args else msgid}


def _is_message(value: Any) -> bool:
    """Whether an argument is itself a :func:`message` (shown in the same language as its host)."""
    return isinstance(value, dict) and isinstance(value.get("msgid"), str)


def localized(msg: Any, lang: str) -> str:
    """A :func:`message` in ``lang``; its English text when the catalog's text does not fit the arguments.

    A list of messages (an evidence naming several things) is shown joined by "; ".
    """
    if isinstance(msg, list):
        return "; ".join(localized(part, lang) for part in msg)
    if not isinstance(msg, dict) or not isinstance(msg.get("msgid"), str):
        return "" if msg is None else str(msg)
    raw = msg.get("args")
    raw = raw if isinstance(raw, dict) else {}
    args = {k: localized(v, lang) if _is_message(v) else v for k, v in raw.items()}
    text = gettext_for(lang)(msg["msgid"])
    try:
        return text % args if args else text
    except (KeyError, TypeError, ValueError):  # a catalog entry that lost a placeholder
        return str(msg.get("text") or msg["msgid"])


def localize_check(check: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """A pre-flight check whose ``rule``, ``evidence`` and ``remedy`` are in ``lang`` where recorded so."""
    out = dict(check)
    messages = check.get("messages")
    if isinstance(messages, dict):
        for field, msg in messages.items():
            if field in ("rule", "evidence", "remedy", "warning"):
                out[field] = localized(msg, lang)
    return out
