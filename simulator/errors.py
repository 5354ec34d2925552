"""ARM error envelope ``{"error": {"code", "message"}}`` raised by models and handlers."""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    """An error answered as an ARM error envelope.

    Args:
        status: HTTP status code.
        code: ARM/ASR error code (string).
        message: human-readable message, ASR-like.
        headers: extra response headers (e.g. ``Retry-After``).
    """

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """Return the JSON envelope."""
        return {"error": {"code": self.code, "message": self.message}}


def not_found(kind: str, name: str) -> ArmError:
    """A 404 for a resource of ``kind`` named ``name``."""
    return ArmError(404, "ResourceNotFound", f"The {kind} '{name}' was not found in the vault.")


def bad_request(message: str, code: str = "BadRequest") -> ArmError:
    """A 400 with an ASR-like message."""
    return ArmError(400, code, message)


def conflict(message: str, code: str = "OperationNotAllowed") -> ArmError:
    """A 409: operation not allowed in the current state, or another scenario in progress."""
    return ArmError(409, code, message)
