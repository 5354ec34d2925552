"""Find and index a Python v2-model Functions app the way the Python worker does."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import azure.functions as func

_MODULE_CACHE: dict[Path, Any] = {}


@dataclass
class FunctionEntry:
    """One indexed function."""

    name: str
    trigger_type: str
    trigger: Any
    bindings: list[dict[str, Any]]
    callable: Any
    durable_name: str | None = None


@dataclass
class FunctionIndex:
    """The app's functions grouped by trigger kind (durable lookups are case-insensitive)."""

    http: list[FunctionEntry] = field(default_factory=list)
    orchestrators: dict[str, FunctionEntry] = field(default_factory=dict)
    activities: dict[str, FunctionEntry] = field(default_factory=dict)
    entities: dict[str, FunctionEntry] = field(default_factory=dict)
    timers: list[FunctionEntry] = field(default_factory=list)
    other: list[FunctionEntry] = field(default_factory=list)

    def orchestrator(self, name: str) -> FunctionEntry | None:
        """The orchestrator registered under ``name`` (case-insensitive)."""
        return self.orchestrators.get(name.lower())

    def activity(self, name: str) -> FunctionEntry | None:
        """The activity registered under ``name`` (case-insensitive)."""
        return self.activities.get(name.lower())

    def entity(self, name: str) -> FunctionEntry | None:
        """The entity registered under ``name`` (case-insensitive)."""
        return self.entities.get(name.lower())


def _script_stem(script_file: str | None) -> str:
    name = (script_file or "function_app.py").strip()
    return Path(name).stem


def load_app(app_dir: Path, script_file: str | None = None) -> Any:
    """Import the app module from ``app_dir`` and return its single ``FunctionRegister``.

    The module is imported once per process and app directory (Python keeps modules in
    ``sys.modules``); a second host on the same directory reuses it.
    """
    app_dir = app_dir.resolve()
    if app_dir in _MODULE_CACHE:
        return _MODULE_CACHE[app_dir]
    stem = _script_stem(script_file)
    if str(app_dir) in sys.path:
        sys.path.remove(str(app_dir))
    sys.path.insert(0, str(app_dir))
    importlib.invalidate_caches()
    existing = sys.modules.get(stem)
    if existing is not None and not _module_is_under(existing, app_dir):
        # A module of the same name from another app directory: load ours instead.
        del sys.modules[stem]
    module = importlib.import_module(stem)
    if not _module_is_under(module, app_dir):
        raise RuntimeError(
            f"{stem}.py was not found in {app_dir} (set PYTHON_SCRIPT_FILE_NAME if the app's"
            f" entry file has another name); Python resolved '{stem}' to {getattr(module, '__file__', '?')}"
        )
    registers = [v for v in vars(module).values() if isinstance(v, func.FunctionRegister)]
    unique = list({id(r): r for r in registers}.values())
    if len(unique) != 1:
        raise RuntimeError(
            f"{stem}: expected exactly one FunctionRegister (FunctionApp/DFApp), found {len(unique)}"
        )
    _MODULE_CACHE[app_dir] = unique[0]
    return unique[0]


def _module_is_under(module: Any, app_dir: Path) -> bool:
    path = getattr(module, "__file__", None)
    if not path:
        return False
    try:
        Path(path).resolve().relative_to(app_dir)
        return True
    except ValueError:
        return False


def index_functions(app: Any) -> FunctionIndex:
    """Index ``app.get_functions()`` by trigger type and durable name (cached per app object).

    ``get_functions()`` may only run once per app (the SDK rejects a second indexing).
    """
    cached = getattr(app, "_devhost_index", None)
    if isinstance(cached, FunctionIndex):
        return cached
    index = FunctionIndex()
    for fn in app.get_functions():
        trigger = fn.get_trigger()
        bindings = fn.get_bindings_dict().get("bindings", [])
        entry = FunctionEntry(
            name=fn.get_function_name(),
            trigger_type=trigger.type,
            trigger=trigger,
            bindings=bindings,
            callable=fn.get_user_function(),
        )
        if trigger.type == "httpTrigger":
            index.http.append(entry)
        elif trigger.type == "orchestrationTrigger":
            entry.durable_name = getattr(trigger, "orchestration", None) or entry.name
            index.orchestrators[entry.durable_name.lower()] = entry
        elif trigger.type == "activityTrigger":
            entry.durable_name = getattr(trigger, "activity", None) or entry.name
            index.activities[entry.durable_name.lower()] = entry
        elif trigger.type == "entityTrigger":
            entry.durable_name = getattr(trigger, "entity_name", None) or entry.name
            index.entities[entry.durable_name.lower()] = entry
        elif trigger.type == "timerTrigger":
            index.timers.append(entry)
        else:
            index.other.append(entry)
    app._devhost_index = index
    return index
