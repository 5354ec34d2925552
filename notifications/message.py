"""The channel-neutral notification message and its links."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Link:
    """One approval link, personal to one approver (or group).

    Attributes:
        label: button text.
        url: absolute URL of the approval page (public base URL + path).
        path: the same URL relative to the app (``/api/approvals/<token>``).
        approver: who the link is for.
    """

    label: str
    url: str
    path: str
    approver: str


@dataclass(frozen=True)
class Message:
    """What every channel renders in its own way.

    Attributes:
        kind: ``approval-request``, ``reminder``, ``escalation``, ``decided``, ``timeout`` or any
            run event the orchestrator reports.
        run_id: the failback run.
        subject: one-line title.
        text: plain-text body.
        facts: label/value pairs shown as a table or list.
        links: approval links (one per recipient).
        recipients: people and groups addressed.
        gate: the approval gate, when the message belongs to one.
        message_id: the orchestrator's id of this message (the same on every retry of the activity
            that sends it), so channels that can deduplicate do.
    """

    kind: str
    run_id: str
    subject: str
    text: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    gate: str | None = None
    message_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (generic webhook body, outbox row)."""
        return {
            "kind": self.kind,
            "runId": self.run_id,
            "gate": self.gate,
            "subject": self.subject,
            "text": self.text,
            "facts": [{"name": k, "value": v} for k, v in self.facts],
            "links": [
                {"label": x.label, "url": x.url, "path": x.path, "approver": x.approver} for x in self.links
            ],
            "recipients": list(self.recipients),
        }

    def per_approver(self) -> list[Message]:
        """One message per approval link, addressed to its approver only (no one sees another's link).

        A message without links is returned as is. Each copy has its own ``message_id``
        (``<id>:<approver>``), so a channel that deduplicates still sends every approver theirs.
        """
        if not self.links:
            return [self]
        return [
            replace(
                self,
                links=[link],
                recipients=[link.approver],
                message_id=f"{self.message_id}:{link.approver}" if self.message_id else None,
            )
            for link in self.links
        ]
