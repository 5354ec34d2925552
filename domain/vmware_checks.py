"""Seed 002 instructions the V3 rules of ``domain.vmware`` did not cover (issue 16). Pure.

- :data:`SEED_CHECKLIST`: what no API shows and the approver attests — the configuration
  server's database, backup and IP address; ports and URL allow-lists (process server to
  configuration server on 443); the on-premises VM kept off during and after re-protect.
- :func:`retention_wait`: a retention drive added to the master target takes up to 15 minutes
  to appear; while only that is missing the run refreshes the configuration server and checks
  again on a durable timer instead of refusing.

Every text states the problem and the remedy in the user's words and quotes the seed sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from domain.i18n import N_, message
from domain.vmware_rules import check

#: Seed 002: a drive added to the master target appears in the selection list within this time.
RETENTION_APPEARS = timedelta(minutes=15)
#: How long past the first look the run keeps checking (15 minutes plus a margin after a refresh).
RETENTION_WAIT = RETENTION_APPEARS + timedelta(minutes=5)
RETENTION_RETRY_EVERY = timedelta(minutes=2)

#: Seed 002 items no API shows, attested on the approval page (classic and modernized).
SEED_CHECKLIST: list[dict[str, str]] = [
    {
        "id": "V3-cs-database",
        "text": "The configuration server is the one that protected this VM (the VM must be in its "
        "database, else failback fails); it is backed up on a schedule, and if it was restored after a "
        "disaster it kept the same IP address (seed 002: 「フェールバック中、仮想マシンが構成サーバー "
        "データベースに存在している必要があります」「同じ IP アドレスを持つサーバーを復元します」).",
    },
    {
        "id": "V3-ports",
        "text": "The failover/failback ports and the configuration server's port and URL allow-lists are "
        "open; the process server reaches the configuration server on port 443 (check with Telnet, or "
        "ping it) (seed 002: 「ポートと URL のホワイトリストの前提条件をすべて確認」"
        "「Telnet を使用して、構成サーバーのポート 443 への接続を確認」).",
    },
    {
        "id": "V5-onprem-off",
        "text": "Nobody turns the on-premises VM on during the re-protect or after it: ASR keeps it off so "
        "the replicated data stays consistent, and the failover starts it (seed 002: 「再保護の間、"
        "オンプレミスの仮想マシンは無効になります」「再保護が完了した後、仮想マシンを有効にしないでください」).",
    },
]


def retention_wait(
    checks: Sequence[Mapping[str, Any]],
    inputs: Mapping[str, Any],
    volumes: Sequence[Mapping[str, Any]],
    refresh: Mapping[str, Any],
) -> dict[str, Any] | None:
    """What to wait for when only the retention drive is missing from the master target, else ``None``.

    Args:
        checks: the pre-flight checks (``V3-retention`` among them).
        inputs: the chosen re-protect inputs (``retentionDrive``, ``masterTargetId``).
        volumes: the master target's ``retentionVolumes`` as the API lists them now.
        refresh: ``{fabric, provider}`` of the configuration server to refresh.

    Returns:
        ``{check, refresh, everySeconds, forSeconds, reason}`` when ``V3-retention`` is the only failed
        check and the drive is not listed at all (a listed drive of size zero will not change by waiting).
    """
    failed = [c for c in checks if not c.get("passed")]
    if [c.get("id") for c in failed] != ["V3-retention"]:
        return None
    drive = inputs.get("retentionDrive")
    if not drive or any(v.get("volumeName") == drive for v in volumes):
        return None
    every = int(RETENTION_RETRY_EVERY.total_seconds() // 60)
    within = int(RETENTION_WAIT.total_seconds() // 60)
    reason = message(
        N_(
            "The retention drive %(drive)s is not listed on master target %(target)s yet: a drive added "
            "to the master target takes up to 15 minutes to appear (seed 002: "
            "「そのドライブがポータル上の選択リストに表示されるまでに最大 15 分かかります」). "
            "The run refreshes the configuration server and checks again every %(every)s minutes "
            "for up to %(within)s minutes."
        ),
        drive=str(drive),
        target=str(inputs.get("masterTargetId")),
        every=every,
        within=within,
    )
    return {
        "check": "V3-retention",
        "refresh": dict(refresh),
        "everySeconds": int(RETENTION_RETRY_EVERY.total_seconds()),
        "forSeconds": int(RETENTION_WAIT.total_seconds()),
        "reason": reason["text"],
        "reasonMessage": reason,  # the same text for pages in their reader's language
    }


def retention_gave_up(wait: Mapping[str, Any]) -> str:
    """The remedy when the retention drive did not appear within the wait (English)."""
    return str(retention_gave_up_message(wait)["text"])


def retention_gave_up_message(wait: Mapping[str, Any]) -> dict[str, Any]:
    """The remedy when the retention drive did not appear within the wait, as a catalog message.

    The wait's reason leads it; a wait recorded before the reason was a message keeps its English.
    """
    reason = wait.get("reasonMessage")
    return message(
        N_(
            "%(reason)s It did not appear: check that the drive meets the retention drive "
            "conditions (not used for anything else, not locked, not a cache volume, not FAT/FAT32, non-zero "
            "size), refresh the configuration server (seed 002: 「15 分経ってもドライブが表示されない場合は、"
            "構成サーバーを更新することもできます」), then start a new failback."
        ),
        reason=reason if isinstance(reason, dict) else str(wait.get("reason", "")),
    )


_VCENTER_REMEDY = N_(
    "Add the other vCenter to the configuration server and wait for its discovery, install "
    "the master target on an ESXi host of that vCenter, and name them in vmware.vCenter, "
    "vmware.masterTarget and vmware.datastore (seed 002: 「代替の vCenter に"
    "フェールバックしようとしている場合は、新しい vCenter とマスター ターゲット サーバーが"
    "検出されることを確認してください」)."
)
_RUNAS_REMEDY = N_(
    "The account %(account)s cannot list datastores, so re-protect would fail: update the "
    "vCenter credentials on the configuration server with an account that has the required "
    "permissions (or name such an account in vmware.runAsAccount), then start a new "
    "failback (seed 002: 「アクセス許可が割り当てられている適切なアカウントを使用して "
    "vCenter 資格情報を更新し、ジョブを再試行します」)."
)


def _datastore_errors(vcenter: Mapping[str, Any]) -> list[str]:
    """The vCenter's health errors that say datastores could not be listed (read-only discovery)."""
    out = []
    for error in (vcenter.get("properties") or {}).get("healthErrors") or []:
        text = " ".join(str(error.get(k) or "") for k in ("errorMessage", "possibleCauses", "summaryMessage"))
        if "datastore" in text.lower():
            out.append(
                f"{error.get('errorCode')}: {error.get('errorMessage') or error.get('summaryMessage')}"
            )
    return out


