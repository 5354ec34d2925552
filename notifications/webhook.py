"""Generic webhook channel: POST the message as JSON (e.g. to a Logic App HTTP trigger)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded on first use (cold start, issue 14)
    import requests

from notifications.message import Message

TIMEOUT_SECONDS = 10


class WebhookChannel:
    """POST ``Message.to_dict()`` to a URL.

    Args:
        url: the webhook URL (its own SAS signature, if any, stays in app settings).
        session: HTTP session (tests pass their own).
    """

    name = "webhook"

    def __init__(self, url: str, session: requests.Session | None = None) -> None:
        self.url = url
        if session is None:
            import requests

            session = requests.Session()
        self.session = session

    def payload(self, message: Message) -> dict[str, Any]:
        """The JSON body posted for a message (channels that speak another format override it)."""
        return message.to_dict()

    def send(self, message: Message) -> None:
        """POST the message; raise on a non-2xx answer."""
        response = self.session.post(self.url, json=self.payload(message), timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
