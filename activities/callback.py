"""Activity ``post_callback``: POST the run's report to the request's callback URL.

Input ``{sealed, runId, body}`` (the URL sealed by the HTTP layer, ``domain.callback_seal``;
opened here with the current or previous ``APPROVAL_SIGNING_KEY``) or, for runs started
before sealing, ``{url, body, runId?}``; output ``{status}``. Only ``https`` URLs are
called, and ``http://127.0.0.1``/``localhost`` in local mode. A non-2xx answer raises
``[CALLBACK_FAILED]`` (the orchestrator may retry: the ``X-Failback-Run-Id`` header lets
the receiver drop a duplicate). The URL is never logged (Logic App URLs carry a signature).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import azure.durable_functions as df

from activities.asr_common import log_event
from clients.settings import Settings, get_settings
from domain.callback_seal import SealError, unseal_callback
from domain.errors import FailbackError
from notifications.links import keyring

bp = df.Blueprint()

TIMEOUT_SECONDS = 30
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _allowed(url: str, local_mode: bool) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return local_mode and parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS


def _url_of(payload: Mapping[str, Any], settings: Settings) -> str:
    """The callback URL: unsealed from ``sealed`` (bound to ``runId``), else the plain ``url``."""
    sealed = payload.get("sealed")
    if not sealed:
        return str(payload.get("url") or "")
    try:
        return unseal_callback(keyring(settings), str(sealed), str(payload.get("runId") or ""))
    except (SealError, ValueError) as err:  # ValueError: no signing key configured
        raise FailbackError("CALLBACK_FAILED", f"callback to {payload.get('host')} not sent: {err}") from None


def post(payload: Mapping[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """POST ``body`` as JSON to ``url`` (the activity body).

    Raises:
        FailbackError: ``CALLBACK_FAILED`` for a refused URL, a non-2xx answer or no answer.
    """
    s = settings or get_settings()
    url = _url_of(payload, s)
    host = urlsplit(url).hostname
    if not _allowed(url, s.local_mode):
        raise FailbackError("CALLBACK_FAILED", f"callback URL to {host} is not https")
    data = json.dumps(payload.get("body"), default=str).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    if payload.get("runId"):
        request.add_header("X-Failback-Run-Id", str(payload["runId"]))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            status = int(response.status)
    except urllib.error.HTTPError as err:
        err.close()  # the error carries the open response
        raise FailbackError(
            "CALLBACK_FAILED", f"callback to {host} answered {err.code}", details={"status": err.code}
        ) from err
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise FailbackError("CALLBACK_FAILED", f"callback to {host} failed: {type(err).__name__}") from err
    log_event(payload, "post_callback", host=host, status=status)
    return {"status": status}


@bp.activity_trigger(input_name="payload")
def post_callback(payload: dict) -> dict:
    """POST the report to the callback URL (docs/contracts.md §5)."""
    return post(payload)
