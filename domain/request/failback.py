"""``FailbackRequest``: the body of ``POST /api/failbacks`` as one pydantic model (docs/request.md).

The model is the single source of the request's contract: :func:`domain.request.parse_failback_request`
validates with it, and the OpenAPI document's request schema is its JSON schema
(``function_app/openapi.py``). :meth:`FailbackRequest.to_dict` is the normalized body (same keys,
defaults filled in) that crosses into the orchestrator; :meth:`FailbackRequest.from_dict` reads it
back, keeping the keys the app adds on the way (``liveRunJobs``, ``sharedPolling``…) in ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
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
from domain.request.variants import VmwareInputs, Wave, WavePolicy, prepare_body, variant_problems

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
