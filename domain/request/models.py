"""The parts of the failback request every kind shares, as pydantic models (docs/request.md).

One job, just over 300 lines: one small model per section of the request (vault, item, approval,
verification, window, reverse replication), each next to the base model they share.

Each model validates its own fields (types, ranges, patterns through ``Field``) and the rules
among them (``model_validator``). JSON keys are the camelCase aliases of the attributes; only
the aliases are accepted, and unknown keys are refused (``extra="forbid"``). A ``null`` means
"not given": the field takes its default, or is reported missing when it has none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from domain import reprotect_policy as sla  # the SLA's defaults and bounds (R9/R10)
from domain.i18n import N_, message
from domain.request.errors import refuse, with_rules
from domain.request.patterns import GUID, NAME, RESOURCE_GROUP, THUMBPRINT

Kind = Literal["hyperv", "vmware-classic", "vmware-modernized", "recovery-plan", "waves"]
DataSync = Literal["before-failover", "during-failover", "auto"]
Location = Literal["original", "alternate"]

# Things that are certificates or keys themselves, not references to them (H4: never the secret).
_SECRET_MARKERS = ("-----BEGIN", "PRIVATE KEY")
_SECRET_MIN_LENGTH = 300  # a PFX/DER in base64 is kilobytes; references are short
_NOT_THE_SECRET = (
    "give a reference (thumbprint, Key Vault certificate id), never the certificate, its key or its password"
    " (H4)"
)
_SECRET_KEYS = ("pfx", "password", "privatekey", "secret", "key", "value", "content", "data")

Text = Annotated[StrictStr, Field(min_length=1)]
"""A non-empty string (surrounding white space is stripped first)."""
People = tuple[Text, ...]


def optional_in_schema(*aliases: str) -> Callable[[dict[str, Any]], None]:
    """A ``json_schema_extra`` that drops required keys a ``model_validator`` fills for some kinds."""

    def edit(schema: dict[str, Any]) -> None:
        schema["required"] = [name for name in schema.get("required", []) if name not in aliases]

    return edit


class RequestModel(BaseModel):
    """Base of the request's models: camelCase keys only, unknown keys refused, immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=False,  # ``timeout_hours`` in a body is an unknown field, as before
        str_strip_whitespace=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _null_is_not_given(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if value is not None}
        return data


class VaultRef(RequestModel):
    """The Recovery Services vault."""

    subscription_id: Annotated[Text, Field(pattern=GUID)]
    resource_group: Annotated[Text, Field(pattern=RESOURCE_GROUP)]
    name: Annotated[Text, Field(pattern=NAME)]

    def to_dict(self) -> dict[str, str]:
        """Return the contract's vault dict."""
        return self.model_dump(by_alias=True)


class ItemSelector(RequestModel):
    """The protected item: by ASR name or by VM friendly name (exactly one), with optional hints."""

    name: Text | None = None
    friendly_name: Text | None = None
    fabric: Text | None = None
    container: Text | None = None

    @model_validator(mode="after")
    def _exactly_one_name(self) -> ItemSelector:
        if (self.name is None) == (self.friendly_name is None):
            raise refuse(message(N_("give exactly one of name (ASR name) or friendlyName (VM name)")))
        return self

    @property
    def label(self) -> str:
        """The name used in run ids and messages (ASR name, else friendly name)."""
        return self.name or self.friendly_name or ""

    def to_dict(self) -> dict[str, str]:
        """Return the ``resolve_item`` selector (only the keys that are set)."""
        return self.model_dump(by_alias=True, exclude_none=True)


class EncryptionCertificate(RequestModel):
    """H4: a reference to the VMM data-encryption certificate, never the certificate itself."""

    thumbprint: Annotated[Text, Field(pattern=THUMBPRINT)]
    key_vault_certificate_id: Text | None = None

    @field_validator("thumbprint")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @field_validator("key_vault_certificate_id")
    @classmethod
    def _key_vault_id(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("https://") and "/certificates/" in value):
            raise refuse(message(N_("must be https://<vault>/certificates/<name>")))
        return value

    @classmethod
    def reference_only(cls, value: Any) -> Any:
        """The body's value as ``{thumbprint, ...}``, refusing anything that looks like the secret.

        A bare string is a thumbprint (spaces, as Windows shows them, removed).
        """
        if isinstance(value, str):
            value = {"thumbprint": value.replace(" ", "")}
        if not isinstance(value, Mapping):
            raise refuse(message(N_("must be a thumbprint or {thumbprint, keyVaultCertificateId}")))
        looks_secret = any(
            len(str(v)) >= _SECRET_MIN_LENGTH or any(m in str(v) for m in _SECRET_MARKERS)
            for v in value.values()
        )
        if looks_secret or any(str(k).lower() in _SECRET_KEYS for k in value):
            raise refuse(
                message(
                    N_(
                        "give a reference (thumbprint, Key Vault certificate id), never the certificate, "
                        "its key or its password (H4)"
                    )
                )
            )
        return value

    def to_dict(self) -> dict[str, Any]:
        """Return ``{thumbprint, keyVaultCertificateId}``."""
        return self.model_dump(by_alias=True)


def _distinct(names: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(names)) != len(names):
        raise refuse(message(N_("lists someone twice")))
    return names


QUORUM_MEANING = N_("how many distinct approvers must approve")


