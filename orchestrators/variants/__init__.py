"""Which activity, with which input, carries out each ASR step of a failback, per kind.

The runbook (``orchestrators.runbook``) is one for every kind of failback. It asks the variant
of the request's ``kind`` which phases to run (``domain.phases`` names) and for the activity call
behind each ASR step: start the planned failover, the switchover, commit, reverse replication, and
"abandon" (cancel a job that waits for approval). One file per kind; :data:`VARIANTS` is built
here at import, once, and never changes. Everything is pure (no I/O, no clock): it runs inside
orchestrator replay. Waves are not a variant: ``orchestrators.waves`` runs each VM as a run.
"""

from __future__ import annotations

from types import MappingProxyType

from orchestrators.variants.base import ActivityCall, RunFacts, Variant
from orchestrators.variants.hyperv import HyperVVariant
from orchestrators.variants.recovery_plan import RecoveryPlanVariant
from orchestrators.variants.vmware import VMwareVariant

#: Every kind with a variant (the HTTP layer refuses other kinds first).
VARIANTS: MappingProxyType[str, Variant] = MappingProxyType(
    {
        "hyperv": HyperVVariant(),
        "vmware-classic": VMwareVariant("vmware-classic"),
        "vmware-modernized": VMwareVariant("vmware-modernized"),
        "recovery-plan": RecoveryPlanVariant(),
    }
)


def variant_for(kind: str) -> Variant:
    """Return the variant of a request ``kind``.

    Raises:
        ValueError: for a kind without a variant (the HTTP layer refuses those first).
    """
    try:
        return VARIANTS[kind]
    except KeyError:
        raise ValueError(f"no failback variant for kind {kind!r}") from None


__all__ = ["VARIANTS", "ActivityCall", "RunFacts", "Variant", "variant_for"]
