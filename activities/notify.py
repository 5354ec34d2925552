"""Activity ``notify``: send one message to every configured channel.

Input ``{kind, runId, gate?, recipients?, expiresAt?, summary?, outcome?, subject?, text?}``;
for ``approval-request``, ``reminder`` and ``escalation`` it signs one approval
link per recipient (the key is read here, never passed in). Output
``{kind, links, channels: [{channel, ok, error?}]}`` — counts and channel names
only: no link, token or key goes back into the orchestration history.
A failing channel does not stop the others; the activity fails only when every
configured channel failed.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import azure.durable_functions as df

from clients.settings import get_settings
from domain.contracts import NotifyResult
from notifications.base import Channel
from notifications.compose import compose
from notifications.links import approval_links, keyring, public_base_url
from notifications.registry import channels_from_settings

bp = df.Blueprint()
log = logging.getLogger(__name__)

LINK_KINDS = {"approval-request", "reminder", "escalation"}


def send_notification(data: dict[str, Any], channels: list[Channel] | None = None) -> NotifyResult:
    """Compose and send one message (the activity body, callable directly).

    Args:
        data: the activity input.
        channels: channels to use (default: from settings).

    Returns:
        ``{kind, links, channels}``.

    Raises:
        RuntimeError: when every channel failed.
    """
    settings = get_settings()
    links = []
    if data.get("kind") in LINK_KINDS and data.get("recipients"):
        links = approval_links(
            keyring(settings),
            base_url=public_base_url(settings),
            run_id=str(data["runId"]),
            gate=str(data.get("gate") or ""),
            recipients=[str(r) for r in data["recipients"]],
            expires_at=datetime.fromisoformat(str(data["expiresAt"]).replace("Z", "+00:00")),
        )
    message = compose(data, links)
    results: list[dict[str, Any]] = []
    for channel in channels if channels is not None else channels_from_settings(settings):
        try:
            channel.send(message)
            results.append({"channel": channel.name, "ok": True})
        except Exception as exc:  # one broken channel must not silence the others
            log.warning("notify: channel %s failed: %s", channel.name, type(exc).__name__)
            results.append({"channel": channel.name, "ok": False, "error": type(exc).__name__})
    if results and not any(r["ok"] for r in results):
        raise RuntimeError(f"every notification channel failed: {[r['channel'] for r in results]}")
    return {"kind": message.kind, "links": len(links), "channels": results}


@bp.activity_trigger(input_name="data")
def notify(data: dict) -> dict:
    """Send one message to the configured channels (see module docstring)."""
    return dict(send_notification(data))