def _named(vcenters: Sequence[Mapping[str, Any]], wanted: str) -> Mapping[str, Any] | None:
    key = wanted.strip().lower()
    for vc in vcenters:
        props = vc.get("properties") or {}
        names = {
            str(vc.get("name") or ""),
            str(props.get("friendlyName") or ""),
            str(props.get("ipAddress") or ""),
        }
        if key in {n.lower() for n in names} or key in {n.lower().split(".")[0] for n in names}:
            return vc
    return None


def vcenter_rules(
    vcenters: Sequence[Mapping[str, Any]],
    cs: Mapping[str, Any],
    chosen: Mapping[str, Any],
    inputs: Mapping[str, Any],
    *,
    location: str,
) -> list[dict[str, Any]]:
    """Seed 002 rules on the vCenters the configuration server discovered (``replicationvCenters``).

    - ``V3-vcenter-target`` (location ``alternate``): the other vCenter named in ``vmware.vCenter`` is
      discovered without errors, and the master target named for it is registered with its datastores
      visible, the chosen datastore among them.
    - ``V3-runas-datastores`` (a ``vmware.runAsAccount`` named): no vCenter discovered with that account
      reports that it cannot list datastores (a read-only account makes re-protect fail).

    Args:
        vcenters: the fabric's vCenters (wire dicts).
        cs: the fabric's ``customDetails`` (master targets with their datastores).
        chosen: the request's ``vmware`` section.
        inputs: the chosen re-protect inputs (``masterTargetId``, ``datastoreName``, ``runAsAccountId``).
        location: the request's location.
    """
    checks = []
    if location == "alternate":
        wanted = str(chosen.get("vCenter") or "")
        vc = _named(vcenters, wanted) if wanted else None
        props = (vc or {}).get("properties") or {}
        status = str(props.get("discoveryStatus") or "")
        errors = [str(e.get("errorCode")) for e in props.get("healthErrors") or []]
        mt = next(
            (m for m in cs.get("masterTargetServers") or [] if m.get("id") == inputs.get("masterTargetId")),
            None,
        )
        stores = [str(d.get("symbolicName")) for d in (mt or {}).get("dataStores") or []]
        ok = (
            vc is not None
            and status.lower() not in ("failed", "notstarted", "")
            and not errors
            and mt is not None
            and inputs.get("datastoreName") in stores
        )
        known = [str((v.get("properties") or {}).get("friendlyName") or v.get("name")) for v in vcenters]
        found = message(
            N_("vCenter %(vc)s: discoveryStatus=%(status)s, healthErrors=%(errors)s")
            if vc
            else N_("vCenter %(vc)s: not discovered (known: %(known)s)"),
            vc=wanted or None,
            status=status,
            errors=str(errors),
            known=str(known),
        )
        target = message(
            N_("master target %(mt)s: datastores visible=%(stores)s")
            if mt
            else N_("master target %(mt)s: not registered"),
            mt=inputs.get("masterTargetId"),
            stores=str(stores),
        )
        evidence = [
            found,
            target,
            message(N_("datastore=%(datastore)s"), datastore=inputs.get("datastoreName")),
        ]
        checks.append(
            check(
                "V3-vcenter-target",
                message(
                    N_(
                        "Failback to another vCenter: that vCenter and its master target are discovered and "
                        "the datastores are visible"
                    )
                ),
                ok,
                evidence,
                message(_VCENTER_REMEDY),
            )
        )
    account = inputs.get("runAsAccountId")
    if account:
        using = [
            vc for vc in vcenters if str((vc.get("properties") or {}).get("runAsAccountId") or "") == account
        ]
        errors = [e for vc in using for e in _datastore_errors(vc)]
        args = {
            "account": account,
            "used": str([(vc.get("properties") or {}).get("friendlyName") for vc in using] or "none"),
            "errors": "; ".join(errors),
        }
        checks.append(
            check(
                "V3-runas-datastores",
                message(
                    N_("The vCenter account named for the re-protect can list datastores (not read-only)")
                ),
                not errors,
                message(
                    N_("runAsAccount=%(account)s: used by vCenter %(used)s; %(errors)s")
                    if errors
                    else N_("runAsAccount=%(account)s: used by vCenter %(used)s; no error about datastores"),
                    **args,
                ),
                message(_RUNAS_REMEDY, account=account),
            )
        )
    return checks
