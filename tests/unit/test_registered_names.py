"""Every activity and orchestrator the orchestrators call is registered in the app (issue 11, part 6).

The names are read from the orchestrators' source (``call_activity``, ``call_sub_orchestrator``,
``ActivityCall``: a string, a conditional of strings, or a name from ``domain.run_names``); the
registered functions from indexing the app in a fresh interpreter, as the Python worker does
(the SDK indexes an app once per process, see ``tests/test_app_loading.py``).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from domain import run_names

ROOT = Path(__file__).resolve().parents[2]

_INDEX = """
import json, entrypoint
print(json.dumps(sorted(f.get_function_name() for f in entrypoint.app.get_functions())))
"""

#: Call -> position of the function name among its arguments.
_NAME_ARGUMENT = {"call_activity": None, "call_sub_orchestrator": 0, "ActivityCall": 0}


def _strings(node: ast.expr, local: dict[str, set[str]]) -> set[str]:
    if isinstance(node, ast.IfExp):
        return _strings(node.body, local) | _strings(node.orelse, local)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name) and isinstance(getattr(run_names, node.id, None), str):
        return {getattr(run_names, node.id)}
    if isinstance(node, ast.Name):
        return local.get(node.id, set())
    return set()


def _assigned(tree: ast.Module) -> dict[str, set[str]]:
    """Strings assigned to a plain name anywhere in a module (``name = "a" if x else "b"``)."""
    local: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            local.setdefault(node.targets[0].id, set()).update(_strings(node.value, {}))
    return local


def _called_names() -> tuple[set[str], list[str]]:
    """Names the orchestrators call, and the calls whose name could not be read."""
    found: set[str] = set()
    unread: list[str] = []
    for path in sorted((ROOT / "orchestrators").rglob("*.py")):
        tree = ast.parse(path.read_text())
        local = _assigned(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if callee not in _NAME_ARGUMENT or not node.args:
                continue
            position = _NAME_ARGUMENT[callee]
            if position is None:  # context.call_activity(name, ...) or durable.call_activity(ctx, name, ...)
                position = 0 if isinstance(node.func, ast.Attribute) else 1
            if position >= len(node.args):
                continue
            names = _strings(node.args[position], local)
            if names:
                found |= names
            elif not isinstance(node.args[position], ast.Name | ast.Attribute):  # not a pass-through
                unread.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node.args[position])}")
    return found, unread


def _registered() -> set[str]:
    out = subprocess.run([sys.executable, "-c", _INDEX], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_every_activity_and_orchestrator_the_orchestrators_call_is_registered() -> None:
    called, unread = _called_names()
    # the scan sees the runbook's steps, the job wait, the gate and the waves' VM runs
    assert {
        "preflight",
        "start_failback",
        "resume_job",
        "commit_failover",
        "get_job",
        "notify",
        "post_callback",
        run_names.WAIT_ORCHESTRATOR,
        run_names.GATE_ORCHESTRATOR,
        run_names.FAILBACK_ORCHESTRATOR,
    } <= called
    assert unread == []
    assert sorted(called - _registered()) == []