class ApprovalPolicy(RequestModel):
    """Who approves phase 2 and how long the gate waits (validated here, enforced by the gate)."""

    approvers: People
    timeout_hours: Annotated[StrictFloat, Field(ge=0.05, le=24 * 14)] = 24.0
    reminder_minutes: Annotated[StrictInt, Field(ge=1, le=24 * 14 * 60)] | None = None
    escalate_to: People = ()
    quorum: Annotated[StrictInt, Field(ge=1, le=50, description=QUORUM_MEANING)] = 1
    four_eyes: StrictBool = False

    @field_validator("approvers")
    @classmethod
    def _someone(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise refuse(message(N_("must name at least one person")))
        return _distinct(value)

    @field_validator("escalate_to")
    @classmethod
    def _escalate_distinct(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _distinct(value)

    # Field validators, not a model validator: they run even when another field is refused.
    @field_validator("reminder_minutes")
    @classmethod
    def _before_timeout(cls, value: int | None, info: ValidationInfo) -> int | None:
        timeout = info.data.get("timeout_hours")
        if value is not None and timeout is not None and value >= timeout * 60:
            raise refuse(message(N_("must be shorter than timeoutHours")))
        return value

    @field_validator("quorum")
    @classmethod
    def _within_approvers(cls, value: int, info: ValidationInfo) -> int:
        approvers = info.data.get("approvers")
        if approvers and value > len(approvers):
            named = N_("%(quorum)s exceeds the %(count)s approver(s) named")
            raise refuse(message(named, quorum=value, count=len(approvers)))
        return value

    def to_dict(self) -> dict[str, Any]:
        """Return the approval policy dict (the gate's ``policy``)."""
        return self.model_dump(mode="json", by_alias=True)


class VerificationCheck(RequestModel):
    """One KQL check; it passes when its query returns at least one row."""

    name: Text
    query: Text

    def to_dict(self) -> dict[str, str]:
        """Return ``{name, query}``."""
        return self.model_dump(by_alias=True)


class Verification(RequestModel):
    """H6: how the on-prem VM is checked after phase 2 (``computer``: ``*`` for plans and waves)."""

    model_config = ConfigDict(json_schema_extra=optional_in_schema("computer"))

    workspace_id: Annotated[Text, Field(pattern=GUID)]
    computer: Text
    checks: tuple[VerificationCheck, ...] = ()
    window_minutes: Annotated[StrictInt, Field(ge=1, le=24 * 60)] = 30
    human_confirmation: StrictBool = False

    @field_validator("checks", mode="wrap")
    @classmethod
    def _unique_names(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        given = value if isinstance(value, list | tuple) else []
        names = [str(c.get("name")).strip() for c in given if isinstance(c, Mapping) and c.get("name")]
        duplicate = len(set(names)) != len(names)
        return with_rules(handler, value, [("", "names must be unique")] if duplicate else [])

    def to_dict(self) -> dict[str, Any]:
        """Return the verification dict."""
        return self.model_dump(mode="json", by_alias=True)


DateTime = Annotated[Text, Field(json_schema_extra={"format": "date-time"})]


class MaintenanceWindow(RequestModel):
    """When phase 2 (shutdown in Azure) may start; ISO 8601 with a UTC offset."""

    start: DateTime
    end: DateTime

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, text: str) -> str:
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            raise refuse(
                message(N_("%(value)s is not an ISO 8601 date-time"), value=repr(text[:60]))
            ) from None
        if when.tzinfo is None:
            raise refuse(message(N_("must carry a UTC offset (e.g. Z or +09:00)")))
        return when.isoformat()

    @model_validator(mode="after")
    def _ordered(self) -> MaintenanceWindow:
        start, end = self.bounds()
        if end <= start:
            raise refuse(message(N_("end must be after start")))
        return self

    def to_dict(self) -> dict[str, str]:
        """Return ``{start, end}``."""
        return self.model_dump(by_alias=True)

    def bounds(self) -> tuple[datetime, datetime]:
        """Return the window as aware datetimes."""
        return datetime.fromisoformat(self.start), datetime.fromisoformat(self.end)


class ReverseReplication(RequestModel):
    """R9/R10: whether to re-protect, the RPO that counts as protected again, how long to wait."""

    enabled: StrictBool = True
    rpo_sla_minutes: Annotated[StrictFloat, Field(ge=1, le=sla.MAX_RPO_SLA_MINUTES)] = (
        sla.DEFAULT_RPO_SLA_MINUTES
    )
    max_wait_hours: Annotated[StrictFloat, Field(ge=0.25, le=sla.MAX_WAIT_HOURS)] = sla.DEFAULT_MAX_WAIT_HOURS

    @classmethod
    def from_body(cls, value: Any) -> Any:
        """The body's ``reverseReplication`` (``true``/``false`` or the object) as the object."""
        if isinstance(value, bool):
            return {"enabled": value}
        if not isinstance(value, Mapping):
            raise refuse(message(N_("must be true, false or {enabled, rpoSlaMinutes, maxWaitHours}")))
        return value

    def normalized(self) -> bool | dict[str, Any]:
        """``reverseReplication`` of the normalized request: the boolean unless the SLA was changed."""
        if self == ReverseReplication(enabled=self.enabled):
            return self.enabled
        return self.model_dump(by_alias=True)
