"""The credential the SDK clients use: managed identity in Azure, a static token locally.

``FAILBACK_CREDENTIAL=local`` selects :class:`LocalCredential` (docs/contracts.md §3);
anything else uses ``ManagedIdentityCredential(client_id=AZURE_CLIENT_ID)``. One
credential per process: managed-identity tokens are cached inside it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from azure.core.credentials import AccessToken, AccessTokenInfo, TokenCredential

from clients.settings import Settings, get_settings

LOCAL_TOKEN = "local-simulator-token"
_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str], TokenCredential] = {}


class LocalCredential:
    """A ``TokenCredential`` returning the simulator's static bearer token for any scope."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """Return the static token, valid for an hour."""
        return AccessToken(LOCAL_TOKEN, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        """Return the static token (the ``SupportsTokenInfo`` protocol)."""
        return AccessTokenInfo(LOCAL_TOKEN, int(time.time()) + 3600)

    def close(self) -> None:
        """Nothing to release."""


def get_credential(settings: Settings | None = None) -> TokenCredential:
    """Return the process-wide credential for the configured mode.

    Args:
        settings: defaults to ``clients.settings.get_settings()``.
    """
    s = settings or get_settings()
    key = (s.credential, s.azure_client_id)
    with _LOCK:
        credential = _CACHE.get(key)
        if credential is None:
            credential = _build(s)
            _CACHE[key] = credential
        return credential


def _build(s: Settings) -> TokenCredential:
    if s.credential == "local":
        return LocalCredential()
    from azure.identity import ManagedIdentityCredential

    return ManagedIdentityCredential(client_id=s.azure_client_id or None)
