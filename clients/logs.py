"""``LogsQueryClient`` pointed at Log Analytics or at the simulator, cached per process."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded on first use (cold start, issue 14)
    from azure.monitor.query import LogsQueryClient

from clients.asr import transport_options
from clients.cache import ClientCache
from clients.credentials import get_credential
from clients.settings import Settings, get_settings

#: Token audience of Log Analytics, also when the endpoint is the simulator (else the
#: credential would be asked for a token scoped to the simulator's URL).
LOGS_AUDIENCE = "https://api.loganalytics.io"

_CLIENTS: ClientCache[LogsQueryClient] = ClientCache()


def logs_client(settings: Settings | None = None) -> LogsQueryClient:
    """Return the process-wide Logs query client.

    Args:
        settings: defaults to ``clients.settings.get_settings()``.
    """
    s = settings or get_settings()
    key = (s.logs_endpoint, s.ca_bundle, s.credential, s.azure_client_id)
    return _CLIENTS.get(
        key,
        lambda: _logs_client_class()(
            get_credential(s),
            endpoint=s.logs_endpoint,
            audience=LOGS_AUDIENCE,
            **transport_options(s),
        ),
    )


def clear_cache() -> None:
    """Close and forget every cached client."""
    _CLIENTS.clear()


def _logs_client_class() -> type[LogsQueryClient]:
    from azure.monitor.query import LogsQueryClient

    return LogsQueryClient
