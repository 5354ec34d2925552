"""Who is deciding: App Service Authentication headers in Azure, the token locally (W4).

In Azure the approval page sits behind App Service Authentication (Entra ID):
the platform strips any client-sent ``x-ms-client-principal*`` headers and sets
them for signed-in users, so they can be trusted there. Locally (``local mode``)
there is no sign-in; the approver named in the token is the identity.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass

PRINCIPAL_NAME = "x-ms-client-principal-name"
PRINCIPAL = "x-ms-client-principal"
PRINCIPAL_ID = "x-ms-client-principal-id"
#: The body fields a caller may name itself by, in local mode only.
BODY_IDENTITY_FIELDS = ("initiator", "by")
_GROUP_CLAIMS = {"groups", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"}
_NAME_CLAIMS = (
    "preferred_username",
    "upn",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
    "email",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "name",
)


@dataclass(frozen=True)
class Identity:
    """The person deciding.

    Attributes:
        name: UPN or e-mail, lower case.
        groups: Entra ID group object ids from the sign-in claims.
        source: ``easyauth`` (platform headers) or ``token`` (local mode).
    """

    name: str
    groups: tuple[str, ...] = ()
    source: str = "easyauth"


def principal_claims(encoded: str) -> dict[str, list[str]]:
    """Decode ``x-ms-client-principal`` (base64 JSON) into claim type → values.

    Returns an empty dict when the header is not valid.
    """
    try:
        doc = json.loads(base64.b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    claims: dict[str, list[str]] = {}
    for claim in doc.get("claims", []) if isinstance(doc, dict) else []:
        if (
            isinstance(claim, dict)
            and isinstance(claim.get("typ"), str)
            and isinstance(claim.get("val"), str)
        ):
            claims.setdefault(claim["typ"], []).append(claim["val"])
    return claims


def identity_from_headers(headers: Mapping[str, str]) -> Identity | None:
    """Return the signed-in identity from App Service Authentication headers, if any."""
    lowered = {k.lower(): v for k, v in headers.items()}
    claims = principal_claims(lowered.get(PRINCIPAL, "")) if lowered.get(PRINCIPAL) else {}
    name = lowered.get(PRINCIPAL_NAME, "").strip()
    if not name:
        name = next((claims[c][0] for c in _NAME_CLAIMS if claims.get(c)), "")
    if not name:
        return None
    groups = tuple(sorted({g.lower() for typ in _GROUP_CLAIMS for g in claims.get(typ, [])}))
    return Identity(name=name.strip().lower(), groups=groups, source="easyauth")


def link_mismatch(identity: Identity, link_approver: str) -> str | None:
    """Say why this identity may not use a link made for ``link_approver``, or ``None``."""
    target = link_approver.strip().lower()
    if target == "*":
        return None
    if target.startswith("group:"):
        if target.removeprefix("group:") in identity.groups:
            return None
        return "This link is for members of a group your sign-in does not show."
    if identity.name == target:
        return None
    return f"This link is for {target}; you are signed in as {identity.name}."


def caller(headers: Mapping[str, str], body: Mapping[str, object], *, local_mode: bool) -> str | None:
    """Who calls an API route (starts a run, cancels, decides), or ``None`` when nobody signed in.

    In Azure the identity comes only from App Service Authentication: the signed-in name, else a
    service principal's object id (a Logic App's managed identity) as ``principal:<id>``. The
    body's ``initiator``/``by`` is never believed there. Locally (no sign-in exists) the body may
    name the caller.
    """
    identity = identity_from_headers(headers)
    if identity is not None:
        return identity.name
    lowered = {k.lower(): v for k, v in headers.items()}
    principal_id = lowered.get(PRINCIPAL_ID, "").strip()
    if principal_id:
        return f"principal:{principal_id.lower()[:100]}"
    if local_mode:
        for key in BODY_IDENTITY_FIELDS:
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()[:200]
    return None
