"""The variants' request fields and rules: VMware inputs, recovery plans, waves (issue 7, V1-V6, H2e).

One request model serves every kind (``domain.request.failback``); a variant adds optional
fields there and a rule in :data:`KIND_RULES`, it never copies the model.

- ``vmware`` (kinds ``vmware-classic``, ``vmware-modernized`` and VMware plans or waves): the
  re-protect and failover inputs (V1). Every field is optional: pre-flight picks what is
  missing from the configuration server / appliance and the failback policy is always found
  automatically (V2: created with the forward policy).
- ``recoveryPlan`` (kind ``recovery-plan``): the ASR recovery plan to fail back (H2e: no
  alternate location).
- ``waves`` and ``wavePolicy`` (kind ``waves``): ordered waves of VMs, the parallelism
  limit, the stop-on-failure policy and the approval mode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from domain.request.errors import refuse
from domain.request.models import RequestModel, Text

if TYPE_CHECKING:
    from domain.request.failback import FailbackRequest

VMWARE_KINDS = ("vmware-classic", "vmware-modernized")
VM_KINDS = ("hyperv", *VMWARE_KINDS)
VARIANT_FIELDS = ("vmware", "recoveryPlan", "waves", "wavePolicy")
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
#: Verification computer meaning "each VM, by its own name" (plans and waves).
EACH_VM = "*"
#: Seed 002: failback to another vCenter names it, a master target on its ESXi host and a datastore.
ALTERNATE_VCENTER_FIELDS = ("vCenter", "masterTarget", "datastore")

H2E_REASON = (
    "'alternate' is not possible for a recovery plan (H2e): ASR's plan-level failback "
    "input has no target host. Use kind 'waves' to fail many VMs back to another host."
)

Problems = list[tuple[str, str]]


class VmwareInputs(RequestModel):
    """V1: re-protect and failover inputs; pre-flight chooses whatever is not named."""

    master_target: Text | None = None
    process_server: Text | None = None
    datastore: Text | None = None
    retention_drive: Text | None = None
    run_as_account: Text | None = None
    recovery_point_type: Text | None = None
    reprotect_agent: Text | None = None
    log_storage_account_id: Text | None = None
    forward_process_server: Text | None = None
    forward_policy: Text | None = None
    v_center: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_policy(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and ("failbackPolicy" in data or "policy" in data):
            raise refuse("the failback policy is found automatically (V2); do not name it")
        return data


class WaveItem(RequestModel):
    """A VM of a wave: by ASR name or friendly name, with its own target host (alternate location)."""

    name: Text | None = None
    friendly_name: Text | None = None
    target_host: Text | None = None

    @model_validator(mode="after")
    def _exactly_one_name(self) -> WaveItem:
        if (self.name is None) == (self.friendly_name is None):
            raise refuse("give exactly one of name or friendlyName")
        return self

    @property
    def label(self) -> str:
        """The VM's name as given."""
        return self.name or self.friendly_name or ""


class Wave(RequestModel):
    """One wave; its VMs start together (within the parallelism limit). ``name``: ``wave-<n>``."""

    name: Text | None = None
    items: Annotated[tuple[WaveItem, ...], Field(min_length=1)]

    @field_validator("items", mode="before", json_schema_input_type=list[Text | WaveItem])
    @classmethod
    def _names_are_friendly_names(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"friendlyName": v} if isinstance(v, str) and v.strip() else v for v in value]
        return value


class WavePolicy(RequestModel):
    """How the waves run: the run's label, parallelism, ramp, stop on failure, approval per wave or once."""

    name: Text = "waves"
    parallelism: Annotated[StrictInt, Field(ge=1, le=500)] = 10
    starts_per_minute: Annotated[StrictInt, Field(ge=1, le=1000)] = DEFAULT_STARTS_PER_MINUTE
    stop_on_failure: StrictBool = True
    approval: Literal["per-wave", "once"] = "per-wave"
    vm_kind: Literal["hyperv", "vmware-classic", "vmware-modernized"] = "hyperv"


def prepare_body(data: Mapping[str, Any]) -> dict[str, Any]:
    """Fill what a body leaves to its kind, before the fields are validated.

    A recovery plan is addressed by ``recoveryPlan``, a waves request by ``wavePolicy.name``
    (default ``waves``): that label becomes ``item.name`` so that run ids and the
    one-run-per-item rule work unchanged, and verification without ``computer`` checks each
    VM by its own name (:data:`EACH_VM`). VMware kinds get their ``vmware`` inputs with the
    kind's default recovery point; ``createVmIfNotFound`` defaults to true for an alternate
    location (H9: create the VM on the new host).
    """
    out = {key: value for key, value in data.items() if value is not None}
    kind = out.get("kind", "hyperv")
    policy = out.get("wavePolicy")
    if kind in ("recovery-plan", "waves") and "item" not in out:
        label = out.get("recoveryPlan") if kind == "recovery-plan" else None
        if kind == "waves":
            label = policy.get("name", "waves") if isinstance(policy, Mapping) else "waves"
        if isinstance(label, str) and label.strip():
            out["item"] = {"name": label.strip()}
        verification = out.get("verification")
        if isinstance(verification, Mapping) and verification.get("computer") is None:
            out["verification"] = {**verification, "computer": EACH_VM}
    if kind in VMWARE_KINDS:
        out.setdefault("vmware", {})
    if kind == "waves":
        out.setdefault("wavePolicy", {})
    vm_kind = policy.get("vmKind", "hyperv") if kind == "waves" and isinstance(policy, Mapping) else kind
    vmware = out.get("vmware")
    if vm_kind in RECOVERY_POINTS and isinstance(vmware, Mapping) and not vmware.get("recoveryPointType"):
        out["vmware"] = {**vmware, "recoveryPointType": RECOVERY_POINTS[vm_kind][0]}
    out.setdefault("createVmIfNotFound", out.get("location") == "alternate")
    return out


