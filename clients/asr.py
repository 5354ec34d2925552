"""``SiteRecoveryManagementClient`` per subscription, pointed at ARM or at the simulator.

The client is cached per process (not per call, ``clients.cache``): it owns a connection pool.
"""

from __future__ import annotations

from typing import Any

from azure.mgmt.recoveryservicessiterecovery import SiteRecoveryManagementClient

from clients.cache import ClientCache
from clients.credentials import get_credential
from clients.retry import retry_policy
from clients.settings import Settings, get_settings

_CLIENTS: ClientCache[SiteRecoveryManagementClient] = ClientCache()


def connection_verify(settings: Settings) -> bool | str:
    """``connection_verify`` for the transport: the simulator's CA bundle, else system trust."""
    return settings.ca_bundle or True


def transport_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments every SDK client of the app gets: its TLS trust and the bounded retry policy."""
    return {"connection_verify": connection_verify(settings), "retry_policy": retry_policy()}


def site_recovery_client(
    subscription_id: str, settings: Settings | None = None
) -> SiteRecoveryManagementClient:
    """Return the process-wide Site Recovery client of a subscription.

    Args:
        subscription_id: the vault's subscription.
        settings: defaults to ``clients.settings.get_settings()``.
    """
    s = settings or get_settings()
    key = (subscription_id, s.arm_endpoint, s.ca_bundle, s.credential, s.azure_client_id)
    return _CLIENTS.get(
        key,
        lambda: SiteRecoveryManagementClient(
            get_credential(s),
            subscription_id,
            base_url=s.arm_endpoint,
            **transport_options(s),
        ),
    )


def clear_cache() -> None:
    """Close and forget every cached client (tests that switch simulators)."""
    _CLIENTS.clear()
