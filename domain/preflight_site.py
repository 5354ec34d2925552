"""Pre-flight rules about the site and the target of a Hyper-V failback (H2a, H2b, H2d, H4).

The rules about the item's ASR state are in ``domain.preflight``, which runs them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.check_record import Check, Text, record_check
from domain.i18n import N_, message
from domain.request import FailbackRequest
from domain.site_health import find_host, provider_state

_ENCRYPTION_OFF = ("", "none", "disabled", "notconfigured")


def rule_managed_disks(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """H2a: the failed-over Azure VM uses managed disks (storage-account disks are retired)."""
    value = facts.get("useManagedDisks")
    return record_check(
        "H2a",
        message(N_("The Azure VM uses managed disks")),
        value is True,
        message(N_("useManagedDisks=%(value)s on item %(item)s"), value=value, item=facts.get("name")),
        message(
            N_(
                "Failback is supported only for VMs that failed over with managed disks; move the VM to "
                "managed disks or fail back by hand."
            )
        ),
    )


def rule_host_connected(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """H2b: the on-prem Hyper-V host (or VMM server) is running and connected to Azure."""
    providers = list(fabric.get("providers") or [])
    own = [
        p
        for p in providers
        if facts.get("providerId") and str(p.get("id") or "").lower() == str(facts["providerId"]).lower()
    ]
    candidates = own or providers
    results = [provider_state(p, now) for p in candidates]
    passed = any(ok for ok, _ in results)
    evidence: Text = [msg for _, msg in results] or message(
        N_("no provider registered in fabric %(fabric)s"), fabric=fabric.get("name")
    )
    return record_check(
        "H2b",
        message(N_("The on-premises Hyper-V host or VMM server is running and connected to Azure")),
        passed,
        evidence,
        message(
            N_(
                "Start the Hyper-V host / VMM server and its Site Recovery provider; check its connection "
                "to Azure."
            )
        ),
    )


def _alternate_evidence(fabric: Mapping[str, Any], req: FailbackRequest, now: datetime) -> tuple[bool, Text]:
    if fabric.get("fabricType") != "HyperVSite":
        return False, message(
            N_("fabric %(fabric)s is %(type)s, alternate location needs HyperVSite"),
            fabric=fabric.get("name"),
            type=fabric.get("fabricType"),
        )
    host = find_host(fabric, req.target_host or "")
    if host is None:
        known = [p.get("friendlyName") for p in fabric.get("providers") or []]
        return False, message(
            N_("targetHost %(host)s is not a registered host (known: %(known)s)"),
            host=repr(req.target_host),
            known=str(known),
        )
    live, state = provider_state(host, now)
    if not req.create_vm_if_not_found:
        return False, [
            state,
            message(N_("createVmIfNotFound=false, the VM cannot be created on the new host")),
        ]
    return live, message(N_("targetHost %(state)s"), state=state["text"])


def rule_failback_type(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """H2d: the chosen failback type (original or alternate location) is available."""
    evidence: Text
    if req.location == "alternate":
        passed, evidence = _alternate_evidence(fabric, req, now)
    else:
        present = facts.get("onPremVmPresent")
        passed = present is not False or req.create_vm_if_not_found
        evidence = message(
            N_("original location; onPremVmPresent=%(present)s, createVmIfNotFound=%(create)s"),
            present=present,
            create=req.create_vm_if_not_found,
        )
    return record_check(
        "H2d",
        message(N_("Failback to the %(location)s location is available"), location=req.location),
        passed,
        evidence,
        message(
            N_(
                "For the original location the on-prem VM must exist (or set createVmIfNotFound); for an "
                "alternate location name a connected host of a HyperVSite fabric and allow creating the VM "
                "(H9)."
            )
        ),
    )


def rule_encryption_certificate(
    facts: Mapping[str, Any], fabric: Mapping[str, Any], req: FailbackRequest, now: datetime
) -> Check:
    """H4: with VMM cloud data encryption, the request names the provider's certificate."""
    enc = fabric.get("encryption") or {}
    state = str(enc.get("kekState") or "")
    expected = str(enc.get("kekCertThumbprint") or "")
    given = req.encryption_certificate.thumbprint if req.encryption_certificate else ""
    enabled = state.lower() not in _ENCRYPTION_OFF or bool(expected)
    if not enabled:
        passed, evidence = (
            True,
            message(
                N_("data encryption not enabled on fabric %(fabric)s (kekState=%(state)s)"),
                fabric=fabric.get("name"),
                state=state or None,
            ),
        )
    else:
        passed = bool(given) and given.upper() == expected.upper()
        evidence = message(
            N_("kekState=%(state)s, fabric certificate=%(expected)s, request names %(given)s"),
            state=state,
            expected=expected or None,
            given=given or None,
        )
    return record_check(
        "H4",
        message(N_("The encryption certificate is named when cloud data encryption is on")),
        passed,
        evidence,
        message(
            N_(
                "Name the certificate issued when the provider was installed on the VMM server "
                "(its thumbprint)."
            )
        ),
    )
