"""The variants' request fields: VMware inputs, recovery plans, waves (issue 7, V1-V6, H2e).

One request model serves every kind (``domain.request``); the fields below are added to
it, parsed here with the same reason collector (every reason at once), and travel in
``FailbackRequest.extra`` so that ``to_dict``/``from_dict`` round-trip them unchanged.

- ``vmware`` (kinds ``vmware-classic``, ``vmware-modernized`` and VMware plans): the
  re-protect and failover inputs (V1). Every field is optional: pre-flight picks what is
  missing from the configuration server / appliance (master target with the VM's OS and a
  VMFS/vSAN datastore, a process server in Azure, the default retention drive) and the
  failback policy is always found automatically (V2: created with the forward policy).
- ``recoveryPlan`` (kind ``recovery-plan``): the ASR recovery plan to fail back (H2e: no
  alternate location).
- ``waves`` and ``wavePolicy`` (kind ``waves``): ordered waves of VMs, the parallelism
  limit, the stop-on-failure policy and the approval mode.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from domain.request import FailbackRequest

VMWARE_KINDS = ("vmware-classic", "vmware-modernized")
VM_KINDS = ("hyperv", *VMWARE_KINDS)
VARIANT_FIELDS = ("vmware", "recoveryPlan", "waves", "wavePolicy")
VMWARE_FIELDS = (
    "masterTarget",
    "processServer",
    "datastore",
    "retentionDrive",
    "runAsAccount",
    "recoveryPointType",
    "reprotectAgent",
    "logStorageAccountId",
    "forwardProcessServer",
    "forwardPolicy",
    "vCenter",
)
#: Recovery point types per kind (the first is the default).
RECOVERY_POINTS: dict[str, tuple[str, ...]] = {
    # LatestTime brings every write home; LatestTag (app-consistent) loses what came after it.
    "vmware-classic": ("LatestTime", "LatestTag"),
    "vmware-modernized": ("ApplicationConsistent", "CrashConsistent"),
}
APPROVAL_MODES = ("per-wave", "once")
#: Ramp of VM starts in a wave. Each VM's idempotent writes read about 5 times over its run, so
#: 30 starts a minute stay near 150 reads a minute (2.5/s), under ARM's 12,000/hour (3.33/s).
DEFAULT_STARTS_PER_MINUTE = 30
MAX_WAVE_VMS = 1000
WAVE_ITEM_FIELDS = ("name", "friendlyName", "targetHost")
#: Verification computer meaning "each VM, by its own name" (plans and waves).
EACH_VM = "*"

H2E_REASON = (
    "location: 'alternate' is not possible for a recovery plan (H2e): ASR's plan-level failback "
    "input has no target host. Use kind 'waves' to fail many VMs back to another host."
)


class Reasons(Protocol):
    """The reason collector of ``domain.request`` (only what is used here)."""

    def add(self, reason: str) -> None:
        """Record one reason."""
        ...


def prepare_body(body: Mapping[str, Any], kind: object) -> Mapping[str, Any]:
    """Fill what a plan or waves request does not name itself: the run's label and computer.

    A recovery plan is addressed by ``recoveryPlan``; a waves request by its ``name`` in
    ``wavePolicy`` (default ``waves``). That label becomes ``item.name`` so that run ids and
    the one-run-per-item rule work unchanged. Verification without ``computer`` checks each
    VM by its own name (:data:`EACH_VM`).
    """
    if kind not in ("recovery-plan", "waves") or "item" in body:
        return body
    out = dict(body)
    if kind == "recovery-plan":
        label = body.get("recoveryPlan")
    else:
        policy = body.get("wavePolicy")
        label = policy.get("name", "waves") if isinstance(policy, Mapping) else "waves"
    if isinstance(label, str) and label.strip():
        out["item"] = {"name": label.strip()}
    verification = body.get("verification")
    if isinstance(verification, Mapping) and "computer" not in verification:
        out["verification"] = {**verification, "computer": EACH_VM}
    return out


def _text(value: object, path: str, r: Reasons) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        r.add(f"{path}: must be a non-empty string")
        return None
    return value.strip()


def _parse_vmware(body: Mapping[str, Any], kind: str, r: Reasons) -> dict[str, Any] | None:
    raw = body.get("vmware")
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        r.add("vmware: must be an object")
        return None
    for key in raw:
        if key not in VMWARE_FIELDS:
            r.add(f"vmware.{key}: unknown field (allowed: {', '.join(VMWARE_FIELDS)})")
    if "failbackPolicy" in raw or "policy" in raw:
        r.add("vmware: the failback policy is found automatically (V2); do not name it")
    out = {key: _text(raw.get(key), f"vmware.{key}", r) for key in VMWARE_FIELDS}
    points = RECOVERY_POINTS.get(kind)
    if points is not None:
        point = out["recoveryPointType"] or points[0]
        if point not in points:
            r.add(f"vmware.recoveryPointType: {point!r} is not one of {', '.join(points)} for {kind}")
        out["recoveryPointType"] = point
    return out


def _parse_wave_item(raw: object, path: str, r: Reasons) -> dict[str, Any] | None:
    if isinstance(raw, str) and raw.strip():
        return {"friendlyName": raw.strip()}
    if not isinstance(raw, Mapping):
        r.add(f"{path}: must be a VM name or {{friendlyName|name, targetHost}}")
        return None
    for key in raw:
        if key not in WAVE_ITEM_FIELDS:
            r.add(f"{path}.{key}: unknown field (allowed: {', '.join(WAVE_ITEM_FIELDS)})")
    item = {k: _text(raw.get(k), f"{path}.{k}", r) for k in WAVE_ITEM_FIELDS}
    if (item["name"] is None) == (item["friendlyName"] is None):
        r.add(f"{path}: give exactly one of name or friendlyName")
        return None
    return {k: v for k, v in item.items() if v is not None}


def _parse_waves(body: Mapping[str, Any], r: Reasons) -> list[dict[str, Any]]:
    raw = body.get("waves")
    if not isinstance(raw, list) or not raw:
        r.add("waves: required, a non-empty list of {name, items}")
        return []
    waves: list[dict[str, Any]] = []
    seen: set[str] = set()
    total = 0
    for n, wave in enumerate(raw):
        path = f"waves[{n}]"
        if not isinstance(wave, Mapping):
            r.add(f"{path}: must be an object {{name, items}}")
            continue
        for key in wave:
            if key not in ("name", "items"):
                r.add(f"{path}.{key}: unknown field (allowed: name, items)")
        items_raw = wave.get("items")
        if not isinstance(items_raw, list) or not items_raw:
            r.add(f"{path}.items: required, a non-empty list of VMs")
            continue
        items = []
        for m, entry in enumerate(items_raw):
            item = _parse_wave_item(entry, f"{path}.items[{m}]", r)
            if item is None:
                continue
            label = str(item.get("name") or item.get("friendlyName")).lower()
            if label in seen:
                r.add(f"{path}.items[{m}]: {label!r} is already in a wave")
                continue
            seen.add(label)
            items.append(item)
        total += len(items)
        name = _text(wave.get("name"), f"{path}.name", r) or f"wave-{n + 1}"
        waves.append({"name": name, "items": items})
    if total > MAX_WAVE_VMS:
        r.add(f"waves: {total} VMs exceed the limit of {MAX_WAVE_VMS} per request")
    return waves


def _parse_wave_policy(body: Mapping[str, Any], r: Reasons) -> dict[str, Any]:
    raw = body.get("wavePolicy") or {}
    if not isinstance(raw, Mapping):
        r.add("wavePolicy: must be an object")
        raw = {}
    allowed = ("name", "parallelism", "startsPerMinute", "stopOnFailure", "approval", "vmKind")
    for key in raw:
        if key not in allowed:
            r.add(f"wavePolicy.{key}: unknown field (allowed: {', '.join(allowed)})")
    parallelism = raw.get("parallelism", 10)
    if isinstance(parallelism, bool) or not isinstance(parallelism, int) or not 1 <= parallelism <= 500:
        r.add("wavePolicy.parallelism: must be an integer between 1 and 500")
        parallelism = 10
    ramp = raw.get("startsPerMinute", DEFAULT_STARTS_PER_MINUTE)
    if isinstance(ramp, bool) or not isinstance(ramp, int) or not 1 <= ramp <= 1000:
        r.add("wavePolicy.startsPerMinute: must be an integer between 1 and 1000")
        ramp = DEFAULT_STARTS_PER_MINUTE
    stop = raw.get("stopOnFailure", True)
    if not isinstance(stop, bool):
        r.add("wavePolicy.stopOnFailure: must be true or false")
        stop = True
    approval = raw.get("approval", "per-wave")
    if approval not in APPROVAL_MODES:
        r.add(f"wavePolicy.approval: {approval!r} is not one of {', '.join(APPROVAL_MODES)}")
        approval = "per-wave"
    vm_kind = raw.get("vmKind", "hyperv")
    if vm_kind not in VM_KINDS:
        r.add(f"wavePolicy.vmKind: {vm_kind!r} is not one of {', '.join(VM_KINDS)}")
        vm_kind = "hyperv"
    return {
        "name": _text(raw.get("name"), "wavePolicy.name", r) or "waves",
        "parallelism": parallelism,
        "startsPerMinute": ramp,
        "stopOnFailure": stop,
        "approval": approval,
        "vmKind": vm_kind,
    }


def parse_variant_fields(body: Mapping[str, Any], kind: str, r: Reasons) -> dict[str, Any]:
    """Parse the fields of ``kind``; refuse the fields of other kinds. Returns the ``extra`` dict."""
    extra: dict[str, Any] = {}
    uses_vmware = kind in VMWARE_KINDS or kind in ("recovery-plan", "waves")
    if "vmware" in body and not uses_vmware:
        r.add(f"vmware: only for kinds {', '.join(VMWARE_KINDS)}, recovery-plan and waves")
    elif uses_vmware and (kind in VMWARE_KINDS or "vmware" in body):
        vm_kind = kind
        if kind == "waves" and isinstance(body.get("wavePolicy"), Mapping):
            vm_kind = str(body["wavePolicy"].get("vmKind", "hyperv"))
        parsed = _parse_vmware(body, vm_kind, r)
        if parsed is not None:
            extra["vmware"] = parsed
    if kind == "recovery-plan":
        plan = _text(body.get("recoveryPlan"), "recoveryPlan", r)
        if plan is None:
            r.add("recoveryPlan: required for kind 'recovery-plan' (the ASR recovery plan's name)")
        extra["recoveryPlan"] = plan
    elif "recoveryPlan" in body:
        r.add("recoveryPlan: only for kind 'recovery-plan'")
    if kind == "waves":
        extra["waves"] = _parse_waves(body, r)
        extra["wavePolicy"] = _parse_wave_policy(body, r)
    else:
        for key in ("waves", "wavePolicy"):
            if key in body:
                r.add(f"{key}: only for kind 'waves'")
    return extra


#: Seed 002: failback to another vCenter names it, a master target on its ESXi host and a datastore.
ALTERNATE_VCENTER_FIELDS = ("vCenter", "masterTarget", "datastore")


def _vmware_rules(req: FailbackRequest, r: Reasons) -> None:
    if req.target_host:
        r.add(
            "targetHost: VMware/physical failback has no target host; an on-prem VM that no longer exists "
            "is created on the master target's ESXi host (name it in vmware.masterTarget)"
        )
    chosen = req.extra.get("vmware") or {}
    if req.location == "alternate" and req.kind != "vmware-classic":
        r.add("location: failback to another vCenter is offered for kind 'vmware-classic' only")
    elif req.location == "alternate":
        missing = [f"vmware.{k}" for k in ALTERNATE_VCENTER_FIELDS if not chosen.get(k)]
        if missing:
            r.add(
                "location: failback to another vCenter (seed 002) needs vmware.vCenter (the other vCenter, "
                "discovered by the configuration server), vmware.masterTarget (a master target on one of "
                f"its ESXi hosts) and vmware.datastore; missing {', '.join(missing)}"
            )
    elif chosen.get("vCenter"):
        r.add("vmware.vCenter: only with location 'alternate' (failback to another vCenter)")
    if req.data_sync == "during-failover":
        r.add(
            "dataSync: VMware failback always synchronizes before the failover (re-protect to "
            "on-premises is sync phase 1); use 'auto' or 'before-failover'"
        )
    if req.encryption_certificate is not None:
        r.add("encryptionCertificate: only for Hyper-V sites managed by VMM with data encryption (H4)")


def _plan_rules(req: FailbackRequest, r: Reasons) -> None:
    if req.location == "alternate" or req.target_host:
        r.add(H2E_REASON)


def _waves_rules(req: FailbackRequest, r: Reasons) -> None:
    waves = req.extra.get("waves") or []
    if req.location == "alternate":
        missing = [
            str(i.get("friendlyName") or i.get("name"))
            for w in waves
            for i in w["items"]
            if not i.get("targetHost") and not req.target_host
        ]
        if missing:
            r.add(
                "targetHost: alternate location needs a target host per VM (or one for all); "
                f"missing for {', '.join(missing[:10])}"
            )
    elif any(i.get("targetHost") for w in waves for i in w["items"]) or req.target_host:
        r.add("targetHost: only used when location is 'alternate'")


KIND_RULES = {
    "vmware-classic": _vmware_rules,
    "vmware-modernized": _vmware_rules,
    "recovery-plan": _plan_rules,
    "waves": _waves_rules,
}
