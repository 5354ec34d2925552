"""The app loads exactly as the Python worker loads it (architecture: entrypoint)."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import azure.functions as func

ROOT = Path(__file__).resolve().parents[1]


def _script_file_name() -> str:
    settings = json.loads((ROOT / "local.settings.example.json").read_text())
    return settings["Values"]["PYTHON_SCRIPT_FILE_NAME"]


def test_entrypoint_stem_exposes_exactly_one_function_register() -> None:
    stem = Path(_script_file_name()).stem
    module = importlib.import_module(stem)
    registers = [v for v in vars(module).values() if isinstance(v, func.FunctionRegister)]
    assert len(registers) == 1
    names = {f.get_function_name() for f in registers[0].get_functions()}
    assert {"health", "smoke_orchestrator", "smoke_echo"} <= names


def test_no_root_function_app_module_is_shadowed_by_the_package() -> None:
    assert not (ROOT / "function_app.py").exists()
    assert (ROOT / "function_app" / "__init__.py").exists()
    assert _script_file_name() != "function_app.py"


def test_app_imports_in_a_fresh_interpreter_from_the_app_root() -> None:
    code = (
        "import importlib,azure.functions as f;"
        f"m=importlib.import_module('{Path(_script_file_name()).stem}');"
        "print(sum(isinstance(v,f.FunctionRegister) for v in vars(m).values()))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
