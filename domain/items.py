"""Facts about a protected item and its site, read from ASR's wire JSON (camelCase dicts).

The activities turn SDK models into plain dicts (``model.as_dict()``, the wire shape) and
hand them here; this module has no ``azure.*`` import. :func:`item_facts` builds the
contract's ``ItemFacts`` (docs/contracts.md §5); :func:`provider_facts` and
:func:`fabric_facts` build what the pre-flight rules need about the on-prem side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from domain.contracts import ItemFacts, ItemRef

#: ASR's "no operation running" sentinel for ``currentScenario``.
IDLE_SCENARIO = "None"
#: Item states after a failback job, before its commit: R3 ``FinalizeRestorePending`` (Hyper-V),
#: ``PlannedFailoverCommitRequired`` (other providers, earlier guesses).
COMMIT_PENDING_STATES = ("FinalizeRestorePending", "PlannedFailoverCommitRequired")
#: ``allowedOperations`` names that permit ``failoverCommit``: R5/G13, Hyper-V offers
#: ``FinalizeFailback`` after a failback, other cases ``Commit``.
COMMIT_OPERATIONS = ("Commit", "FinalizeFailback")


def commit_allowed(facts: Mapping[str, Any]) -> bool:
    """Whether the item allows ``failoverCommit`` now (``Commit`` or ``FinalizeFailback``, R5)."""
    return any(op in (facts.get("allowedOperations") or []) for op in COMMIT_OPERATIONS)


_UNSET_PREFIXES = ("0001-01-01", "1753-01-01")


def iso(value: object) -> str | None:
    """Return an ISO 8601 string, or ``None`` for empty and ASR's "unset" sentinels."""
    if value is None or value == "":
        return None
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return None if text.startswith(_UNSET_PREFIXES) else text


def parse_time(value: object) -> datetime | None:
    """Parse an ISO time from ASR (``Z``, 7-digit fractions, no TZ) to an aware UTC datetime."""
    text = iso(value)
    if text is None:
        return None
    cleaned = text.replace("Z", "+00:00")
    head, sep, tail = cleaned.partition(".")
    if sep:  # Python accepts at most 6 fraction digits
        digits = "".join(ch for ch in tail if ch.isdigit())
        zone = tail[len(digits) :]
        cleaned = f"{head}.{digits[:6]}{zone}"
    try:
        when = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def arm_segment(arm_id: str, collection: str) -> str | None:
    """Return the name after ``/<collection>/`` in an ARM id (case-insensitive), if present."""
    parts = [p for p in (arm_id or "").split("/") if p]
    for n, part in enumerate(parts[:-1]):
        if part.lower() == collection.lower():
            return parts[n + 1]
    return None


def job_name_from_id(job_id: str) -> str:
    """Return the job name (GUID) of a job ARM id, or the text itself if it is a bare name."""
    return arm_segment(job_id, "replicationJobs") or (job_id or "").rsplit("/", 1)[-1]


