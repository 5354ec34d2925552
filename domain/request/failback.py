"""``FailbackRequest``: the body of ``POST /api/failbacks`` as one pydantic model (docs/request.md).

One job, over 300 lines: the model and the kinds' rules that read the whole of it live together,
so the rules need no import of the model back (no circle).

The model is the single source of the request's contract: :func:`domain.request.parse_failback_request`
validates with it, and the OpenAPI document's request schema is its JSON schema
(``function_app/openapi.py``). :meth:`FailbackRequest.to_dict` is the normalized body (same keys,
defaults filled in) that crosses into the orchestrator; :meth:`FailbackRequest.from_dict` reads it
back, keeping the keys the app adds on the way (``liveRunJobs``, ``sharedPolling``…) in ``extra``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.callback_url import callback_url_problem
from domain.i18n import N_, message
from domain.request.errors import refuse, rule_error
from domain.request.models import (
    ApprovalPolicy,
    DataSync,
    EncryptionCertificate,
    ItemSelector,
    Kind,
    Location,
    MaintenanceWindow,
    RequestModel,
    ReverseReplication,
    Text,
    VaultRef,
    Verification,
    optional_in_schema,
)
from domain.request.variants import (
    ALTERNATE_VCENTER_FIELDS,
    H2E_REASON,
    MAX_WAVE_VMS,
    RECOVERY_POINTS,
    VMWARE_KINDS,
    Problems,
    VmwareInputs,
    Wave,
    WavePolicy,
    prepare_body,
)

TRUSTED = "trusted"
"""Validation context key: the dict is our own normalized form (no callback or kind rules again)."""
LOCAL_MODE = "local_mode"
"""Validation context key: accept ``http://127.0.0.1``/``localhost`` callback URLs."""


class FailbackRequest(RequestModel):
    """A failback request (docs/request.md); item is required except for kinds recovery-plan and waves."""

    model_config = ConfigDict(json_schema_extra=optional_in_schema("item"))

    kind: Kind = "hyperv"
    vault: VaultRef
    item: ItemSelector
    data_sync: DataSync = "auto"
    location: Location = "original"
    target_host: Text | None = None
    create_vm_if_not_found: Annotated[StrictBool, Field(description="default: true for 'alternate'")] = False
    encryption_certificate: EncryptionCertificate | None = None
    approval: ApprovalPolicy
    verification: Verification
    #: R9/R10: whether to re-protect, the RPO that counts as protected again and the bound on waiting
    reverse_sla: Annotated[ReverseReplication, Field(alias="reverseReplication")] = ReverseReplication()
    maintenance_window: MaintenanceWindow | None = None
    callback_url: Text | None = None
    dry_run: StrictBool = False
    # the variants' fields (domain.request.variants); they travel in ``extra``
    vmware: VmwareInputs | None = None
    recovery_plan: Text | None = None
    waves: Annotated[tuple[Wave, ...], Field(min_length=1)] | None = None
    wave_policy: WavePolicy | None = None
    _added: dict[str, Any] = PrivateAttr(default_factory=dict)  # keys the app adds, never the caller

    @model_validator(mode="before")
    @classmethod
    def _defaults_of_the_kind(cls, data: Any) -> Any:
        return prepare_body(data) if isinstance(data, Mapping) else data

    @field_validator(
        "encryption_certificate", mode="before", json_schema_input_type=Text | EncryptionCertificate
    )
    @classmethod
    def _certificate_reference(cls, value: Any) -> Any:
        return EncryptionCertificate.reference_only(value)

    @field_validator("reverse_sla", mode="before", json_schema_input_type=bool | ReverseReplication)
    @classmethod
    def _reverse_form(cls, value: Any) -> Any:
        return ReverseReplication.from_body(value)

    @field_validator("waves")
    @classmethod
    def _wave_names(cls, waves: tuple[Wave, ...] | None) -> tuple[Wave, ...] | None:
        if waves is None:
            return None
        return tuple(w.model_copy(update={"name": w.name or f"wave-{n + 1}"}) for n, w in enumerate(waves))

    @field_validator("callback_url")
    @classmethod
    def _callback_target(cls, url: str | None, info: ValidationInfo) -> str | None:
        context = info.context or {}
        if url is None or context.get(TRUSTED):
            return url
        problem = callback_url_problem(url, local_mode=bool(context.get(LOCAL_MODE)))
        if problem is not None:
            raise refuse(problem.removeprefix("callbackUrl: "))
        return url

    @model_validator(mode="after")
    def _kind_rules(self, info: ValidationInfo) -> FailbackRequest:
        problems = [] if (info.context or {}).get(TRUSTED) else variant_problems(self)
        if problems:
            raise rule_error(problems)
        return self

    @property
    def reverse_replication(self) -> bool:
        """H8: re-protect (on-prem → Azure) after commit."""
        return self.reverse_sla.enabled

    @property
    def extra(self) -> dict[str, Any]:
        """The variants' fields (normalized, as in :meth:`to_dict`) and the keys the app added."""
        out: dict[str, Any] = {}
        if self.vmware is not None:
            out["vmware"] = self.vmware.model_dump(by_alias=True)
        if self.kind == "recovery-plan":
            out["recoveryPlan"] = self.recovery_plan
        if self.waves is not None:
            out["waves"] = [
                {"name": w.name, "items": [i.model_dump(by_alias=True, exclude_none=True) for i in w.items]}
                for w in self.waves
            ]
        if self.wave_policy is not None:
            out["wavePolicy"] = self.wave_policy.model_dump(by_alias=True)
        return {**out, **self._added}

    def to_dict(self) -> dict[str, Any]:
        """Return the normalized request body (documented keys, defaults filled in)."""
        out = self.model_dump(
            mode="json", by_alias=True, exclude={"vmware", "recovery_plan", "waves", "wave_policy"}
        )
        out["item"] = self.item.to_dict()
        out["reverseReplication"] = self.reverse_sla.normalized()
        return {**out, **self.extra}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FailbackRequest:
        """Read back what :meth:`to_dict` produced, with the keys the app added (trusted input)."""
        known = {info.alias or name for name, info in cls.model_fields.items()}
        request = cls.model_validate({k: v for k, v in d.items() if k in known}, context={TRUSTED: True})
        request._added.update({k: v for k, v in d.items() if k not in known})
        return request


