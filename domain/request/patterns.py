"""What a valid identifier of the request looks like, and how a refusal says it to the caller."""

from __future__ import annotations

from domain.i18n import N_

GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
RESOURCE_GROUP = r"^[-\w._()]{1,90}$"
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,259}$"
THUMBPRINT = r"^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$"

#: A pattern's refusal in words: a caller cannot be expected to read a regular expression.
PATTERN_MEANINGS = {
    GUID: N_("must be a GUID such as 00000000-0000-0000-0000-000000000000"),
    RESOURCE_GROUP: N_("must be a resource group name: 1 to 90 letters, digits, '-', '_', '.', '(' or ')'"),
    NAME: N_("must start with a letter or digit, then letters, digits, '_', '.' or '-' (at most 260)"),
    THUMBPRINT: N_("must be a certificate thumbprint: 40 or 64 hexadecimal digits"),
}
