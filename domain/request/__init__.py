"""The failback request (``POST /api/failbacks``), one pydantic model for every kind.

- ``models.py``: the parts every kind shares (vault, item, approval, verification, window…);
- ``variants.py``: the variants' fields and rules (VMware, recovery plans, waves);
- ``failback.py``: ``FailbackRequest``, the whole body, and its normalized dict;
- ``errors.py``: pydantic's errors as our reasons (one line per problem, naming the field);
- ``parse.py``: :func:`parse_failback_request` and :func:`window_problems`.

Callers import from here.
"""

from domain.request.failback import FailbackRequest
from domain.request.models import (
    ApprovalPolicy,
    EncryptionCertificate,
    ItemSelector,
    MaintenanceWindow,
    ReverseReplication,
    VaultRef,
    Verification,
    VerificationCheck,
)
from domain.request.parse import parse_failback_request, window_problems
from domain.request.variants import EACH_VM

__all__ = [
    "EACH_VM",
    "ApprovalPolicy",
    "EncryptionCertificate",
    "FailbackRequest",
    "ItemSelector",
    "MaintenanceWindow",
    "ReverseReplication",
    "VaultRef",
    "Verification",
    "VerificationCheck",
    "parse_failback_request",
    "window_problems",
]