# ---- the kinds' rules over the whole request (one room with the model they read: no import circle)


ONLY_ALTERNATE = N_("only used when location is 'alternate'")


def variant_problems(req: FailbackRequest) -> Problems:
    """Each kind's own fields present, other kinds' absent, then the kind's rule (:data:`KIND_RULES`)."""
    problems: Problems = []
    if req.vmware is not None and req.kind not in (*VMWARE_KINDS, "recovery-plan", "waves"):
        only = message(N_("only for kinds %(kinds)s, recovery-plan and waves"), kinds=", ".join(VMWARE_KINDS))
        problems.append(("vmware", only))
    if req.kind == "recovery-plan" and req.recovery_plan is None:
        problems.append(
            ("recoveryPlan", message(N_("required for kind 'recovery-plan' (the ASR recovery plan's name)")))
        )
    elif req.kind != "recovery-plan" and req.recovery_plan is not None:
        problems.append(("recoveryPlan", message(N_("only for kind 'recovery-plan'"))))
    if req.kind == "waves" and not req.waves:
        problems.append(("waves", message(N_("required, a non-empty list of {name, items}"))))
    elif req.kind != "waves":
        given = {"waves": req.waves, "wavePolicy": req.wave_policy}
        problems += [
            (key, message(N_("only for kind 'waves'"))) for key, value in given.items() if value is not None
        ]
    vm_kind = req.wave_policy.vm_kind if req.kind == "waves" and req.wave_policy else req.kind
    points = RECOVERY_POINTS.get(vm_kind)
    if points and req.vmware and req.vmware.recovery_point_type not in points:
        point = req.vmware.recovery_point_type
        problems.append(
            (
                "vmware.recoveryPointType",
                message(
                    N_("%(point)s is not one of %(points)s for %(kind)s"),
                    point=repr(point),
                    points=", ".join(points),
                    kind=vm_kind,
                ),
            )
        )
    return problems + KIND_RULES[req.kind](req)


