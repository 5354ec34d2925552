"""The run's vocabulary: instance ids, orchestrator, event and gate names, outcomes (contracts §6, §7).

Every name a failback run is known by lives here, once: the runbook, the waves run, the report
and the HTTP layer all read it from this module. These strings are in the histories of runs in
flight and in operators' scripts: **never rename one** (a run replays against the names it started
with).

Instance ids:

- a run: ``fb-<vault>-<vm>-<key>-g<generation>`` (:func:`run_base`, :func:`run_id`; below);
  runs started before that format were ``fb-<vault>-<item>-<yyyymmddHHMMSS>``, and
  :func:`vault_run_prefix` finds the current ones (and the old ones when the vault's name needed
  no shortening);
- its approval gate: ``<runId>:gate:<gate>`` (:func:`gate_instance_id`);
- a job wait: ``<runId>:job:<phase>[-<n>]`` (:func:`tracker_id`);
- a VM of a waves run: ``<runId>:vm:<vm>`` (:func:`child_instance_id`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

# ------------------------------------------------------------------------------------ orchestrators

FAILBACK_ORCHESTRATOR = "failback_orchestrator"
GATE_ORCHESTRATOR = "approval_gate"
WAIT_ORCHESTRATOR = "wait_for_asr_job"

# ------------------------------------------------------------------------------------ external events

#: On a run (and on a waves run): ``{requestId, by, reason, deferIfRefused?}``.
CANCEL_EVENT = "CancelRequest"
#: On a run holding after a failed verification: ``{decision: commit-anyway | leave-manual, by, comment}``.
VERIFICATION_EVENT = "VerificationDecision"
#: On a run waiting for Azure after the switchover: ``{decision: retry-now | hand-over, by, comment, wait}``.
AZURE_WAIT_EVENT = "AzureWaitDecision"
#: On a gate: ``{decision, by, comment, gate, groups?, nonce?, attested?}``.
APPROVAL_EVENT = "ApprovalDecision"

# ------------------------------------------------------------------------------------ gates

#: Before the Azure VM is shut down (phase ``approval``).
GATE_SWITCHOVER = "switchover"
#: The maintenance window closed (or closes) before the switchover could finish.
GATE_WINDOW = "window"
#: A person confirms the on-premises VM works (``verification.humanConfirmation``).
GATE_VERIFICATION = "verification"
#: Not a gate sub-orchestration: the run's own wait for ``VerificationDecision`` (timeline ``gate``).
#: Only runs started before decisions went through gates (no :data:`DECISIONS_KEY` in their input).
VERIFICATION_DECISION = "verification-decision"
#: After a failed verification: approving commits anyway (deletes the Azure VM), rejecting leaves
#: the failback for manual work; the approval policy applies (quorum, four-eyes), as on any gate.
GATE_COMMIT_ANYWAY = "commit-anyway"
#: While a run waits for Azure after the switchover: approving hands the failback over to manual work,
#: rejecting retries at once. One gate per decision asked (:func:`azure_wait_gate`); a gate Azure's
#: recovery made pointless is closed ``withdrawn`` by the run.
GATE_AZURE_WAIT = "azure-wait"

# ------------------------------------------------------------------------------------ run input

#: Key of the run's input naming how its decisions are taken. Absent: a run started before the
#: commit-anyway gate existed, which replays its original route-level hold (``VerificationDecision``).
DECISIONS_KEY = "decisions"
#: :data:`DECISIONS_KEY` of runs whose decision after a failed verification is the gate
#: :data:`GATE_COMMIT_ANYWAY`; their decision on a wait for Azure stays at the route (``AzureWaitDecision``).
DECISIONS_BY_GATE = "gate"
#: :data:`DECISIONS_KEY` of runs whose every decision is a gate: commit-anyway and, after the
#: switchover, the decision on a wait for Azure (:func:`azure_wait_gate`).
DECISIONS_BY_GATES = "gates"
#: Key of the run's input naming when trouble after the switchover shows as "waiting for Azure".
#: Absent: a run started before, whose activities first retry out of sight (about 7.5 minutes of
#: durable timers in ``orchestrators.durable.call_activity``) and which replays that way.
AZURE_WAIT_KEY = "azureWait"
#: :data:`AZURE_WAIT_KEY` of runs that wait visibly from the first failed try after the switchover:
#: one attempt per activity (and per job poll), the back-off is the wait's own (H12).
AZURE_WAIT_FIRST_TRY = "first-try"

# ------------------------------------------------------------------------------------ custom status

#: The ``phase`` of a waves run until its report (its VMs' runs have the runbook's phases).
WAVES_PHASE = "waves"
#: ``awaiting`` values of a run's custom status (contracts §6).
AWAITING_APPROVAL = "approval"
AWAITING_WINDOW = "window"
AWAITING_DECISION = VERIFICATION_DECISION
#: After the switchover, ARM or Log Analytics is failing: the run retries with back-off (H12).
AWAITING_AZURE = "azure"


class Outcome(StrEnum):
    """How a run ends: the report's ``outcome`` (each member is its plain string value)."""

    SUCCEEDED = "succeeded"
    #: pre-flight failed: nothing changed in ASR
    REJECTED = "rejected"
    DRY_RUN = "dry-run"
    #: the approval gate rejected or timed out (the safe outcome)
    NOT_APPROVED = "not-approved"
    CANCELLED = "cancelled"
    FAILED = "failed"
    #: verification failed and nobody chose to commit (H6)
    LEFT_MANUAL = "left-manual"
    #: the maintenance window closed and the window gate did not approve
    WINDOW_MISSED = "window-missed"


