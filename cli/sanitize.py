"""Pseudonymise a vault capture: ids, names, host names and IP addresses; secrets never kept.

Rules (docs/capture.md):

- every GUID (subscription, tenant, item, job, machine ids) becomes a GUID-shaped pseudonym
  ``NNNNNNNN-0000-4000-8000-NNNNNNNNNNNN``, the same one wherever the GUID appears;
- names the vault gives (resource group, vault, fabrics, servers, containers, items, VMs, disks,
  plans, policies, groups, vCenters, master targets, datastores, accounts, workspace computers)
  become ``<kind>-<n>`` wherever they appear (ids, messages), whole words only;
- host names (FQDNs) become ``host-<n>.example.invalid``; IPv4 addresses come from the
  documentation ranges (RFC 5737);
- values of fields that can hold a secret (password, key, SAS, connection string, token) are
  removed, and so is the query part of a URL with a signature;
- values of enumerations (states, operations, types) are never replaced, even when a name equals one.

The mapping (pseudonym -> original) is returned separately, for the owner only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

GUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
FQDN = re.compile(
    r"(?<![\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:local|lan|corp|internal|intranet|home|com|net|org|int|edu|gov|biz|info|[a-z]{2})(?![\w-])",
    re.IGNORECASE,
)
SECRET_KEY = re.compile(
    r"(password|passphrase|secret|accesskey|storagekey|sastoken|sas$|connectionstring|privatekey|"
    r"credential|^token$|apikey)",
    re.IGNORECASE,
)
SIGNED_URL = re.compile(r"(https?://[^\s?\"']+)\?[^\s\"']*(sig|signature|sv|code)=[^\s\"']*", re.IGNORECASE)
REMOVED = "[removed]"
#: keys whose values are enumerations (never pseudonymised)
ENUM_KEYS = {
    "instancetype",
    "protectionstate",
    "protectionstatedescription",
    "activelocation",
    "allowedoperations",
    "allowedactions",
    "state",
    "statedescription",
    "health",
    "replicationhealth",
    "failoverhealth",
    "connectionstatus",
    "fabrictype",
    "scenarioname",
    "grouptype",
    "targetinstancetype",
    "ostype",
    "type",
    "vmprotectionstate",
    "vmprotectionstatedescription",
    "kekstate",
    "errorlevel",
    "primaryfabricprovider",
    "replicationproviders",
    "currentscenariostatus",
    "discoverystatus",
    "versionstatus",
    "pairingstatus",
    "role",
}
#: names kept as they are (the service's own)
KEEP = {
    "microsoft azure",
    "none",
    "azure",
    "primary",
    "recovery",
    # ARM id words: a name equal to one must not rewrite every id
    "subscriptions",
    "resourcegroups",
    "providers",
    "microsoft.recoveryservices",
    "vaults",
    "replicationfabrics",
    "replicationprotectioncontainers",
    "replicationprotecteditems",
    "replicationprotectableitems",
    "replicationrecoveryservicesproviders",
    "replicationrecoveryplans",
    "replicationpolicies",
    "replicationjobs",
    "replicationvcenters",
}
_VERSIONISH = re.compile(r"version|build", re.IGNORECASE)

# (resource kind, path inside the resource, pseudonym kind); ``*`` walks a list
NAME_FIELDS: dict[str, list[tuple[str, str]]] = {
    "fabrics": [
        ("name", "fabric"),
        ("properties.friendlyName", "fabric"),
        ("properties.customDetails.hostName", "host"),
        ("properties.customDetails.hyperVHosts.*.name", "host"),
        ("properties.customDetails.processServers.*.friendlyName", "server"),
        ("properties.customDetails.processServers.*.name", "server"),
        ("properties.customDetails.processServers.*.id", "server"),
        ("properties.customDetails.processServers.*.fqdn", "host"),
        ("properties.customDetails.masterTargetServers.*.id", "mt"),
        ("properties.customDetails.masterTargetServers.*.name", "host"),
        ("properties.customDetails.masterTargetServers.*.dataStores.*.symbolicName", "datastore"),
        ("properties.customDetails.masterTargetServers.*.dataStores.*.uuid", "datastore"),
        ("properties.customDetails.runAsAccounts.*.accountId", "account"),
        ("properties.customDetails.runAsAccounts.*.accountName", "account"),
        ("properties.customDetails.reprotectAgents.*.id", "agent"),
        ("properties.customDetails.reprotectAgents.*.name", "agent"),
        ("properties.customDetails.reprotectAgents.*.fqdn", "host"),
        ("properties.customDetails.reprotectAgents.*.vcenterId", "vcenter"),
        ("properties.customDetails.reprotectAgents.*.accessibleDatastores.*", "datastore"),
    ],
    "providers": [
        ("name", "server"),
        ("properties.friendlyName", "host"),
        ("properties.machineName", "host"),
    ],
    "containers": [("name", "container"), ("properties.friendlyName", "container")],
    "protectableItems": [("name", "vmid"), ("properties.friendlyName", "vm")],
    "vCenters": [
        ("name", "vcenter"),
        ("properties.friendlyName", "host"),
        ("properties.runAsAccountId", "account"),
    ],
    "protectedItems": [
        ("name", "item"),
        ("properties.friendlyName", "vm"),
        ("properties.providerSpecificDetails.recoveryAzureVmName", "vm"),
        ("properties.providerSpecificDetails.recoveryAzureVMName", "vm"),
        ("properties.providerSpecificDetails.targetVmName", "vm"),
        ("properties.providerSpecificDetails.multiVmGroupName", "group"),
        ("properties.providerSpecificDetails.multiVmGroupId", "group"),
        ("properties.providerSpecificDetails.azureVmDiskDetails.*.vhdName", "disk"),
        ("properties.providerSpecificDetails.azureVmDiskDetails.*.vhdId", "disk"),
        ("properties.providerSpecificDetails.protectedDisks.*.diskName", "disk"),
        ("properties.providerSpecificDetails.protectedDisks.*.diskId", "disk"),
        ("properties.providerSpecificDetails.protectedManagedDisks.*.diskName", "disk"),
        ("properties.providerSpecificDetails.processServerName", "server"),
        ("properties.providerSpecificDetails.reprotectAgentName", "agent"),
        ("properties.providerSpecificDetails.targetDataStoreName", "datastore"),
        ("properties.providerSpecificDetails.datastores.*", "datastore"),
        ("properties.providerSpecificDetails.infrastructureVmId", "vmid"),
        ("properties.providerSpecificDetails.vCenterInfrastructureId", "vcenter"),
    ],
    "recoveryPlans": [("name", "plan"), ("properties.friendlyName", "plan")],
    "policies": [("name", "policy"), ("properties.friendlyName", "policy")],
    "jobs": [("properties.targetObjectName", "vm")],
}


def _walk(value: Any, path: list[str]) -> Iterable[Any]:
    if not path:
        yield value
        return
    head, rest = path[0], path[1:]
    if head == "*":
        for entry in value if isinstance(value, list) else []:
            yield from _walk(entry, rest)
    elif isinstance(value, dict) and head in value:
        yield from _walk(value[head], rest)


def _enum_values(value: Any, key: str = "", out: set[str] | None = None) -> set[str]:
    out = set() if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            _enum_values(v, k, out)
    elif isinstance(value, list):
        for v in value:
            _enum_values(v, key, out)
    elif isinstance(value, str) and key.lower() in ENUM_KEYS:
        out.add(value.lower())
    return out


class Pseudonyms:
    """Consistent pseudonyms for one capture; ``mapping`` gives pseudonym -> original."""

    def __init__(self) -> None:
        self.forward: dict[str, str] = {}
        self.mapping: dict[str, str] = {}
        self.counters: dict[str, int] = {}
        self._names: re.Pattern[str] | None = None

    def _new(self, kind: str) -> str:
        self.counters[kind] = n = self.counters.get(kind, 0) + 1
        if kind == "guid":
            return f"{n:08x}-0000-4000-8000-{n:012x}"
        if kind == "ip":
            blocks = ("192.0.2", "198.51.100", "203.0.113")
            block, host = divmod(n - 1, 254)
            return f"{blocks[block]}.{host + 1}" if block < len(blocks) else f"100.64.{block}.{host + 1}"
        if kind == "host":
            return f"host-{n}.example.invalid"
        return f"{kind}-{n}"

    def of(self, original: str, kind: str) -> str:
        """The pseudonym of ``original`` (made on first use)."""
        key = original.lower()
        if key not in self.forward and key.endswith("-failback") and len(key) > 12:
            # V2: the classic failback policy is found as '<forward policy>-failback': keep the relation
            pseudonym = self.of(original[: -len("-failback")], kind) + "-failback"
            self.forward[key] = pseudonym
            self.mapping[pseudonym] = original
            self._names = None
        if key not in self.forward:
            pseudonym = self._new(kind)
            self.forward[key] = pseudonym
            self.mapping[pseudonym] = original
            self._names = None
        return self.forward[key]

    # --- collecting -------------------------------------------------------------------------------
    def collect(self, capture: dict[str, Any]) -> None:
        """Give a pseudonym to every name the capture's name fields hold (vault and workspace first)."""
        reserved = _enum_values(capture) | KEEP
        vault = capture.get("vault") or {}
        for key, kind in (("resourceGroup", "rg"), ("name", "vault")):
            if vault.get(key):
                self.of(str(vault[key]), kind)
        for kind_name, fields in NAME_FIELDS.items():
            for resource in (capture.get("resources") or {}).get(kind_name) or []:
                for path, kind in fields:
                    for value in _walk(resource, path.split(".")):
                        if not isinstance(value, str) or len(value) < 3 or value.lower() in reserved:
                            continue
                        if GUID.fullmatch(value) or IPV4.fullmatch(value):
                            continue  # the GUID and IP rules cover them
                        self.of(value, "host" if FQDN.fullmatch(value) else kind)
        for beat in (capture.get("workspace") or {}).get("heartbeats") or []:
            computer = str(beat.get("computer") or "")
            if len(computer) >= 3 and computer.lower() not in reserved:
                self.of(computer, "host" if FQDN.fullmatch(computer) else "vm")

    # --- replacing --------------------------------------------------------------------------------
    def _name_pattern(self) -> re.Pattern[str] | None:
        if self._names is None:
            names = [n for n in self.forward if not GUID.fullmatch(n) and not IPV4.fullmatch(n)]
            if not names:
                return None
            names.sort(key=len, reverse=True)
            alternation = "|".join(re.escape(n) for n in names)
            self._names = re.compile(rf"(?<![A-Za-z0-9_])(?:{alternation})(?![A-Za-z0-9_])", re.IGNORECASE)
        return self._names

    def text(self, value: str, key: str = "") -> str:
        """``value`` with every GUID, IP, host name and known name replaced."""
        if key.lower() in ENUM_KEYS:
            return value
        out = GUID.sub(lambda m: self.of(m.group(0), "guid"), value)
        if not _VERSIONISH.search(key):
            out = IPV4.sub(lambda m: self.of(m.group(0), "ip"), out)
        out = SIGNED_URL.sub(lambda m: m.group(1), out)
        pattern = self._name_pattern()
        if pattern is not None:
            out = pattern.sub(lambda m: self.forward[m.group(0).lower()], out)
        return FQDN.sub(lambda m: self._host(m.group(0)), out)

    def _host(self, text: str) -> str:
        if text.lower().endswith(".example.invalid"):
            return text
        return self.of(text, "host")

    def apply(self, value: Any, key: str = "") -> Any:
        """A copy of ``value`` pseudonymised (dict keys are kept; secrets removed)."""
        if isinstance(value, dict):
            return {k: REMOVED if _secret(k, v) else self.apply(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(v, key) for v in value]
        if isinstance(value, str):
            return self.text(value, key)
        return value


def _secret(key: str, value: Any) -> bool:
    return bool(SECRET_KEY.search(key)) and value not in (None, "", [], {})


def strip_secrets(value: Any) -> Any:
    """A copy of ``value`` with secret-looking fields and URL signatures removed (``--keep-names``)."""
    if isinstance(value, dict):
        return {k: REMOVED if _secret(k, v) else strip_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_secrets(v) for v in value]
    if isinstance(value, str):
        return SIGNED_URL.sub(lambda m: m.group(1), value)
    return value


def sanitize(capture: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The pseudonymised capture and the mapping (pseudonym -> original) to keep apart."""
    names = Pseudonyms()
    names.collect(capture)
    out = names.apply(capture)
    out["sanitized"] = True
    return out, dict(sorted(names.mapping.items()))
