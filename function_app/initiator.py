"""Who calls the failback API: the signed-in identity, else ``anonymous`` (W3)."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from clients.settings import get_settings
from domain.approvals_identity import caller

#: The initiator of a run nobody signed in for (a function key only).
ANONYMOUS = "anonymous"


def initiator_of(req: func.HttpRequest, body: dict[str, Any]) -> str:
    """The caller (``domain.approvals_identity.caller``): the signed-in identity, else ``anonymous``.

    In Azure only App Service Authentication names the caller; locally the body's ``initiator``/``by``.
    """
    return caller(dict(req.headers), body, local_mode=get_settings().local_mode) or ANONYMOUS
