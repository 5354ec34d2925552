"""E-mail through Azure Communication Services (REST ``emails:send``).

Authentication is either an Entra ID token of the app's managed identity
(preferred: no secret) or the resource's access key with the ACS HMAC-SHA256
scheme: sign ``POST``, the path and query, and ``<x-ms-date>;<host>;<x-ms-content-sha256>``,
one per line,
with the base64-decoded key. Group entries (``group:<id>``) have no address and
are skipped; they are reached through the Teams or webhook channel.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
from collections.abc import Callable
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

import requests

from notifications.message import Message

API_VERSION = "2023-03-31"
TIMEOUT_SECONDS = 15
ACS_SCOPE = "https://communication.azure.com/.default"


def hmac_headers(access_key: str, method: str, url: str, body: bytes, date: str) -> dict[str, str]:
    """Return the headers of the ACS access-key (HMAC-SHA256) scheme for one request.

    Args:
        access_key: the resource's access key (base64 text, from app settings).
        method: HTTP verb.
        url: absolute request URL.
        body: the exact bytes sent.
        date: RFC 1123 date, also sent as ``x-ms-date``.

    Returns:
        ``x-ms-date``, ``x-ms-content-sha256`` and ``Authorization``.
    """
    parts = urlsplit(url)
    path_and_query = parts.path + (f"?{parts.query}" if parts.query else "")
    content_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
    to_sign = f"{method.upper()}\n{path_and_query}\n{date};{parts.netloc};{content_hash}"
    signature = base64.b64encode(
        hmac.new(base64.b64decode(access_key), to_sign.encode(), hashlib.sha256).digest()
    ).decode()
    return {
        "x-ms-date": date,
        "x-ms-content-sha256": content_hash,
        "Authorization": "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256"
        f"&Signature={signature}",
    }


def email_body(message: Message, sender: str) -> dict[str, Any]:
    """Build the ``emails:send`` request body for the people among the recipients."""
    to = [{"address": r} for r in message.recipients if "@" in r and not r.startswith("group:")]
    facts = "\n".join(f"{k}: {v}" for k, v in message.facts)
    plain = "\n\n".join(x for x in (message.text, facts) if x)
    if message.links:
        plain += "\n\n" + "\n".join(f"{x.label} ({x.approver}): {x.url}" for x in message.links)
    rows = "".join(
        f"<tr><th align=left>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in message.facts
    )
    buttons = "".join(
        f'<p><a href="{html.escape(x.url)}">{html.escape(x.label)} ({html.escape(x.approver)})</a></p>'
        for x in message.links
    )
    return {
        "senderAddress": sender,
        "content": {
            "subject": message.subject,
            "plainText": plain,
            "html": f"<p>{html.escape(message.text)}</p><table>{rows}</table>{buttons}",
        },
        "recipients": {"to": to},
    }


class AcsEmailChannel:
    """Send e-mail with ACS.

    Args:
        endpoint: ``https://<resource>.communication.azure.com``.
        sender: a verified sender address of the ACS e-mail domain.
        access_key: resource access key; empty to use ``token_provider``.
        token_provider: returns a bearer token for ``ACS_SCOPE`` (managed identity).
        session: HTTP session.
    """

    name = "email"

    def __init__(
        self,
        endpoint: str,
        sender: str,
        *,
        access_key: str = "",
        token_provider: Callable[[], str] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.url = f"{endpoint.rstrip('/')}/emails:send?api-version={API_VERSION}"
        self.sender = sender
        self.access_key = access_key
        self.token_provider = token_provider
        self.session = session or requests.Session()

    def send(self, message: Message) -> None:
        """Send one e-mail to every addressable recipient; nothing to send is not an error."""
        body = email_body(message, self.sender)
        if not body["recipients"]["to"]:
            return
        raw = json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if self.access_key:
            headers |= hmac_headers(self.access_key, "POST", self.url, raw, formatdate(usegmt=True))
        elif self.token_provider is not None:
            headers["Authorization"] = f"Bearer {self.token_provider()}"
        else:
            raise RuntimeError("ACS e-mail needs NOTIFY_ACS_ACCESS_KEY or a managed identity")
        response = self.session.post(self.url, data=raw, headers=headers, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