# ------------------------------------------------------------------------------------ instance ids


def gate_instance_id(run_id: str, gate: str) -> str:
    """Return the instance id of the gate sub-orchestrator of ``run_id`` (contracts §7)."""
    return f"{run_id}:gate:{gate}"


def azure_wait_gate(n: int) -> str:
    """Name of the ``n``-th (1, 2, …) azure-wait gate of a run: ``azure-wait-<n>``."""
    return f"{GATE_AZURE_WAIT}-{n}"


def is_azure_wait_gate(gate: str | None) -> bool:
    """Whether a gate name is one of a run's azure-wait gates."""
    return str(gate or "").startswith(f"{GATE_AZURE_WAIT}-")


def tracker_id(run_id: str, step: str) -> str:
    """Instance id of the job wait of ``step`` (a phase name) in run ``run_id``."""
    return f"{run_id}:job:{step}"


def vm_label(entry: Mapping[str, Any]) -> str:
    """A waves VM's name as the request gives it."""
    return str(entry.get("friendlyName") or entry.get("name"))


def child_instance_id(run_id: str, entry: Mapping[str, Any]) -> str:
    """Instance id of a VM's run inside the waves run."""
    return f"{run_id}:vm:{vm_label(entry).lower()}"


# ------------------------------------------------------------------------------------ one run per item
# One run per item: the canonical ARM id of what a run fails back, and the run's instance id.
#
# A request may name a VM by its friendly name or by its ASR name, in any case; the HTTP layer
# resolves it in ASR first (``function_app.run_claim``) and keys the run on the item's canonical ARM
# id (subscription, resource group, vault, fabric, container, item; lower case). The instance id is
#
#     fb-<vault>-<vm>-<key>-g<generation>
#
# ``<vault>`` and ``<vm>`` (the friendly name ASR gives the item) are for people; ``<key>`` is a hash of
# the canonical id, so two vaults of one name in two resource groups or subscriptions never share a
# run; ``<generation>`` counts the runs of the item (a new run after one has ended takes the next).
# Starting an instance id the host already runs is refused (the Durable singleton pattern), so of
# concurrent requests for one item exactly one starts the run.

_UNSAFE = re.compile(r"[^a-z0-9-]+")
_PROVIDER = "providers/microsoft.recoveryservices/vaults"
#: Length of the hash of the canonical id in the instance id (hex digits).
KEY_LENGTH = 12
#: At most this many characters of the vault's name in an instance id.
VAULT_LENGTH = 24
_GENERATION = re.compile(r"^-g(\d{1,6})$")


def _safe(text: str, limit: int) -> str:
    return _UNSAFE.sub("-", text.lower()).strip("-")[:limit] or "x"


def vault_id(vault: Mapping[str, Any]) -> str:
    """The vault's ARM id (lower case) from ``{subscriptionId, resourceGroup, name}``."""
    return (
        f"/subscriptions/{vault['subscriptionId']}/resourcegroups/{vault['resourceGroup']}/"
        f"{_PROVIDER}/{vault['name']}"
    ).lower()


def item_id(vault: Mapping[str, Any], fabric: str, container: str, name: str) -> str:
    """The canonical ARM id (lower case) of a replication protected item."""
    return (
        f"{vault_id(vault)}/replicationfabrics/{fabric}/replicationprotectioncontainers/{container}/"
        f"replicationprotecteditems/{name}"
    ).lower()


def plan_id(vault: Mapping[str, Any], plan: str) -> str:
    """The canonical ARM id (lower case) of a recovery plan."""
    return f"{vault_id(vault)}/replicationrecoveryplans/{plan}".lower()


def waves_id(vault: Mapping[str, Any], name: str) -> str:
    """The key of a waves run: the vault's id and the waves' name (a waves run is no ASR resource)."""
    return f"{vault_id(vault)}/waves/{name}".lower()


def unresolved_id(vault: Mapping[str, Any], label: str) -> str:
    """The key of a request naming nothing ASR knows (its run ends at pre-flight, changing nothing)."""
    return f"{vault_id(vault)}/unresolved/{label}".lower()


def vault_run_prefix(vault_name: str) -> str:
    """``fb-<vault>-``: every run id of the vault starts with it (:func:`run_base` begins with it).

    The vault's name as run ids carry it: lower case, runs of unsafe characters collapsed to one
    ``-``, shortened to 24 characters. Runs of the format before issue 12
    (``fb-<vault>-<item>-<stamp>``) carry it too when the vault's name needed neither.
    """
    return f"fb-{_safe(vault_name, VAULT_LENGTH)}-"


def run_base(vault_name: str, label: str, canonical_id: str) -> str:
    """``fb-<vault>-<vm>-<key>``: the instance ids of every run of one item start with it."""
    key = hashlib.sha256(canonical_id.lower().encode()).hexdigest()[:KEY_LENGTH]
    return f"{vault_run_prefix(vault_name)}{_safe(label, 32)}-{key}"


def run_id(base: str, generation: int) -> str:
    """The instance id of the ``generation``-th run of an item (1 for the first)."""
    return f"{base}-g{generation}"


def generation_of(instance_id: str, base: str) -> int | None:
    """The generation of an instance id of ``base``; None for any other id (gates, other items)."""
    if not instance_id.startswith(base):
        return None
    match = _GENERATION.match(instance_id[len(base) :])
    return int(match.group(1)) if match else None
