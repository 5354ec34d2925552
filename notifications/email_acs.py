"""E-mail through Azure Communication Services, with Microsoft's SDK (``azure-communication-email``).

Authentication is the app's managed identity (preferred: no secret) or the resource's access key
(``AzureKeyCredential``; the SDK signs with ACS's HMAC scheme). Each message is sent with an
``Operation-Id`` derived from the message's own id, so the service accepts a retried activity's
second send as the same operation instead of mailing everyone twice. The channel then follows the
send operation for a short while (delivery tracking): a ``Failed`` status is an error of the
channel; an operation still running when the wait ends is left to the service. Group entries
(``group:<id>``) have no address and are skipped; the Teams and webhook channels reach them.
"""

from __future__ import annotations

import html
import logging
import uuid
from typing import Any

from azure.core.credentials import AzureKeyCredential, TokenCredential

from notifications.message import Message

log = logging.getLogger(__name__)

#: How long ``send`` follows the operation before leaving it to the service (seconds).
DELIVERY_WAIT_SECONDS = 20.0
_OPERATION_NAMESPACE = uuid.UUID("0f7c8d2e-5b1a-4c39-9f0e-2a6d4b8e1c57")


def email_body(message: Message, sender: str) -> dict[str, Any]:
    """Build the ``emails:send`` request body for the people among the recipients."""
    to = [{"address": r} for r in message.recipients if "@" in r and not r.startswith("group:")]
    facts = "\n".join(f"{k}: {v}" for k, v in message.facts)
    plain = "\n\n".join(x for x in (message.text, facts) if x)
    if message.links:
        plain += "\n\n" + "\n".join(f"{x.label}: {x.url}" for x in message.links)
    rows = "".join(
        f"<tr><th align=left>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in message.facts
    )
    buttons = "".join(
        f'<p><a href="{html.escape(x.url)}">{html.escape(x.label)}</a></p>' for x in message.links
    )
    return {
        "senderAddress": sender,
        "content": {
            "subject": message.subject,
            "plainText": plain,
            "html": f"<p>{html.escape(message.text)}</p><table>{rows}</table>{buttons}",
        },
        "recipients": {"to": to},
    }


def operation_id(message: Message) -> str:
    """The send's ``Operation-Id``: the same for every retry of one message, new for the next message.

    The orchestrator gives each message an id (``messageId``, from ``context.new_uuid()``); a
    message without one falls back to what identifies it (run, gate, kind, recipients, subject).
    """
    key = message.message_id or "|".join(
        [message.run_id, message.gate or "", message.kind, message.subject, *sorted(message.recipients)]
    )
    return str(uuid.uuid5(_OPERATION_NAMESPACE, key))


class AcsEmailChannel:
    """Send e-mail with ACS.

    Args:
        endpoint: ``https://<resource>.communication.azure.com``.
        sender: a verified sender address of the ACS e-mail domain.
        credential: the managed identity (``TokenCredential``) or the access key (``AzureKeyCredential``).
        delivery_wait_seconds: how long ``send`` follows the operation's status.
        client_options: passed to ``EmailClient`` (e.g. ``connection_verify``, ``polling_interval``).
    """

    name = "email"

    def __init__(
        self,
        endpoint: str,
        sender: str,
        *,
        credential: TokenCredential | AzureKeyCredential,
        delivery_wait_seconds: float = DELIVERY_WAIT_SECONDS,
        **client_options: Any,
    ) -> None:
        client_options.setdefault("polling_interval", 2)
        from azure.communication.email import EmailClient  # on first use (cold start, issue 14)

        self.client = EmailClient(endpoint, credential, **client_options)
        self.sender = sender
        self.delivery_wait_seconds = delivery_wait_seconds

    def send(self, message: Message) -> None:
        """Send one e-mail to every addressable recipient; nothing to send is not an error.

        Raises:
            azure.core.exceptions.HttpResponseError: the service refused the send, or the send
                operation ended ``Failed`` while it was followed.
        """
        for one in message.per_approver():  # each approver gets only their own link
            body = email_body(one, self.sender)
            if not body["recipients"]["to"]:
                continue
            poller = self.client.begin_send(body, operation_id=operation_id(one))
            poller.wait(timeout=self.delivery_wait_seconds)
            if poller.done():
                poller.result()  # raises when the operation failed
            log.info("email %s for run %s: %s", one.kind, one.run_id, poller.status())
