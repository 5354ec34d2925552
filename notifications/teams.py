"""Teams channel: an Adaptive Card posted to a Teams Workflows webhook.

Buttons only *open* the approval page (``Action.OpenUrl``); the decision is
taken on the page, so nothing in Teams can approve by itself.
"""

from __future__ import annotations

from typing import Any

import requests

from notifications.message import Message

TIMEOUT_SECONDS = 10
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def adaptive_card(message: Message) -> dict[str, Any]:
    """Build the Adaptive Card (schema 1.4) for a message."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.subject, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": message.text, "wrap": True},
    ]
    if message.facts:
        body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in message.facts]})
    actions = [
        {"type": "Action.OpenUrl", "title": f"{link.label} ({link.approver})", "url": link.url}
        for link in message.links
    ]
    return {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": actions,
    }


def workflows_payload(message: Message) -> dict[str, Any]:
    """Wrap the card the way the Teams Workflows "post card" webhook expects."""
    return {
        "type": "message",
        "attachments": [
            {"contentType": CARD_CONTENT_TYPE, "contentUrl": None, "content": adaptive_card(message)}
        ],
    }


class TeamsChannel:
    """Post an Adaptive Card to a Teams Workflows webhook URL."""

    name = "teams"

    def __init__(self, url: str, session: requests.Session | None = None) -> None:
        self.url = url
        self.session = session or requests.Session()

    def send(self, message: Message) -> None:
        """POST the card; raise on a non-2xx answer."""
        response = self.session.post(self.url, json=workflows_payload(message), timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
