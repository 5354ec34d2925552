"""The failback request: parsing with every reason at once, and its JSON round trip.

The request body is documented in ``docs/request.md``. :func:`parse_failback_request`
validates a body and returns a :class:`FailbackRequest`; :meth:`FailbackRequest.to_dict`
is the normalized body (same keys, defaults filled in) that crosses into the
orchestrator, and :meth:`FailbackRequest.from_dict` reads it back.

Variants (``kind``) share one model: a variant adds optional fields and a rule in
``_KIND_RULES``; it never copies the model. The variants' own fields (``vmware``,
``recoveryPlan``, ``waves``, ``wavePolicy``) are parsed by ``domain.request_variants`` and
travel in ``FailbackRequest.extra``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from domain import reprotect_policy
from domain.callback_url import callback_url_problem
from domain.errors import RequestInvalid
from domain.reprotect_policy import ReverseReplication

KINDS_SUPPORTED = ("hyperv", "vmware-classic", "vmware-modernized", "recovery-plan", "waves")
KINDS_RESERVED: tuple[str, ...] = ()
DATA_SYNC_OPTIONS = ("before-failover", "during-failover", "auto")
LOCATIONS = ("original", "alternate")

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_RG = re.compile(r"^[-\w._()]{1,90}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,259}$")
_THUMBPRINT = re.compile(r"^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$")
# Things that are certificates or keys themselves, not references to them (H4: never the secret).
_SECRET_MARKERS = ("-----BEGIN", "PRIVATE KEY")
_SECRET_MIN_LENGTH = 300  # a PFX/DER in base64 is kilobytes; references are short
_SECRET_KEYS = ("pfx", "password", "privatekey", "secret", "key", "value", "content", "data")

TOP_LEVEL_FIELDS = (
    "kind",
    "vault",
    "item",
    "dataSync",
    "location",
    "targetHost",
    "createVmIfNotFound",
    "encryptionCertificate",
    "approval",
    "verification",
    "reverseReplication",
    "maintenanceWindow",
    "callbackUrl",
    "dryRun",
)


@dataclass(frozen=True)
class VaultRef:
    """The Recovery Services vault (``{"subscriptionId", "resourceGroup", "name"}``)."""

    subscription_id: str
    resource_group: str
    name: str

    def to_dict(self) -> dict[str, str]:
        """Return the contract's vault dict."""
        return {
            "subscriptionId": self.subscription_id,
            "resourceGroup": self.resource_group,
            "name": self.name,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> VaultRef:
        """Read a vault dict (no validation)."""
        return cls(str(d["subscriptionId"]), str(d["resourceGroup"]), str(d["name"]))


@dataclass(frozen=True)
class ItemSelector:
    """The protected item: by ASR name or by VM friendly name (exactly one), with optional hints."""

    name: str | None = None
    friendly_name: str | None = None
    fabric: str | None = None
    container: str | None = None

    @property
    def label(self) -> str:
        """The name used in run ids and messages (ASR name, else friendly name)."""
        return self.name or self.friendly_name or ""

    def to_dict(self) -> dict[str, str]:
        """Return the ``resolve_item`` selector (only the keys that are set)."""
        out = {"name": self.name, "friendlyName": self.friendly_name, "fabric": self.fabric}
        out["container"] = self.container
        return {k: v for k, v in out.items() if v is not None}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ItemSelector:
        """Read an item selector dict (no validation)."""
        return cls(d.get("name"), d.get("friendlyName"), d.get("fabric"), d.get("container"))


@dataclass(frozen=True)
class EncryptionCertificate:
    """H4: a reference to the VMM data-encryption certificate, never the certificate itself."""

    thumbprint: str
    key_vault_certificate_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return ``{thumbprint, keyVaultCertificateId}``."""
        return {"thumbprint": self.thumbprint, "keyVaultCertificateId": self.key_vault_certificate_id}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EncryptionCertificate:
        """Read the dict form (no validation)."""
        return cls(str(d["thumbprint"]), d.get("keyVaultCertificateId"))


@dataclass(frozen=True)
class ApprovalPolicy:
    """Who approves phase 2 and how long the gate waits (validated here, enforced by the gate)."""

    approvers: tuple[str, ...]
    timeout_hours: float = 24.0
    reminder_minutes: int | None = None
    escalate_to: tuple[str, ...] = ()
    quorum: int = 1
    four_eyes: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the approval policy dict (the gate's ``policy``)."""
        return {
            "approvers": list(self.approvers),
            "timeoutHours": self.timeout_hours,
            "reminderMinutes": self.reminder_minutes,
            "escalateTo": list(self.escalate_to),
            "quorum": self.quorum,
            "fourEyes": self.four_eyes,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ApprovalPolicy:
        """Read the dict form (no validation)."""
        return cls(
            approvers=tuple(d.get("approvers") or ()),
            timeout_hours=float(d.get("timeoutHours", 24.0)),
            reminder_minutes=d.get("reminderMinutes"),
            escalate_to=tuple(d.get("escalateTo") or ()),
            quorum=int(d.get("quorum", 1)),
            four_eyes=bool(d.get("fourEyes", False)),
        )


@dataclass(frozen=True)
class VerificationCheck:
    """One KQL check; it passes when its query returns at least one row."""

    name: str
    query: str

    def to_dict(self) -> dict[str, str]:
        """Return ``{name, query}``."""
        return {"name": self.name, "query": self.query}


@dataclass(frozen=True)
class Verification:
    """H6: how the on-prem VM is checked after phase 2."""

    workspace_id: str
    computer: str
    checks: tuple[VerificationCheck, ...] = ()
    window_minutes: int = 30
    human_confirmation: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Return the verification dict."""
        return {
            "workspaceId": self.workspace_id,
            "computer": self.computer,
            "checks": [c.to_dict() for c in self.checks],
            "windowMinutes": self.window_minutes,
            "humanConfirmation": self.human_confirmation,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Verification:
        """Read the dict form (no validation)."""
        return cls(
            workspace_id=str(d["workspaceId"]),
            computer=str(d["computer"]),
            checks=tuple(VerificationCheck(str(c["name"]), str(c["query"])) for c in d.get("checks") or ()),
            window_minutes=int(d.get("windowMinutes", 30)),
            human_confirmation=bool(d.get("humanConfirmation", False)),
        )


@dataclass(frozen=True)
class MaintenanceWindow:
    """When phase 2 (shutdown in Azure) may start; ISO 8601 with a UTC offset."""

    start: str
    end: str

    def to_dict(self) -> dict[str, str]:
        """Return ``{start, end}``."""
        return {"start": self.start, "end": self.end}

    def bounds(self) -> tuple[datetime, datetime]:
        """Return the window as aware datetimes."""
        return datetime.fromisoformat(self.start), datetime.fromisoformat(self.end)


@dataclass(frozen=True)
class FailbackRequest:
    """A validated failback request. Build it with :func:`parse_failback_request`."""

    vault: VaultRef
    item: ItemSelector
    approval: ApprovalPolicy
    verification: Verification
    kind: str = "hyperv"
    data_sync: str = "auto"
    location: str = "original"
    target_host: str | None = None
    create_vm_if_not_found: bool = False
    encryption_certificate: EncryptionCertificate | None = None
    reverse_replication: bool = True
    #: R9/R10: the RPO that counts as protected again and the bound on waiting for it
    reverse_sla: ReverseReplication = field(default_factory=ReverseReplication)
    maintenance_window: MaintenanceWindow | None = None
    callback_url: str | None = None
    dry_run: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)  # fields added by later variants

    def to_dict(self) -> dict[str, Any]:
        """Return the normalized request body (documented keys, defaults filled in)."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "vault": self.vault.to_dict(),
            "item": self.item.to_dict(),
            "dataSync": self.data_sync,
            "location": self.location,
            "targetHost": self.target_host,
            "createVmIfNotFound": self.create_vm_if_not_found,
            "encryptionCertificate": self.encryption_certificate.to_dict()
            if self.encryption_certificate
            else None,
            "approval": self.approval.to_dict(),
            "verification": self.verification.to_dict(),
            "reverseReplication": self.reverse_sla.normalized(self.reverse_replication),
            "maintenanceWindow": self.maintenance_window.to_dict() if self.maintenance_window else None,
            "callbackUrl": self.callback_url,
            "dryRun": self.dry_run,
        }
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FailbackRequest:
        """Read back what :meth:`to_dict` produced (trusted input; no validation)."""
        cert = d.get("encryptionCertificate")
        window = d.get("maintenanceWindow")
        return cls(
            kind=str(d.get("kind", "hyperv")),
            vault=VaultRef.from_dict(d["vault"]),
            item=ItemSelector.from_dict(d["item"]),
            data_sync=str(d.get("dataSync", "auto")),
            location=str(d.get("location", "original")),
            target_host=d.get("targetHost"),
            create_vm_if_not_found=bool(d.get("createVmIfNotFound", False)),
            encryption_certificate=EncryptionCertificate.from_dict(cert) if cert else None,
            approval=ApprovalPolicy.from_dict(d["approval"]),
            verification=Verification.from_dict(d["verification"]),
            reverse_replication=ReverseReplication.from_normalized(d.get("reverseReplication")).enabled,
            reverse_sla=ReverseReplication.from_normalized(d.get("reverseReplication")),
            maintenance_window=MaintenanceWindow(str(window["start"]), str(window["end"]))
            if window
            else None,
            callback_url=d.get("callbackUrl"),
            dry_run=bool(d.get("dryRun", False)),
            extra={k: v for k, v in d.items() if k not in TOP_LEVEL_FIELDS},
        )


# --------------------------------------------------------------------------- parsing


class _Reasons:
    """Collects every problem; typed getters return a safe value and record the reason."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, reason: str) -> None:
        self.items.append(reason)

    def unknown(self, path: str, obj: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
        for key in obj:
            if key not in allowed:
                self.add(f"{path}{key}: unknown field (allowed: {', '.join(allowed)})")

    def obj(
        self, body: Mapping[str, Any], key: str, path: str, *, required: bool
    ) -> Mapping[str, Any] | None:
        value = body.get(key)
        if value is None:
            if required:
                self.add(f"{path}{key}: required object is missing")
            return None
        if not isinstance(value, Mapping):
            self.add(f"{path}{key}: must be an object")
            return None
        return value

    def text(
        self,
        body: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool,
        pattern: re.Pattern[str] | None = None,
    ) -> str | None:
        value = body.get(key)
        if value is None:
            if required:
                self.add(f"{path}{key}: required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(f"{path}{key}: must be a non-empty string")
            return None
        if pattern is not None and not pattern.match(value):
            self.add(f"{path}{key}: {value!r} is not a valid value")
            return None
        return value.strip()

    def flag(self, body: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        value = body.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.add(f"{path}{key}: must be true or false")
            return default
        return value

    def number(
        self, body: Mapping[str, Any], key: str, path: str, default: float | None, low: float, high: float
    ) -> float | None:
        value = body.get(key, default)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(f"{path}{key}: must be a number")
            return default
        if not low <= value <= high:
            self.add(f"{path}{key}: must be between {low:g} and {high:g}")
            return default
        return value

    def choice(self, body: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
        value = body.get(key, default)
        if value is None:
            return default
        if value not in choices:
            self.add(f"{key}: {value!r} is not one of {', '.join(choices)}")
            return default
        return str(value)

    def names(self, body: Mapping[str, Any], key: str, path: str, *, required: bool) -> tuple[str, ...]:
        value = body.get(key)
        if value is None:
            if required:
                self.add(f"{path}{key}: required list is missing")
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.add(f"{path}{key}: must be a list of non-empty strings")
            return ()
        if required and not value:
            self.add(f"{path}{key}: must name at least one person")
        if len(set(value)) != len(value):
            self.add(f"{path}{key}: lists someone twice")
        return tuple(v.strip() for v in value)


def _parse_vault(r: _Reasons, body: Mapping[str, Any]) -> VaultRef:
    v = r.obj(body, "vault", "", required=True) or {}
    if v:
        r.unknown("vault.", v, ("subscriptionId", "resourceGroup", "name"))
    sub = r.text(v, "subscriptionId", "vault.", required=bool(v), pattern=_GUID)
    rg = r.text(v, "resourceGroup", "vault.", required=bool(v), pattern=_RG)
    name = r.text(v, "name", "vault.", required=bool(v), pattern=_NAME)
    return VaultRef(sub or "", rg or "", name or "")


def _parse_item(r: _Reasons, body: Mapping[str, Any]) -> ItemSelector:
    i = r.obj(body, "item", "", required=True) or {}
    if not i:
        return ItemSelector()
    r.unknown("item.", i, ("name", "friendlyName", "fabric", "container"))
    name = r.text(i, "name", "item.", required=False)
    friendly = r.text(i, "friendlyName", "item.", required=False)
    if (name is None) == (friendly is None) and ("name" in i) == ("friendlyName" in i):
        r.add("item: give exactly one of name (ASR name) or friendlyName (VM name)")
    return ItemSelector(
        name=name,
        friendly_name=friendly,
        fabric=r.text(i, "fabric", "item.", required=False),
        container=r.text(i, "container", "item.", required=False),
    )


def _looks_secret(value: object) -> bool:
    text = str(value)
    return len(text) >= _SECRET_MIN_LENGTH or any(m in text for m in _SECRET_MARKERS)


def _parse_certificate(r: _Reasons, body: Mapping[str, Any]) -> EncryptionCertificate | None:
    value = body.get("encryptionCertificate")
    if value is None:
        return None
    if isinstance(value, str):
        value = {"thumbprint": value.replace(" ", "")}
    if not isinstance(value, Mapping):
        r.add("encryptionCertificate: must be a thumbprint or {thumbprint, keyVaultCertificateId}")
        return None
    secret_keys = [k for k in value if k.lower() in _SECRET_KEYS]
    if secret_keys or any(_looks_secret(v) for v in value.values()):
        r.add(
            "encryptionCertificate: give a reference (thumbprint, Key Vault certificate id), "
            "never the certificate, its key or its password (H4)"
        )
        return None
    r.unknown("encryptionCertificate.", value, ("thumbprint", "keyVaultCertificateId"))
    thumb = r.text(value, "thumbprint", "encryptionCertificate.", required=True, pattern=_THUMBPRINT)
    kv = r.text(value, "keyVaultCertificateId", "encryptionCertificate.", required=False)
    if kv is not None and not (kv.startswith("https://") and "/certificates/" in kv):
        r.add("encryptionCertificate.keyVaultCertificateId: must be https://<vault>/certificates/<name>")
    return EncryptionCertificate(thumb.upper(), kv) if thumb else None


def _parse_approval(r: _Reasons, body: Mapping[str, Any]) -> ApprovalPolicy:
    a = r.obj(body, "approval", "", required=True) or {}
    if not a:
        return ApprovalPolicy(approvers=())
    r.unknown(
        "approval.", a, ("approvers", "timeoutHours", "reminderMinutes", "escalateTo", "quorum", "fourEyes")
    )
    approvers = r.names(a, "approvers", "approval.", required=True)
    timeout = r.number(a, "timeoutHours", "approval.", 24.0, 0.05, 24 * 14) or 24.0
    reminder = r.number(a, "reminderMinutes", "approval.", None, 1, 24 * 14 * 60)
    if reminder is not None and reminder >= timeout * 60:
        r.add("approval.reminderMinutes: must be shorter than timeoutHours")
    raw_quorum = a.get("quorum", 1)
    if raw_quorum is not None and (isinstance(raw_quorum, bool) or not isinstance(raw_quorum, int)):
        r.add("approval.quorum: must be a positive integer (how many distinct approvers must approve)")
        raw_quorum = 1
    quorum = int(r.number({"quorum": raw_quorum}, "quorum", "approval.", 1, 1, 50) or 1)
    if approvers and quorum > len(approvers):
        r.add(f"approval.quorum: {quorum} exceeds the {len(approvers)} approver(s) named")
    four_eyes = r.flag(a, "fourEyes", "approval.", False)
    return ApprovalPolicy(
        approvers=approvers,
        timeout_hours=float(timeout),
        reminder_minutes=int(reminder) if reminder is not None else None,
        escalate_to=r.names(a, "escalateTo", "approval.", required=False),
        quorum=quorum,
        four_eyes=four_eyes,
    )


def _parse_checks(r: _Reasons, v: Mapping[str, Any]) -> tuple[VerificationCheck, ...]:
    raw = v.get("checks") or []
    if not isinstance(raw, list):
        r.add("verification.checks: must be a list of {name, query}")
        return ()
    checks: list[VerificationCheck] = []
    for n, c in enumerate(raw):
        path = f"verification.checks[{n}]."
        if not isinstance(c, Mapping):
            r.add(f"verification.checks[{n}]: must be an object {{name, query}}")
            continue
        r.unknown(path, c, ("name", "query"))
        name = r.text(c, "name", path, required=True)
        query = r.text(c, "query", path, required=True)
        if name and query:
            checks.append(VerificationCheck(name, query))
    names = [c.name for c in checks]
    if len(set(names)) != len(names):
        r.add("verification.checks: names must be unique")
    return tuple(checks)


def _parse_verification(r: _Reasons, body: Mapping[str, Any]) -> Verification:
    v = r.obj(body, "verification", "", required=True) or {}
    if not v:
        return Verification("", "")
    r.unknown("verification.", v, ("workspaceId", "computer", "checks", "windowMinutes", "humanConfirmation"))
    return Verification(
        workspace_id=r.text(v, "workspaceId", "verification.", required=True, pattern=_GUID) or "",
        computer=r.text(v, "computer", "verification.", required=True) or "",
        checks=_parse_checks(r, v),
        window_minutes=int(r.number(v, "windowMinutes", "verification.", 30, 1, 24 * 60) or 30),
        human_confirmation=r.flag(v, "humanConfirmation", "verification.", False),
    )


def _parse_window(r: _Reasons, body: Mapping[str, Any]) -> MaintenanceWindow | None:
    w = r.obj(body, "maintenanceWindow", "", required=False)
    if not w:
        return None
    r.unknown("maintenanceWindow.", w, ("start", "end"))
    bounds: list[datetime] = []
    for key in ("start", "end"):
        text = r.text(w, key, "maintenanceWindow.", required=True)
        if text is None:
            continue
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            r.add(f"maintenanceWindow.{key}: {text!r} is not an ISO 8601 date-time")
            continue
        if when.tzinfo is None:
            r.add(f"maintenanceWindow.{key}: must carry a UTC offset (e.g. Z or +09:00)")
            continue
        bounds.append(when)
    if len(bounds) == 2 and bounds[1] <= bounds[0]:
        r.add("maintenanceWindow: end must be after start")
    if len(bounds) != 2:
        return None
    return MaintenanceWindow(bounds[0].isoformat(), bounds[1].isoformat())


def _parse_callback(r: _Reasons, body: Mapping[str, Any], local_mode: bool) -> str | None:
    url = r.text(body, "callbackUrl", "", required=False)
    if url is None:
        return None
    problem = callback_url_problem(url, local_mode=local_mode)
    if problem is None:
        return url
    r.add(problem)
    return None


def _hyperv_rules(req: FailbackRequest, r: _Reasons) -> None:
    if req.location == "alternate" and not req.target_host:
        r.add("targetHost: required when location is 'alternate' (H9: the Hyper-V host to create the VM on)")
    if req.location == "original" and req.target_host:
        r.add("targetHost: only used when location is 'alternate'")


#: Per-variant rules over the common model; a variant adds an entry, not a model copy.
_KIND_RULES: dict[str, Callable[[FailbackRequest, _Reasons], None]] = {"hyperv": _hyperv_rules}


def parse_failback_request(body: object, *, local_mode: bool = False) -> FailbackRequest:
    """Validate a failback request body.

    Args:
        body: the decoded JSON body.
        local_mode: accept ``http://127.0.0.1``/``localhost`` callback URLs (local runs only).

    Returns:
        The validated request, with defaults filled in.

    Raises:
        RequestInvalid: with every reason at once (unknown fields included).
    """
    if not isinstance(body, Mapping):
        raise RequestInvalid(["body: must be a JSON object"])
    r = _Reasons()
    from domain import request_variants  # the variants' fields (imports this module)

    kind = body.get("kind", "hyperv")
    body = request_variants.prepare_body(body, kind)
    r.unknown("", body, TOP_LEVEL_FIELDS + request_variants.VARIANT_FIELDS)
    if kind in KINDS_RESERVED:
        r.add(f"kind: {kind!r} is reserved for a later version; supported: {', '.join(KINDS_SUPPORTED)}")
    elif kind not in KINDS_SUPPORTED:
        r.add(f"kind: {kind!r} is not one of {', '.join(KINDS_SUPPORTED + KINDS_RESERVED)}")
    location = r.choice(body, "location", LOCATIONS, "original")
    reverse = reprotect_policy.parse(r, body)
    create_default = location == "alternate"  # H9: create the VM on the new host
    req = FailbackRequest(
        kind=str(kind),
        vault=_parse_vault(r, body),
        item=_parse_item(r, body),
        data_sync=r.choice(body, "dataSync", DATA_SYNC_OPTIONS, "auto"),
        location=location,
        target_host=r.text(body, "targetHost", "", required=False),
        create_vm_if_not_found=r.flag(body, "createVmIfNotFound", "", create_default),
        encryption_certificate=_parse_certificate(r, body),
        approval=_parse_approval(r, body),
        verification=_parse_verification(r, body),
        reverse_replication=reverse.enabled,
        reverse_sla=reverse,
        maintenance_window=_parse_window(r, body),
        callback_url=_parse_callback(r, body, local_mode),
        dry_run=r.flag(body, "dryRun", "", False),
    )
    extra = request_variants.parse_variant_fields(body, req.kind, r)
    if extra:
        req = replace(req, extra=extra)
    rule = _KIND_RULES.get(req.kind) or request_variants.KIND_RULES.get(req.kind)
    if rule is not None:
        rule(req, r)
    if r.items:
        raise RequestInvalid(r.items)
    return req


def window_problems(window: MaintenanceWindow | None, now: datetime) -> list[str]:
    """Why a maintenance window cannot work any more: it has already ended (checked at request time).

    A window that has started but not ended is fine (the switchover may start at once). Whether the
    window is long enough for the estimated downtime is a pre-flight question (it needs the disks).

    Args:
        window: the request's window, if any.
        now: the current time (aware).

    Returns:
        The reasons, empty when the window can still be used.
    """
    if window is None:
        return []
    end = window.bounds()[1]
    if end <= now:
        current = now.replace(microsecond=0).isoformat()
        return [
            f"maintenanceWindow.end: {end.isoformat()} is already past (now {current}); "
            "give a window that ends in the future"
        ]
    return []