def variant_problems(req: FailbackRequest) -> Problems:
    """Each kind's own fields present, other kinds' absent, then the kind's rule (:data:`KIND_RULES`)."""
    problems: Problems = []
    if req.vmware is not None and req.kind not in (*VMWARE_KINDS, "recovery-plan", "waves"):
        problems.append(("vmware", f"only for kinds {', '.join(VMWARE_KINDS)}, recovery-plan and waves"))
    if req.kind == "recovery-plan" and req.recovery_plan is None:
        problems.append(("recoveryPlan", "required for kind 'recovery-plan' (the ASR recovery plan's name)"))
    elif req.kind != "recovery-plan" and req.recovery_plan is not None:
        problems.append(("recoveryPlan", "only for kind 'recovery-plan'"))
    if req.kind == "waves" and not req.waves:
        problems.append(("waves", "required, a non-empty list of {name, items}"))
    elif req.kind != "waves":
        given = {"waves": req.waves, "wavePolicy": req.wave_policy}
        problems += [(key, "only for kind 'waves'") for key, value in given.items() if value is not None]
    vm_kind = req.wave_policy.vm_kind if req.kind == "waves" and req.wave_policy else req.kind
    points = RECOVERY_POINTS.get(vm_kind)
    if points and req.vmware and req.vmware.recovery_point_type not in points:
        point = req.vmware.recovery_point_type
        problems.append(
            ("vmware.recoveryPointType", f"{point!r} is not one of {', '.join(points)} for {vm_kind}")
        )
    return problems + KIND_RULES[req.kind](req)


def _hyperv_rules(req: FailbackRequest) -> Problems:
    if req.location == "alternate" and not req.target_host:
        return [
            ("targetHost", "required when location is 'alternate' (H9: the Hyper-V host to create the VM on)")
        ]
    if req.location == "original" and req.target_host:
        return [("targetHost", "only used when location is 'alternate'")]
    return []


def _vmware_rules(req: FailbackRequest) -> Problems:
    problems: Problems = []
    if req.target_host:
        problems.append(
            (
                "targetHost",
                "VMware/physical failback has no target host; an on-prem VM that no longer exists "
                "is created on the master target's ESXi host (name it in vmware.masterTarget)",
            )
        )
    chosen = req.vmware or VmwareInputs()
    named = chosen.model_dump(by_alias=True)
    if req.location == "alternate" and req.kind != "vmware-classic":
        problems.append(("location", "failback to another vCenter is offered for kind 'vmware-classic' only"))
    elif req.location == "alternate":
        missing = [f"vmware.{k}" for k in ALTERNATE_VCENTER_FIELDS if not named.get(k)]
        if missing:
            problems.append(
                (
                    "location",
                    "failback to another vCenter (seed 002) needs vmware.vCenter (the other vCenter, "
                    "discovered by the configuration server), vmware.masterTarget (a master target on "
                    f"one of its ESXi hosts) and vmware.datastore; missing {', '.join(missing)}",
                )
            )
    elif chosen.v_center:
        problems.append(("vmware.vCenter", "only with location 'alternate' (failback to another vCenter)"))
    if req.data_sync == "during-failover":
        problems.append(
            (
                "dataSync",
                "VMware failback always synchronizes before the failover (re-protect to on-premises is "
                "sync phase 1); use 'auto' or 'before-failover'",
            )
        )
    if req.encryption_certificate is not None:
        problems.append(
            ("encryptionCertificate", "only for Hyper-V sites managed by VMM with data encryption (H4)")
        )
    return problems


def _plan_rules(req: FailbackRequest) -> Problems:
    return [("location", H2E_REASON)] if req.location == "alternate" or req.target_host else []


def _waves_rules(req: FailbackRequest) -> Problems:
    problems: Problems = []
    seen: dict[str, None] = {}
    missing: dict[str, None] = {}
    for n, wave in enumerate(req.waves or ()):
        for m, item in enumerate(wave.items):
            label = item.label.lower()
            if label in seen:
                problems.append((f"waves[{n}].items[{m}]", f"{label!r} is already in a wave"))
                continue
            seen[label] = None
            if req.location == "alternate" and not (item.target_host or req.target_host):
                missing[item.label] = None
    if len(seen) > MAX_WAVE_VMS:
        problems.append(("waves", f"{len(seen)} VMs exceed the limit of {MAX_WAVE_VMS} per request"))
    if missing:
        problems.append(
            (
                "targetHost",
                "alternate location needs a target host per VM (or one for all); "
                f"missing for {', '.join(list(missing)[:10])}",
            )
        )
    hosts = req.target_host or any(i.target_host for w in req.waves or () for i in w.items)
    if req.location != "alternate" and hosts:
        problems.append(("targetHost", "only used when location is 'alternate'"))
    return problems


#: Per-variant rules over the common model; a variant adds an entry, not a model copy.
KIND_RULES: dict[str, Callable[[FailbackRequest], Problems]] = {
    "hyperv": _hyperv_rules,
    "vmware-classic": _vmware_rules,
    "vmware-modernized": _vmware_rules,
    "recovery-plan": _plan_rules,
    "waves": _waves_rules,
}
