"""The app loads exactly as the Python worker loads it (architecture: entrypoint; issue 2).

Each check runs in a fresh interpreter from the app root, as the worker does:
``FunctionRegister.get_functions()`` indexes once per process (a second call
raises "does not have a unique function name"), so it must not share a process
with tests that already started a host on the app.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_INDEX = """
import importlib, json, azure.functions as f
m = importlib.import_module({stem!r})
regs = [v for v in vars(m).values() if isinstance(v, f.FunctionRegister)]
print(json.dumps({{"registers": len(regs),
                  "functions": sorted(x.get_function_name() for x in regs[0].get_functions())}}))
"""


def _script_file_name() -> str:
    settings = json.loads((ROOT / "local.settings.example.json").read_text())
    return settings["Values"]["PYTHON_SCRIPT_FILE_NAME"]


def _index_like_the_worker() -> dict:
    code = _INDEX.format(stem=Path(_script_file_name()).stem)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_entrypoint_stem_exposes_exactly_one_function_register_with_the_workflow() -> None:
    index = _index_like_the_worker()
    assert index["registers"] == 1
    expected = {"health", "failback_orchestrator", "approval_gate", "wait_for_asr_job", "start_failback"}
    assert expected <= set(index["functions"])


def test_no_root_function_app_module_is_shadowed_by_the_package() -> None:
    assert not (ROOT / "function_app.py").exists()
    assert (ROOT / "function_app" / "__init__.py").exists()
    assert _script_file_name() == "entrypoint.py"
    body = ast.parse((ROOT / _script_file_name()).read_text()).body
    imports = [n for n in body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [(n.module, [a.name for a in n.names]) for n in imports] == [("function_app", ["app"])]
