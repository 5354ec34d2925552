"""Teams channel: an Adaptive Card posted to a Teams Workflows webhook.

Buttons only *open* the approval page (``Action.OpenUrl``); the decision is
taken on the page, so nothing in Teams can approve by itself.
"""

from __future__ import annotations

from typing import Any

from notifications.message import Message
from notifications.webhook import WebhookChannel

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


def adaptive_card(message: Message) -> dict[str, Any]:
    """Build the Adaptive Card (schema 1.4) for a message."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.subject, "weight": "Bolder", "size": "Medium", "wrap": True},
        {"type": "TextBlock", "text": message.text, "wrap": True},
    ]
    if message.facts:
        body.append({"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in message.facts]})
    # One card per approver (``TeamsChannel.send``): a short button title that fits a phone.
    actions = [{"type": "Action.OpenUrl", "title": link.label, "url": link.url} for link in message.links]
    if len(message.links) == 1:
        body.append({"type": "TextBlock", "text": message.links[0].approver, "isSubtle": True, "wrap": True})
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


class TeamsChannel(WebhookChannel):
    """Post an Adaptive Card to a Teams Workflows webhook URL (a webhook with another body)."""

    name = "teams"

    def payload(self, message: Message) -> dict[str, Any]:
        """The card, wrapped for the Workflows webhook."""
        return workflows_payload(message)

    def send(self, message: Message) -> None:
        """Post one card per approver (each holds only that approver's link)."""
        for one in message.per_approver():
            super().send(one)
