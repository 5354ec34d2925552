"""Whether the on-premises site can take a failback: Hyper-V hosts and VMM providers (H2b).

Shared by the Hyper-V and VMware pre-flights (the heartbeat rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from domain.i18n import N_, message
from domain.items import parse_time

#: A provider whose last heartbeat is older than this is treated as not connected (H2b).
HEARTBEAT_STALE_AFTER = timedelta(minutes=30)


def provider_is_live(provider: Mapping[str, Any], now: datetime) -> tuple[bool, str]:
    """Whether a Hyper-V host / VMM provider is connected with a recent heartbeat, and why."""
    live, msg = provider_state(provider, now)
    return live, str(msg["text"])


def provider_state(provider: Mapping[str, Any], now: datetime) -> tuple[bool, dict[str, Any]]:
    """Whether a provider is live, and why as a catalog message (``domain.i18n.message``)."""
    status = provider.get("connectionStatus")
    beat = parse_time(provider.get("lastHeartBeat"))
    args = {
        "label": provider.get("friendlyName") or provider.get("name"),
        "status": status,
        "beat": provider.get("lastHeartBeat"),
    }
    text = N_("%(label)s: connectionStatus=%(status)s, lastHeartBeat=%(beat)s")
    if status != "Connected":
        return False, message(text, **args)
    if beat is not None and now - beat > HEARTBEAT_STALE_AFTER:
        stale = N_(
            "%(label)s: connectionStatus=%(status)s, lastHeartBeat=%(beat)s (older than %(minutes)s min)"
        )
        return False, message(stale, minutes=int(HEARTBEAT_STALE_AFTER.total_seconds() // 60), **args)
    return True, message(text, **args)


def find_host(fabric: Mapping[str, Any], host: str) -> Mapping[str, Any] | None:
    """Find the provider entry of a Hyper-V host by friendly name, short name or ARM name."""
    wanted = host.strip().lower()
    for provider in fabric.get("providers") or []:
        friendly = str(provider.get("friendlyName") or "").lower()
        names = {friendly, friendly.split(".")[0], str(provider.get("name") or "").lower()} - {""}
        if wanted in names or wanted.split(".")[0] in names:
            return provider
    return None
