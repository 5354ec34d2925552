"""``LogsQueryClient`` pointed at Log Analytics or at the simulator, cached per process."""

from __future__ import annotations

import threading

from azure.monitor.query import LogsQueryClient

from clients.asr import connection_verify
from clients.credentials import get_credential
from clients.retry import retry_policy
from clients.settings import Settings, get_settings

#: Token audience of Log Analytics, also when the endpoint is the simulator (else the
#: credential would be asked for a token scoped to the simulator's URL).
LOGS_AUDIENCE = "https://api.loganalytics.io"

_LOCK = threading.Lock()
_CACHE: dict[tuple[str, ...], LogsQueryClient] = {}


def logs_client(settings: Settings | None = None) -> LogsQueryClient:
    """Return the process-wide Logs query client.

    Args:
        settings: defaults to ``clients.settings.get_settings()``.
    """
    s = settings or get_settings()
    key = (s.logs_endpoint, s.ca_bundle, s.credential, s.azure_client_id)
    with _LOCK:
        client = _CACHE.get(key)
        if client is None:
            client = LogsQueryClient(
                get_credential(s),
                endpoint=s.logs_endpoint,
                audience=LOGS_AUDIENCE,
                connection_verify=connection_verify(s),
                retry_policy=retry_policy(),
            )
            _CACHE[key] = client
        return client


def clear_cache() -> None:
    """Close and forget every cached client."""
    with _LOCK:
        for client in _CACHE.values():
            client.close()
        _CACHE.clear()
