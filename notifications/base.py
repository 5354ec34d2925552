"""The one interface every channel implements."""

from __future__ import annotations

from typing import Protocol

from notifications.message import Message


class Channel(Protocol):
    """Something that can deliver a :class:`Message`."""

    name: str

    def send(self, message: Message) -> None:
        """Deliver the message or raise (the caller records the failure per channel)."""
