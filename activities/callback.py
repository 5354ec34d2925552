"""Activity ``post_callback``: POST the run's report to the request's callback URL.

Input ``{sealed, runId, body}`` (the URL sealed by the HTTP layer, ``domain.callback_seal``;
opened here with the current or previous ``APPROVAL_SIGNING_KEY``) or, for runs started
before sealing, ``{url, body, runId?}``; output ``{status}``. Only ``https`` URLs to public
hosts are called (``domain.callback_url``, checked again on the resolved addresses), and
``http://127.0.0.1``/``localhost`` in local mode; redirects are not followed (a 3xx is a failure).
A refused URL raises ``[CALLBACK_REFUSED]``; a non-2xx answer raises ``[CALLBACK_FAILED]`` (the
orchestrator may retry: the ``X-Failback-Run-Id`` header lets the receiver drop a duplicate).
The URL is never logged (Logic App URLs carry a signature).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import azure.durable_functions as df

from activities.asr_common import log_event
from clients.settings import Settings, get_settings
from domain.callback_seal import SealError, unseal_callback
from domain.callback_url import LOCAL_HOSTS, callback_url_problem, ip_literal, is_public
from domain.errors import FailbackError
from notifications.links import keyring

bp = df.Blueprint()

TIMEOUT_SECONDS = 30


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: following it could lead the report anywhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _refusal(url: str, local_mode: bool) -> str | None:
    """Why ``url`` must not be called (the request's rule, then every address its name resolves to)."""
    problem = callback_url_problem(url, local_mode=local_mode)
    host = urlsplit(url).hostname or ""
    if problem is not None or ip_literal(host) is not None or (local_mode and host in LOCAL_HOSTS):
        return problem
    try:
        resolved = {str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except OSError:
        return None  # the POST itself reports the unreachable host
    private = sorted(a for a in resolved if not is_public(ipaddress.ip_address(a.split("%", 1)[0])))
    return f"callbackUrl: {host} resolves to a non-public address ({', '.join(private)})" if private else None


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
    refusal = _refusal(url, s.local_mode)
    if refusal is not None:
        raise FailbackError("CALLBACK_REFUSED", f"callback to {host} not sent: {refusal}")
    data = json.dumps(payload.get("body"), default=str).encode()
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    if payload.get("runId"):
        request.add_header("X-Failback-Run-Id", str(payload["runId"]))
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
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
