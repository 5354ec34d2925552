"""What a variant is: the activity calls it builds, the facts it reads, the hooks' defaults. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, cast

from domain import phases
from domain.contracts import ItemRef, VaultRef
from domain.request import FailbackRequest


@dataclass(frozen=True)
class ActivityCall:
    """One activity invocation: its registered name and its JSON input."""

    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class RunFacts:
    """What a variant needs to build activity inputs; all JSON-friendly.

    Attributes:
        request: the validated request.
        item: the resolved item ref ``{fabric, container, name}`` (from pre-flight facts).
        sync: ``domain.sync_policy.resolve_data_sync`` output (``dataSyncOption``,
            ``asrDataSyncOption``, ``reason``, ...).
        facts: the item's ``ItemFacts`` as pre-flight saw them.
        details: what a variant's pre-flight chose besides the facts (VMware ``inputs``,
            a recovery plan's ``plan``), passed back to its activities.
    """

    request: FailbackRequest
    item: ItemRef
    sync: Mapping[str, Any]
    facts: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def vault(self) -> VaultRef:
        """The vault dict of the contract."""
        return cast(VaultRef, self.request.vault.to_dict())

    @property
    def data_sync(self) -> str:
        """``before-failover`` or ``during-failover`` (resolved)."""
        return str(self.sync["dataSyncOption"])


class Variant(Protocol):
    """The steps of one kind of failback. Every method is pure."""

    kind: str

    def phase_order(self, run: RunFacts) -> list[str]:
        """Phases after pre-flight, in order (``domain.phases`` names, ending with ``report``)."""
        ...

    def start(self, run: RunFacts) -> ActivityCall:
        """The call that starts the planned failover (phase 1, or the whole failover)."""
        ...

    def switchover(self, run: RunFacts, job_id: str | None) -> ActivityCall:
        """The call that shuts the Azure VM down and starts the on-prem VM."""
        ...

    def suspends_after_start(self, run: RunFacts) -> bool:
        """Whether the started job waits (Suspended) for the switchover."""
        ...

    def commit(self, run: RunFacts) -> ActivityCall:
        """The call that commits the failover."""
        ...

    def reprotect(self, run: RunFacts) -> ActivityCall:
        """The call that starts reverse replication (on-prem -> Azure)."""
        ...

    def abandon(self, run: RunFacts, job_id: str) -> ActivityCall:
        """The call that cancels a job waiting for approval (never during data sync, H10)."""
        ...

    # Hooks added for VMware, recovery plans and waves (issue 7); Hyper-V keeps the defaults.

    def preflight(self, request: FailbackRequest, request_dict: dict[str, Any]) -> ActivityCall:
        """The pre-flight activity of this kind."""
        ...

    def start_steps(self, run: RunFacts) -> list[ActivityCall]:
        """Sync phase 1 as a list of ASR operations, each awaited in turn (default: ``start``)."""
        ...

    def reprotect_steps(self, run: RunFacts) -> list[ActivityCall]:
        """Reverse replication as a list of ASR operations (default: ``reprotect``)."""
        ...

    def retry_delay(self, run: RunFacts, phase: str, failure: str, waited: timedelta) -> timedelta | None:
        """After a failed ASR job of ``phase``: how long to wait before trying again, or ``None``."""
        ...

    def computers(self, run: RunFacts) -> list[str]:
        """The ``Computer`` names verification checks."""
        ...

    def after_effects(self, facts: Mapping[str, Any] | None) -> list[str] | None:
        """V6 after-effects for the report in place of the item's own, or ``None`` to keep those."""
        ...


def data_sync_order(run: RunFacts) -> list[str]:
    """Phases after pre-flight as the resolved data-sync option orders them (Hyper-V items and plans)."""
    order = phases.phase_order(
        run.data_sync,
        maintenance_window=run.request.maintenance_window is not None,
        reverse_replication=run.request.reverse_replication,
    )
    return [p for p in order if p != phases.PREFLIGHT]


def before_failover_order(run: RunFacts) -> list[str]:
    """Phases after pre-flight of a kind that always synchronizes first (VMware: re-protect to on-prem)."""
    order = phases.phase_order(
        "before-failover",
        maintenance_window=run.request.maintenance_window is not None,
        reverse_replication=run.request.reverse_replication,
    )
    return [p for p in order if p != phases.PREFLIGHT]


class VariantDefaults:
    """The hooks' defaults: one operation per step, no retries, the request's computer."""

    def preflight(self, request: FailbackRequest, request_dict: dict[str, Any]) -> ActivityCall:
        """``preflight`` (Hyper-V rules H2, H4); in a wave, with vault-level reads shared per tick."""
        name = "preflight_shared" if request.extra.get("sharedPolling") else "preflight"
        return ActivityCall(name, {"vault": request.vault.to_dict(), "request": request_dict})

    def start_steps(self, run: RunFacts) -> list[ActivityCall]:
        """``[start(run)]``."""
        return [self.start(run)]  # type: ignore[attr-defined]

    def reprotect_steps(self, run: RunFacts) -> list[ActivityCall]:
        """``[reprotect(run)]``."""
        return [self.reprotect(run)]  # type: ignore[attr-defined]

    def retry_delay(self, run: RunFacts, phase: str, failure: str, waited: timedelta) -> timedelta | None:
        """No retry: a failed job stops the run."""
        return None

    def computers(self, run: RunFacts) -> list[str]:
        """The request's ``verification.computer``."""
        return [run.request.verification.computer]

    def after_effects(self, facts: Mapping[str, Any] | None) -> list[str] | None:
        """``None``: the report's after-effects follow the item (``domain.report.build_report``)."""
        return None
