"""Which channels are on, from settings."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

from azure.core.credentials import AzureKeyCredential, TokenCredential

from clients.settings import Settings
from notifications.base import Channel
from notifications.email_acs import AcsEmailChannel
from notifications.outbox import Outbox, OutboxChannel
from notifications.teams import TeamsChannel
from notifications.webhook import WebhookChannel


def outbox_for(settings: Settings) -> Outbox:
    """The local outbox (``FAILBACK_OUTBOX_PATH`` or a file in the temp dir)."""
    path = settings.outbox_path or str(Path(tempfile.gettempdir()) / "asr-failback" / "outbox.sqlite")
    return Outbox(path)


@lru_cache(maxsize=4)
def _managed_identity(client_id: str | None) -> TokenCredential:
    # One credential per process (not per e-mail): it caches its token until near expiry.
    from azure.identity import ManagedIdentityCredential

    return ManagedIdentityCredential(client_id=client_id)


def _acs_credential(settings: Settings) -> TokenCredential | AzureKeyCredential:
    if settings.notify_acs_access_key:
        return AzureKeyCredential(settings.notify_acs_access_key)
    return _managed_identity(settings.azure_client_id or None)


def channels_from_settings(settings: Settings) -> list[Channel]:
    """Return every configured channel; the outbox whenever local mode is on."""
    channels: list[Channel] = []
    if settings.notify_webhook_url:
        channels.append(WebhookChannel(settings.notify_webhook_url))
    if settings.notify_teams_webhook_url:
        channels.append(TeamsChannel(settings.notify_teams_webhook_url))
    if settings.notify_acs_endpoint and settings.notify_email_sender:
        channels.append(
            AcsEmailChannel(
                settings.notify_acs_endpoint,
                settings.notify_email_sender,
                credential=_acs_credential(settings),
            )
        )
    if settings.local_mode:
        channels.append(OutboxChannel(outbox_for(settings)))
    return channels
