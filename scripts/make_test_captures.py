"""Write ``tests/captures/<scenario>.json``: captures of the simulator's own scenarios (issue 15).

Each is made the way a user makes one: ``python -m cli capture`` (``cli.capture.run_capture``) against
the simulator serving the scenario, sanitized; the pseudonym mapping is thrown away. In ``default``
two jobs run first so that the capture holds jobs with tasks (a commit that succeeds and a failback
that fails at its prerequisites), as a real vault's history does.

    python -m scripts.make_test_captures [--scenarios default,empty,...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

from cli.capture import run_capture
from simulator.clock import ManualClock
from simulator.testing import SimulatorServer

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "captures"
SCENARIOS = ("default", "empty", "vmware-readonly-account", "vmware-mixed-os-group")


def _history(sim: SimulatorServer) -> None:
    """A succeeded commit (file01) and a failed failback (db01: its host is disconnected)."""
    client = sim.mgmt_client()
    rg, vault = sim.info["resource_group"], sim.info["vault"]
    client.replication_protected_items.begin_failover_commit(
        rg, vault, "vmm-contoso", "cloud-prod", "rpi-file01"
    )
    body: dict[str, Any] = {
        "properties": {
            "failoverDirection": "RecoveryToPrimary",
            "providerSpecificDetails": {
                "instanceType": "HyperVReplicaAzureFailback",
                "dataSyncOption": "ForSynchronization",
                "recoveryVmCreationOption": "NoAction",
            },
        }
    }
    client.replication_protected_items.begin_planned_failover(
        rg, vault, "site-hq", "hq-container", "rpi-db01", body
    )
    sim.control.advance(3600)
    client.close()


def make(scenario: str, out_dir: Path = OUT) -> dict[str, Any]:
    """Capture ``scenario`` into ``out_dir/<scenario>.json``; the summary."""
    with SimulatorServer(scenario=scenario, clock=ManualClock()) as sim, tempfile.TemporaryDirectory() as tmp:
        if scenario == "default":
            _history(sim)
        info = sim.info
        return run_capture(
            subscription=info["subscription_id"],
            resource_group=info["resource_group"],
            vault=info["vault"],
            out=out_dir / f"{scenario}.json",
            arm_endpoint=info["arm_endpoint"],
            ca_bundle=info["ca_bundle"],
            workspace=info["workspace_id"],
            mapping=Path(tmp) / "mapping.json",
            credential="local",
            show_progress=False,
        )


def main(argv: list[str] | None = None) -> int:
    """Write the captures; print their sizes."""
    parser = argparse.ArgumentParser(prog="python -m scripts.make_test_captures")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    args = parser.parse_args(argv)
    for scenario in args.scenarios.split(","):
        summary = make(scenario)
        print(
            f"{summary['out']}: {summary['bytes']} bytes, {summary['counts']}, "
            f"{summary['pseudonyms']} pseudonyms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