def current_scenario(props: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return ``{scenarioName, jobId, startTime}`` of a running operation, ``None`` when idle."""
    scenario = props.get("currentScenario") or {}
    name = scenario.get("scenarioName")
    job_id = scenario.get("jobId") or ""
    if not name or name == IDLE_SCENARIO or job_name_from_id(job_id) in ("", IDLE_SCENARIO):
        return None
    return {
        "scenarioName": name,
        "jobId": job_name_from_id(job_id),
        "startTime": iso(scenario.get("startTime")),
    }


def _truthy(value: object) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def number(value: object) -> float | None:
    """A number ASR may send as a string (R39: ``maxSizeMB`` ``"40960"``, ``lunId`` ``"0"``)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _disks(details: Mapping[str, Any]) -> tuple[int, float]:
    disks = details.get("azureVmDiskDetails") or []
    managed = details.get("protectedManagedDisks") or []
    size_mb = sum(number(d.get("maxSizeMB")) or 0 for d in disks)
    return max(len(disks), len(managed)), round(size_mb / 1024, 2)


def _rpo(details: Mapping[str, Any]) -> int | None:
    """``rpoInSeconds`` when an RPO was calculated (the time is not ASR's "never" sentinel)."""
    seconds = number(details.get("rpoInSeconds"))
    calculated = details.get("lastRpoCalculatedTime")
    if seconds is None or (calculated is not None and iso(calculated) is None):
        return None
    return int(seconds)


def item_facts(
    rpi: Mapping[str, Any],
    *,
    on_prem_vm_present: bool | None = None,
    recovery_plan: str | None = None,
) -> ItemFacts:
    """Build ``ItemFacts`` from a ReplicationProtectedItem dict (wire shape).

    Args:
        rpi: ``{id, name, properties: {...}}`` as ASR returns it.
        on_prem_vm_present: whether the original on-prem VM still exists (``None``: unknown).
        recovery_plan: name of a recovery plan the item belongs to, if any.

    Returns:
        The contract's ``ItemFacts`` plus a few extra keys used by pre-flight and
        reverse replication (``primaryFabricProvider``, ``providerId``, ``vmId``,
        ``vmName``, ``osType``, ``replicationHealth``, ``failoverHealth``).
    """
    props = rpi.get("properties") or {}
    details = props.get("providerSpecificDetails") or {}
    arm_id = str(rpi.get("id") or "")
    disk_count, disk_gb = _disks(details)
    os_details = details.get("oSDetails") or details.get("osDetails") or {}
    return cast(
        ItemFacts,
        {
            "id": arm_id,
            "name": rpi.get("name") or arm_segment(arm_id, "replicationProtectedItems"),
            "fabric": arm_segment(arm_id, "replicationFabrics"),
            "container": arm_segment(arm_id, "replicationProtectionContainers"),
            "friendlyName": props.get("friendlyName"),
            "provider": details.get("instanceType"),
            "protectionState": props.get("protectionState"),
            "activeLocation": props.get("activeLocation"),
            "allowedOperations": list(props.get("allowedOperations") or []),
            "currentScenario": current_scenario(props),
            "lastFailoverTime": iso(props.get("lastSuccessfulFailoverTime")),
            "onPremVmPresent": on_prem_vm_present,
            "useManagedDisks": _truthy(details.get("useManagedDisks")),
            "diskCount": disk_count,
            "diskSizeGB": disk_gb,
            "recoveryPlan": recovery_plan,
            # extras (additive to the contract)
            "primaryFabricProvider": props.get("primaryFabricProvider"),
            "providerId": props.get("recoveryServicesProviderId"),
            "vmId": details.get("vmId"),
            "vmName": details.get("recoveryAzureVmName") or props.get("friendlyName"),
            "osType": os_details.get("osType") or "Windows",
            "replicationHealth": props.get("replicationHealth"),
            "failoverHealth": props.get("failoverHealth"),
            # R9/R10: reverse replication is done when Protected with an RPO (sentinel times = none)
            "rpoSeconds": _rpo(details),
            "rpoCalculatedAt": iso(details.get("lastRpoCalculatedTime")),
            # providers whose details carry no RPO at all: Protected alone says replication is back
            "rpoReported": "rpoInSeconds" in details,
        },
    )


def item_ref(facts: Mapping[str, Any]) -> ItemRef:
    """Return the contract's ``ItemRef`` ``{fabric, container, name}`` of some ``ItemFacts``."""
    return {"fabric": str(facts["fabric"]), "container": str(facts["container"]), "name": str(facts["name"])}


def provider_facts(provider: Mapping[str, Any]) -> dict[str, Any]:
    """Condense a RecoveryServicesProvider dict (Hyper-V host or VMM server) for pre-flight."""
    props = provider.get("properties") or {}
    return {
        "id": provider.get("id"),
        "name": provider.get("name"),
        "friendlyName": props.get("friendlyName") or props.get("machineName"),
        "fabricType": props.get("fabricType"),
        "connectionStatus": props.get("connectionStatus"),
        "lastHeartBeat": iso(props.get("lastHeartBeat")),
    }


def fabric_facts(fabric: Mapping[str, Any], providers: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Condense a fabric dict and its providers: type (``HyperVSite``/``VMM``), encryption, hosts."""
    props = fabric.get("properties") or {}
    custom = props.get("customDetails") or {}
    encryption = props.get("encryptionDetails") or {}
    return {
        "name": fabric.get("name"),
        "friendlyName": props.get("friendlyName"),
        "fabricType": custom.get("instanceType"),
        "encryption": {
            "kekState": encryption.get("kekState"),
            "kekCertThumbprint": encryption.get("kekCertThumbprint"),
        },
        "providers": [provider_facts(p) for p in providers],
    }
