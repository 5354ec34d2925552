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
    reason = (
        f"The retention drive {drive} is not listed on master target {inputs.get('masterTargetId')} "
        "yet: a drive added to the master target takes up to 15 minutes to appear (seed 002: "
        "「そのドライブがポータル上の選択リストに表示されるまでに最大 15 分かかります」). "
        f"The run refreshes the configuration server and checks again every {every} minutes "
        f"for up to {within} minutes."
    )
    return {
        "check": "V3-retention",
        "refresh": dict(refresh),
        "everySeconds": int(RETENTION_RETRY_EVERY.total_seconds()),
        "forSeconds": int(RETENTION_WAIT.total_seconds()),
        "reason": reason,
    }


def retention_gave_up(wait: Mapping[str, Any]) -> str:
    """The remedy when the retention drive did not appear within the wait."""
    return (
        f"{wait.get('reason', '')} It did not appear: check that the drive meets the retention drive "
        "conditions (not used for anything else, not locked, not a cache volume, not FAT/FAT32, non-zero "
        "size), refresh the configuration server (seed 002: 「15 分経ってもドライブが表示されない場合は、"
        "構成サーバーを更新することもできます」), then start a new failback."
    )
