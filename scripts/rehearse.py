"""``make rehearse CAPTURE=vault.json VM=name`` (or ``PLAN=name``, or ``REQUEST=file.json``).

Rehearses the failback of a captured vault (``python -m cli capture``) on this machine: the simulator
is seeded from the capture (``simulator.capture_seed``) and runs with the local host on one virtual
clock (``scripts.failback_stack``), then the people involved are played through HTTP as in
``make demo``:

1. a dry run of the request answers the pre-flight verdicts, the data-sync choice, the downtime
   estimate and the approvals it will ask for;
2. the same request runs for real (when the pre-flight lets it): an approver opens each approval
   link from the local outbox, ticks the checklist shown and approves on the page;
3. the rehearsal report (``scripts.rehearsal_report``: JSON and HTML) puts together what the night
   will look like, with the ARM calls the run made (the simulator's request log).

Exit code 0 when the rehearsed failback succeeded with no invariant violation, 6 when the pre-flight
refused (the report says why), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from scripts.failback_stack import FailbackStack
from scripts.rehearsal_report import build_rehearsal, write_report
from simulator import capture_seed

warnings.filterwarnings("ignore", message="azure.functions df_loads was called")

_ATTEST = re.compile(r'name="attest" value="([^"]+)"')
_KINDS = {
    "HyperVReplicaAzure": "hyperv",
    "InMageAzureV2": "vmware-classic",
    "InMage": "vmware-classic",
    "InMageRcm": "vmware-modernized",
    "InMageRcmFailback": "vmware-modernized",
}
PREFLIGHT_REFUSED = 6


class RehearsalError(Exception):
    """The rehearsal cannot start (unknown VM or plan, unreadable capture or request)."""


def translate(name: str, mapping: dict[str, str] | None) -> str:
    """A real name given by the user turned into its pseudonym (when the mapping knows it)."""
    if not mapping:
        return name
    back = {original.lower(): pseudonym for pseudonym, original in mapping.items()}
    return back.get(name.lower(), name)


def request_for(
    capture: dict[str, Any],
    *,
    vm: str | None = None,
    plan: str | None = None,
    approvers: list[str] | None = None,
) -> dict[str, Any]:
    """The request an operator would send for ``vm`` or ``plan`` of the captured vault."""
    vault = capture["vault"]
    workspace = (capture.get("workspace") or {}).get("id") or "11111111-2222-3333-4444-555555555555"
    body: dict[str, Any] = {
        "vault": {k: vault[k] for k in ("subscriptionId", "resourceGroup", "name")},
        "dataSync": "auto",
        "approval": {"approvers": approvers or ["ops-lead@contoso.example"], "timeoutHours": 8},
        "verification": {"workspaceId": workspace, "windowMinutes": 30},
        "reverseReplication": True,
    }
    resources = capture["resources"]
    if plan:
        found = [p for p in resources["recoveryPlans"] if plan.lower() in (p["name"].lower(), _friendly(p))]
        if not found:
            names = ", ".join(p["name"] for p in resources["recoveryPlans"]) or "none"
            raise RehearsalError(f"no recovery plan {plan!r} in the capture (plans: {names})")
        return {**body, "kind": "recovery-plan", "recoveryPlan": found[0]["name"]}
    items = [i for i in resources["protectedItems"] if vm and vm.lower() in (i["name"].lower(), _friendly(i))]
    if not items:
        raise RehearsalError(f"no protected item or VM {vm!r} in the capture")
    props = items[0]["properties"]
    instance = str((props.get("providerSpecificDetails") or {}).get("instanceType"))
    kind = _KINDS.get(instance)
    if kind is None:
        raise RehearsalError(f"{vm}: replication provider {instance} cannot be rehearsed")
    body.update(kind=kind, item={"friendlyName": props["friendlyName"]})
    body["verification"]["computer"] = props["friendlyName"]
    if kind == "vmware-modernized":
        # V1 asks for a log storage account; the capture cannot know which one the operator will name
        body["vmware"] = {
            "logStorageAccountId": f"/subscriptions/{vault['subscriptionId']}/resourceGroups/"
            f"{vault['resourceGroup']}/providers/Microsoft.Storage/storageAccounts/rehearsalcache"
        }
    return body


def _friendly(resource: dict[str, Any]) -> str:
    return str((resource.get("properties") or {}).get("friendlyName") or "").lower()


def _approve_pending(stack: FailbackStack, decided: set[str], attested: list[str]) -> int:
    """Approve every approval link in the outbox not decided yet, ticking what each page asks; how many."""
    response = stack.get("/api/outbox")
    response.raise_for_status()
    count = 0
    for message in response.json().get("messages", []):
        if message.get("kind") != "approval-request":
            continue
        for link in message.get("links") or []:
            url = stack.running.base_url + link["path"]
            if url in decided:
                continue
            decided.add(url)
            page = stack.http.get(url, timeout=30)
            if page.status_code != 200 or 'name="decision"' not in page.text:
                continue  # superseded or already decided (a quorum met by another approver)
            ticks = _ATTEST.findall(page.text)
            attested.extend(t for t in ticks if t not in attested)
            form = {
                "token": link["path"].rsplit("/", 1)[-1],
                "decision": "approve",
                "comment": "rehearsal",
                "attest": ticks,
            }
            stack.http.post(url, data=form, timeout=30)
            count += 1
    return count


def _run_through(stack: FailbackStack, run_id: str, timeout: float) -> tuple[dict[str, Any], list[str]]:
    """Drive the run to its end, approving each approval it asks for; (final view, attested items)."""
    decided: set[str] = set()
    attested: list[str] = []
    deadline = time.monotonic() + timeout

    def ready() -> bool:
        view = stack.run(run_id)
        if view["runtimeStatus"] in ("Completed", "Failed", "Terminated", "Canceled"):
            return True
        return view.get("awaiting") == "approval" or bool(_pending(stack, decided))

    while time.monotonic() < deadline:
        stack.drive(ready, timeout=max(1.0, deadline - time.monotonic()))
        if stack.finished(run_id):
            break
        if not _approve_pending(stack, decided, attested):
            stack.drive(lambda: stack.finished(run_id) or bool(_pending(stack, decided)), timeout=5)
    return stack.run(run_id), attested


def _pending(stack: FailbackStack, decided: set[str]) -> list[str]:
    response = stack.get("/api/outbox")
    links = [
        stack.running.base_url + link["path"]
        for m in response.json().get("messages", [])
        if m.get("kind") == "approval-request"
        for link in m.get("links") or []
    ]
    return [u for u in links if u not in decided]


def rehearse(
    capture_path: Path,
    out_dir: Path,
    *,
    vm: str | None = None,
    plan: str | None = None,
    request_file: Path | None = None,
    mapping_path: Path | None = None,
    state_dir: Path | None = None,
    timeout: float = 180,
) -> dict[str, Any]:
    """Rehearse one failback of the captured vault; write and return the rehearsal report."""
    capture = capture_seed.load(capture_path)
    mapping = json.loads(mapping_path.read_text()) if mapping_path and mapping_path.exists() else None
    if request_file is not None:
        body = json.loads(request_file.read_text())
    elif vm or plan:
        body = request_for(
            capture,
            vm=translate(vm, mapping) if vm else None,
            plan=translate(plan, mapping) if plan else None,
        )
    else:
        raise RehearsalError("name a VM (VM=), a recovery plan (PLAN=) or a request file (REQUEST=)")
    scenario = capture_seed.register_capture(capture, name=capture_path.stem)
    with (
        tempfile.TemporaryDirectory(prefix="rehearse-") as tmp,
        FailbackStack(state_dir or Path(tmp), scenario=scenario) as stack,
    ):
        started = stack.clock.now()
        dry = stack.post(
            "/api/failbacks", {**body, "dryRun": True}, {"x-ms-client-principal-name": "rehearsal"}
        )
        if dry.status_code not in (200, 202):
            raise RehearsalError(f"the request was refused: {dry.status_code} {dry.text[:800]}")
        answer = dry.json()
        if dry.status_code == 202 or answer.get("plan") is None:
            report = stack.finish(answer["id"], timeout=timeout)
            answer = {**answer, "plan": report.get("plan"), "preflight": report.get("preflight")}
            answer["outcome"] = report.get("outcome")
        view: dict[str, Any] | None = None
        attested: list[str] = []
        requests: dict[str, Any] = {}
        if (answer.get("plan") or {}).get("wouldStart", answer.get("outcome") == "succeeded"):
            stack.sim.control._call("DELETE", "requests")
            run_id = stack.start_failback(body, initiator="operator@rehearsal.example")
            view, attested = _run_through(stack, run_id, timeout)
            requests = stack.requests_log()
        rehearsal = build_rehearsal(
            capture=capture,
            capture_path=str(capture_path),
            request=body,
            dry_run=answer,
            view=view,
            attested=attested,
            requests=requests,
            invariants=stack.invariants(),
            virtual_seconds=(stack.clock.now() - started).total_seconds(),
        )
    write_report(rehearsal, out_dir)
    return rehearsal


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``make rehearse``."""
    parser = argparse.ArgumentParser(prog="python -m scripts.rehearse", description=__doc__.splitlines()[0])
    parser.add_argument("--capture", required=True, type=Path, help="capture file (python -m cli capture)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--vm", help="VM (or protected item) to fail back")
    target.add_argument("--plan", help="recovery plan to fail back")
    target.add_argument("--request", type=Path, help="the request file the night will send (any kind, waves)")
    parser.add_argument("--mapping", type=Path, help="pseudonym mapping: lets --vm/--plan use real names")
    parser.add_argument("--out", type=Path, default=Path("rehearsal"), help="where report.json/.html go")
    args = parser.parse_args(argv)
    mapping = args.mapping or args.capture.with_name(args.capture.stem + ".mapping.json")
    started = time.monotonic()
    try:
        report = rehearse(
            args.capture,
            args.out,
            vm=args.vm,
            plan=args.plan,
            request_file=args.request,
            mapping_path=mapping,
        )
    except (RehearsalError, capture_seed.CaptureError) as error:
        print(f"rehearse: {error}", file=sys.stderr)
        return 1
    print(
        f"rehearsal of {report['target']} on the capture of {report['capture']['vault']}: {report['verdict']}"
    )
    for check in report["preflight"]["checks"]:
        mark = "ok " if check.get("passed") else "NO "
        print(f"  {mark} {check.get('id', ''):<22} {check.get('evidence') or ''}"[:160])
    print(f"data sync   {report['dataSync'].get('dataSyncOption')}: {report['dataSync'].get('reason')}")
    print(f"downtime    {report['downtime']['summary']}")
    print(f"ARM calls   {report['armCalls']['summary']}")
    print(f"approvals   {report['approvals']['summary']}")
    print(
        f"report      {args.out / 'rehearsal.html'} and rehearsal.json ({time.monotonic() - started:.1f} s)"
    )
    if report["verdict"] == "ready":
        return 0
    return PREFLIGHT_REFUSED if report["verdict"] == "refused at pre-flight" else 1


if __name__ == "__main__":
    sys.exit(main())