def _hyperv_rules(req: FailbackRequest) -> Problems:
    if req.location == "alternate" and not req.target_host:
        return [
            (
                "targetHost",
                message(
                    N_("required when location is 'alternate' (H9: the Hyper-V host to create the VM on)")
                ),
            )
        ]
    if req.location == "original" and req.target_host:
        return [("targetHost", message(ONLY_ALTERNATE))]
    return []


def _vmware_rules(req: FailbackRequest) -> Problems:
    problems: Problems = []
    if req.target_host:
        problems.append(
            (
                "targetHost",
                message(
                    N_(
                        "VMware/physical failback has no target host; an on-prem VM that no longer exists "
                        "is created on the master target's ESXi host (name it in vmware.masterTarget)"
                    )
                ),
            )
        )
    chosen = req.vmware or VmwareInputs()
    named = chosen.model_dump(by_alias=True)
    if req.location == "alternate" and req.kind != "vmware-classic":
        problems.append(
            ("location", message(N_("failback to another vCenter is offered for kind 'vmware-classic' only")))
        )
    elif req.location == "alternate":
        missing = [f"vmware.{k}" for k in ALTERNATE_VCENTER_FIELDS if not named.get(k)]
        if missing:
            problems.append(
                (
                    "location",
                    message(
                        N_(
                            "failback to another vCenter (seed 002) needs vmware.vCenter (the other "
                            "vCenter, discovered by the configuration server), vmware.masterTarget (a master "
                            "target on one of its ESXi hosts) and vmware.datastore; missing %(missing)s"
                        ),
                        missing=", ".join(missing),
                    ),
                )
            )
    elif chosen.v_center:
        problems.append(
            ("vmware.vCenter", message(N_("only with location 'alternate' (failback to another vCenter)")))
        )
    if req.data_sync == "during-failover":
        problems.append(
            (
                "dataSync",
                message(
                    N_(
                        "VMware failback always synchronizes before the failover (re-protect to on-premises "
                        "is sync phase 1); use 'auto' or 'before-failover'"
                    )
                ),
            )
        )
    if req.encryption_certificate is not None:
        problems.append(
            (
                "encryptionCertificate",
                message(N_("only for Hyper-V sites managed by VMM with data encryption (H4)")),
            )
        )
    return problems


def _plan_rules(req: FailbackRequest) -> Problems:
    return [("location", message(H2E_REASON))] if req.location == "alternate" or req.target_host else []


def _waves_rules(req: FailbackRequest) -> Problems:
    problems: Problems = []
    seen: dict[str, None] = {}
    missing: dict[str, None] = {}
    for n, wave in enumerate(req.waves or ()):
        for m, item in enumerate(wave.items):
            label = item.label.lower()
            if label in seen:
                already = message(N_("%(vm)s is already in a wave"), vm=repr(label))
                problems.append((f"waves[{n}].items[{m}]", already))
                continue
            seen[label] = None
            if req.location == "alternate" and not (item.target_host or req.target_host):
                missing[item.label] = None
    if len(seen) > MAX_WAVE_VMS:
        too_many = N_("%(count)s VMs exceed the limit of %(limit)s per request")
        problems.append(("waves", message(too_many, count=len(seen), limit=MAX_WAVE_VMS)))
    if missing:
        problems.append(
            (
                "targetHost",
                message(
                    N_("alternate location needs a target host per VM (or one for all); missing for %(vms)s"),
                    vms=", ".join(list(missing)[:10]),
                ),
            )
        )
    hosts = req.target_host or any(i.target_host for w in req.waves or () for i in w.items)
    if req.location != "alternate" and hosts:
        problems.append(("targetHost", message(ONLY_ALTERNATE)))
    return problems


#: Per-variant rules over the common model; a variant adds an entry, not a model copy.
KIND_RULES: dict[str, Callable[[FailbackRequest], Problems]] = {
    "hyperv": _hyperv_rules,
    "vmware-classic": _vmware_rules,
    "vmware-modernized": _vmware_rules,
    "recovery-plan": _plan_rules,
    "waves": _waves_rules,
}
