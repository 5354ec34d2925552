"""The variants' request fields and rules: VMware inputs, recovery plans, waves (issue 7, V1-V6, H2e).

One request model serves every kind (``domain.request.failback``); a variant adds optional
fields there and a rule in ``domain.request.failback.KIND_RULES``, it never copies the model.

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

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator, model_validator

from domain.i18n import N_, message
from domain.request.errors import Reason, refuse
from domain.request.models import RequestModel, Text

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

H2E_REASON = N_(
    "'alternate' is not possible for a recovery plan (H2e): ASR's plan-level failback "
    "input has no target host. Use kind 'waves' to fail many VMs back to another host."
)

Problems = list[tuple[str, Reason]]


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
            raise refuse(message(N_("the failback policy is found automatically (V2); do not name it")))
        return data


class WaveItem(RequestModel):
    """A VM of a wave: by ASR name or friendly name, with its own target host (alternate location)."""

    name: Text | None = None
    friendly_name: Text | None = None
    target_host: Text | None = None

    @model_validator(mode="after")
    def _exactly_one_name(self) -> WaveItem:
        if (self.name is None) == (self.friendly_name is None):
            raise refuse(message(N_("give exactly one of name or friendlyName")))
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
