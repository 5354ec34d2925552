"""Find and index a Python v2-model Functions app the way the Python worker does."""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import azure.functions as func

from devhost.worker_rules import check_app

_LOADED: dict[Path, LoadedApp] = {}
_BY_REGISTER: dict[int, LoadedApp] = {}


@dataclass
class LoadedApp:
    """An imported app: its register and the modules that came from its directory.

    Apps served by one process may use the same module names (``function_app``,
    ``models``…). Loading an app leaves ``sys.modules`` as it was for outside code; the
    app's own modules are put back in place (``activate``) whenever its code runs, because
    Durable's loose-mode ``df_loads`` and lazy imports look names up in ``sys.modules``.
    """

    app_dir: Path
    register: Any
    modules: dict[str, Any]
    displaced: dict[str, Any]
    stem: str
    path_was_present: bool

    def activate(self) -> None:
        """Make this app's modules (and its directory on ``sys.path``) the ones Python resolves."""
        if str(self.app_dir) not in sys.path:
            sys.path.insert(0, str(self.app_dir))
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module

    def deactivate(self) -> None:
        """Give outside code back what the app shadowed (after its host stops).

        Names another module had before are restored; the app's entry module is removed if
        nobody had its name, and the app directory leaves ``sys.path`` unless it was there
        before — so a later ``import function_app`` in the same process does not find this app.
        """
        for name, module in self.modules.items():
            if sys.modules.get(name) is not module:
                continue
            previous = self.displaced.get(name)
            if previous is not None:
                sys.modules[name] = previous
            elif name == self.stem or name.startswith(self.stem + "."):
                del sys.modules[name]
        if not self.path_was_present and str(self.app_dir) in sys.path:
            sys.path.remove(str(self.app_dir))


@dataclass
class FunctionEntry:
    """One indexed function."""

    name: str
    trigger_type: str
    trigger: Any
    bindings: list[dict[str, Any]]
    callable: Any
    durable_name: str | None = None
    app: LoadedApp | None = None

    def activate(self) -> None:
        """Put the function's app modules in ``sys.modules`` before its code runs."""
        if self.app is not None:
            self.app.activate()


@dataclass
class FunctionIndex:
    """The app's functions grouped by trigger kind (durable lookups are case-insensitive)."""

    http: list[FunctionEntry] = field(default_factory=list)
    orchestrators: dict[str, FunctionEntry] = field(default_factory=dict)
    activities: dict[str, FunctionEntry] = field(default_factory=dict)
    entities: dict[str, FunctionEntry] = field(default_factory=dict)
    timers: list[FunctionEntry] = field(default_factory=list)
    other: list[FunctionEntry] = field(default_factory=list)

    def without(self, disabled: set[str]) -> FunctionIndex:
        """A copy without the functions named in ``disabled`` (case-insensitive)."""
        off = {name.lower() for name in disabled}

        def keep(entry: FunctionEntry) -> bool:
            return entry.name.lower() not in off

        return FunctionIndex(
            http=[e for e in self.http if keep(e)],
            orchestrators={k: e for k, e in self.orchestrators.items() if keep(e)},
            activities={k: e for k, e in self.activities.items() if keep(e)},
            entities={k: e for k, e in self.entities.items() if keep(e)},
            timers=[e for e in self.timers if keep(e)],
            other=[e for e in self.other if keep(e)],
        )

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

    The module is imported once per process and app directory; a second host on the same
    directory reuses it (see ``LoadedApp`` for apps whose module names clash).
    """
    return load(app_dir, script_file).register


def load(app_dir: Path, script_file: str | None = None) -> LoadedApp:
    """Import (once) the app in ``app_dir`` like the Python worker; see ``load_app``."""
    app_dir = app_dir.resolve()
    if app_dir in _LOADED:
        return _LOADED[app_dir]
    stem = _script_stem(script_file)
    path_was_present = str(app_dir) in sys.path
    if path_was_present:
        sys.path.remove(str(app_dir))
    sys.path.insert(0, str(app_dir))
    importlib.invalidate_caches()
    before = dict(sys.modules)
    # Names that resolve elsewhere (another app, the test process) must not satisfy our imports.
    for name, existing in before.items():
        clashes = name == stem or name.startswith(stem + ".")
        if (clashes and not _module_is_under(existing, app_dir)) or _is_other_app_module(existing, app_dir):
            del sys.modules[name]
    try:
        module = importlib.import_module(stem)
    finally:
        mine = {n: m for n, m in sys.modules.items() if before.get(n) is not m and _is_app_code(m, app_dir)}
        for name, previous in before.items():
            sys.modules[name] = previous  # outside code keeps what it had
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
    mine.setdefault(stem, module)
    displaced = {name: before.get(name) for name in mine}
    loaded = LoadedApp(app_dir, unique[0], mine, displaced, stem, path_was_present)
    _LOADED[app_dir] = loaded
    _BY_REGISTER[id(unique[0])] = loaded
    return loaded


def _is_app_code(module: Any, app_dir: Path) -> bool:
    """A module from the app's own files (not an installed package inside the app dir)."""
    path = getattr(module, "__file__", None)
    if not path or not _module_is_under(module, app_dir):
        return False
    parts = Path(path).parts
    return "site-packages" not in parts and ".venv" not in parts and ".python_packages" not in parts


def _is_other_app_module(module: Any, app_dir: Path) -> bool:
    """A module that a previously loaded app imported from its own directory."""
    return any(
        other.app_dir != app_dir and other.modules.get(getattr(module, "__name__", "")) is module
        for other in _LOADED.values()
    )


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

    Raises:
        WorkerLoadError: a function Microsoft's worker would refuse; like the worker, devhost then
            loads no function of the app.
    """
    cached = getattr(app, "_devhost_index", None)
    if isinstance(cached, FunctionIndex):
        return cached
    functions = app.get_functions()
    check_app(functions)
    index = FunctionIndex()
    for fn in functions:
        trigger = fn.get_trigger()
        bindings = fn.get_bindings_dict().get("bindings", [])
        entry = FunctionEntry(
            name=fn.get_function_name(),
            trigger_type=trigger.type,
            trigger=trigger,
            bindings=bindings,
            callable=fn.get_user_function(),
            app=_BY_REGISTER.get(id(app)),
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
