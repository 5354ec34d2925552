"""Orchestration versioning: host.json ``versionMatchStrategy`` / ``versionFailureStrategy``.

The Durable extension hands ``defaultVersion``, ``versionMatchStrategy`` and
``versionFailureStrategy`` to DTFx's ``VersioningSettings``; before an orchestrator runs, the
instance's ``ExecutionStarted.Version`` is compared with the worker's version (= ``defaultVersion``).
Comparison rules and defaults (``CurrentOrOlder`` + ``Reject``) as documented in
MicrosoftDocs/azure-docs ``articles/azure-functions/durable/durable-functions-orchestration-versioning.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DOTNET_VERSION = re.compile(r"^\s*\d+(\.\d+){1,3}\s*$")

NONE, STRICT, CURRENT_OR_OLDER = "none", "strict", "currentorolder"
REJECT, FAIL = "reject", "fail"


def compare_versions(left: str | None, right: str | None) -> int:
    """Negative, zero or positive like ``left.CompareTo(right)`` under the documented rules.

    Empty/None equal each other and are older than any version; two ``System.Version``-like
    strings (2-4 numeric parts) compare numerically; anything else case-insensitively.
    """
    left, right = left or "", right or ""
    if not left or not right:
        return (1 if left else 0) - (1 if right else 0)
    if _DOTNET_VERSION.match(left) and _DOTNET_VERSION.match(right):
        a = [int(p) for p in left.strip().split(".")]
        b = [int(p) for p in right.strip().split(".")]
        # System.Version: an absent build/revision part (-1) sorts before 0.
        a += [-1] * (4 - len(a))
        b += [-1] * (4 - len(b))
        return (a > b) - (a < b)
    lo, ro = left.lower(), right.lower()
    return (lo > ro) - (lo < ro)


@dataclass(frozen=True)
class VersionPolicy:
    """The worker's version and what to do with instances that do not match it."""

    version: str | None = None
    match: str = CURRENT_OR_OLDER
    failure: str = REJECT

    @property
    def active(self) -> bool:
        """Matching applies only with a ``defaultVersion`` and a strategy other than ``None``."""
        return bool(self.version) and self.match != NONE

    def mismatch(self, instance_version: str | None) -> str | None:
        """Why an instance of ``instance_version`` may not run here (None: it may run)."""
        if not self.active:
            return None
        if self.match == STRICT:
            if compare_versions(instance_version, self.version) != 0:
                return (
                    f"The orchestration version '{instance_version or ''}' does not match"
                    f" the worker version '{self.version}'."
                )
            return None
        if instance_version and compare_versions(instance_version, self.version) > 0:
            return (
                f"The orchestration version '{instance_version}' is greater than"
                f" the worker version '{self.version}'."
            )
        return None
