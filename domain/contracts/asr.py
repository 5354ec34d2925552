"""What ASR's items and jobs look like across the activity boundary (contracts §5)."""

from __future__ import annotations

from typing import NotRequired, TypedDict

# ---------------------------------------------------------------- references (contracts §5)


class VaultRef(TypedDict):
    """A Recovery Services vault: ``{subscriptionId, resourceGroup, name}``."""

    subscriptionId: str
    resourceGroup: str
    name: str


class ItemRef(TypedDict):
    """A replication protected item by its ASR names: ``{fabric, container, name}``."""

    fabric: str
    container: str
    name: str


class ActivityInput(TypedDict, total=False):
    """What every activity input may carry besides its own keys (structured logs, H2b clock)."""

    runId: str
    phase: str
    now: str


# ---------------------------------------------------------------- item facts and job snapshots


class CurrentScenario(TypedDict):
    """The operation ASR runs on an item now; ``dataSyncOption`` when pre-flight adopts it."""

    scenarioName: str
    jobId: str
    startTime: str | None
    dataSyncOption: NotRequired[str]


class ItemFacts(TypedDict, total=False):
    """What ``get_item`` / ``preflight`` read of a protected item (``domain.items.item_facts``).

    Built from ASR's wire dict (``Any`` values), so ``item_facts`` casts once where it builds it.
    """

    id: str
    name: str
    fabric: str
    container: str
    friendlyName: str
    provider: str
    protectionState: str
    activeLocation: str
    allowedOperations: list[str]
    currentScenario: CurrentScenario | None
    lastFailoverTime: str | None
    onPremVmPresent: bool | None
    useManagedDisks: bool | None
    diskCount: int
    diskSizeGB: float
    recoveryPlan: str | None
    vmId: str | None
    rpoSeconds: int | None
    rpoCalculatedAt: str | None
    rpoReported: bool
    # extras: where the item lives and how healthy ASR says it is
    primaryFabricProvider: str | None
    providerId: str | None
    vmName: str | None
    osType: str
    replicationHealth: str | None
    failoverHealth: str | None
    # VMware extras (``domain.vmware.vmware_facts``)
    replicationGroup: str | None
    masterTargetId: str | None
    processServerId: str | None
    runAsAccountId: str | None
    agentLastHeartbeat: str | None
    agentRegistered: bool | None
    policyId: str | None


class JobTask(TypedDict, total=False):
    """One task of an ASR job."""

    name: str
    friendlyName: str
    state: str
    startTime: str | None
    endTime: str | None


class JobError(TypedDict, total=False):
    """One error ASR reports on a job."""

    code: str
    message: str
    recommendedAction: str


class JobSnapshot(TypedDict, total=False):
    """An ASR job as ``get_job`` reads it (built, and cast once, by ``domain.jobs.job_snapshot``)."""

    jobId: str
    state: str
    stateDescription: str
    scenarioName: str
    allowedActions: list[str]
    startTime: str | None
    endTime: str | None
    currentTask: JobTask | None
    tasks: list[JobTask]
    percent: float | None
    etaSeconds: float | None
    dataSyncInProgress: bool
    waitingForAction: bool
    errors: list[JobError]
    friendlyName: str | None
    targetObjectName: str | None
