"""Links to a run's status: the keyed ``statusUrl`` and the signed ``Location`` (``domain.status_links``).

``signed_status_url`` is what every ``202`` of the failback API puts in ``Location``: the
anonymous ``GET /api/runs/{id}/status?exp=...&sig=...`` (``function_app.run_status``), readable
with no header at all. Without a signing key (never in Azure: the key is a Key Vault reference)
it falls back to the keyed ``GET /api/failbacks/{id}``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from urllib.parse import quote, urlencode, urlsplit

import azure.functions as func

from clients.settings import get_settings
from domain.approvals_tokens import KeyRing
from domain.status_links import sign_status
from notifications.links import keyring

log = logging.getLogger(__name__)

#: Route of the signed status (under ``/api``).
STATUS_ROUTE = "runs/{id}/status"
#: What every ``202`` of the failback API asks pollers to wait (seconds).
RETRY_AFTER_SECONDS = 10


def origin_of(req: func.HttpRequest) -> str:
    """``scheme://host[:port]`` of the URL that reached the app."""
    parts = urlsplit(req.url)
    return f"{parts.scheme}://{parts.netloc}"


def signing_ring() -> KeyRing | None:
    """The approval signing key ring, or None when no key is configured."""
    try:
        return keyring(get_settings())
    except ValueError:
        return None


def signed_status_url(req: func.HttpRequest, instance_id: str, now: datetime | None = None) -> str:
    """Absolute signed status URL of a run on the host that received ``req``."""
    ring = signing_ring()
    if ring is None:
        log.warning("no signing key: Location falls back to the keyed status route")
        return f"{origin_of(req)}/api/failbacks/{quote(instance_id)}"
    query = urlencode(sign_status(ring, instance_id, now or datetime.now(UTC)))
    return f"{origin_of(req)}/api/runs/{quote(instance_id)}/status?{query}"


def status_url(req: func.HttpRequest, instance_id: str) -> str:
    """Absolute URL of ``GET /api/failbacks/{id}`` on the host that received ``req``."""
    return f"{origin_of(req)}/api/failbacks/{instance_id}"


def running_headers(req: func.HttpRequest, instance_id: str) -> dict[str, str]:
    """``Location`` and ``Retry-After`` of a ``202`` about a run that has not ended.

    ``Location`` is the signed, short-lived status URL a Logic App can poll without the key (issue 13).
    """
    return {"Location": signed_status_url(req, instance_id), "Retry-After": str(RETRY_AFTER_SECONDS)}
