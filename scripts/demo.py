"""``make demo`` (for now): a smoke orchestration through the local host on a virtual clock.

Starts an in-process ``DevHost`` on this repository, POSTs ``/api/smoke``, drives the
orchestration to completion (the durable timer is skipped by the virtual clock), prints
the progress and the output. The workflow work replaces this with the failback demo.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import requests

from devhost.clock import VirtualClock
from devhost.testing import DevHost

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    """Run the smoke orchestration and print what happened."""
    clock = VirtualClock(datetime.now(UTC).replace(microsecond=0))
    env = {"PYTHON_SCRIPT_FILE_NAME": "entrypoint.py", "TASKHUB_NAME": "failbackdemo"}
    with DevHost(ROOT, clock=clock, env=env) as host:
        print(f"local host on {host.base_url}")
        started = requests.post(
            f"{host.base_url}/api/smoke", headers={"x-functions-key": host.function_key}, timeout=30
        )
        started.raise_for_status()
        status_url = started.json()["statusQueryGetUri"]
        print(f"started {started.json()['id']} ({started.status_code})")
        seen: list[str] = []

        def completed() -> bool:
            body = requests.get(status_url, timeout=30).json()
            if not seen or seen[-1] != body["runtimeStatus"]:
                seen.append(body["runtimeStatus"])
                print(f"  {clock.now():%H:%M:%S} {body['runtimeStatus']}")
            return body["runtimeStatus"] in ("Completed", "Failed", "Terminated")

        host.drive(completed, timeout=60)
        body = requests.get(status_url, timeout=30).json()
        print(f"output: {body['output']}")
        return 0 if body["runtimeStatus"] == "Completed" else 1


if __name__ == "__main__":
    sys.exit(main())
