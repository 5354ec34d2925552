"""Which callback URLs the run may POST its report to (issue 12, part 6).

A callback URL comes from the request body, so it is hostile until proven otherwise: the app
would otherwise POST the run's report (and retry it) to the instance metadata service
(169.254.169.254), to its own loopback, to a private network, or to a URL that smuggles headers
through CR/LF. The rule: ``https``, a public host, no credentials in the URL, no control or space
characters; ``http`` to loopback only in local mode (the local stack's own receivers). IP literals
are read in every spelling ``inet_aton`` accepts (decimal ``2852039166``, hex ``0xa9fea9fe``,
short ``127.1``), since the socket layer would read them so too. Host names are checked again
after DNS resolution, where the request is made (``activities/callback.py``).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
_FORBIDDEN_NAMES = ("localhost", "localhost.localdomain", "metadata.google.internal")
_FORBIDDEN_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain")


def ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address ``host`` names when it is an IP literal in any spelling; ``None`` for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an address is on the public internet (not private, loopback, link-local, reserved…)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def callback_url_problem(url: str, *, local_mode: bool) -> str | None:
    """What is wrong with ``url`` as a callback target, in the user's words; ``None`` when it is fine."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return "callbackUrl: must not contain spaces, line breaks or control characters"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        return "callbackUrl: is not a valid URL"
    if parts.username is not None or parts.password is not None:
        return "callbackUrl: must not carry a user name or password"
    if not host:
        return "callbackUrl: must be an https URL with a host"
    if parts.scheme == "http" and host in LOCAL_HOSTS:
        if local_mode:
            return None
        return "callbackUrl: http is only accepted for 127.0.0.1/localhost in local mode"
    if parts.scheme != "https":
        return "callbackUrl: must be an https URL"
    if host in LOCAL_HOSTS and local_mode:
        return None
    address = ip_literal(host)
    if address is not None and not is_public(address):
        return f"callbackUrl: {host} is not a public address (private, loopback, link-local or reserved)"
    if address is None and (
        host in _FORBIDDEN_NAMES or host.endswith(_FORBIDDEN_SUFFIXES) or "." not in host
    ):
        return f"callbackUrl: {host} is not a public host name"
    return None
