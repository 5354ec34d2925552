"""Load the Bicep template tree with pycep and answer questions about it.

Only what the infra checks need: the files reachable from ``main.bicep`` (through
``module`` declarations), their resources, and enough expression resolution to follow
a name through ``var``/``param``/``union``/``items`` to the literal it stands for.

pycep renders both identifiers and string literals as Python strings; a string is
treated as a reference when it names a variable or parameter of its file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pycep import BicepParser

_PARSER = BicepParser()


def parse_bicep(path: Path) -> dict[str, Any]:
    """Parse one ``.bicep`` file; raises ``ValueError``/lark errors when it does not parse."""
    return _PARSER.parse(file_path=path)


def unquote(key: str) -> str:
    """Object keys written as ``'Site Recovery Operator'`` keep their quotes in pycep."""
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == "'" else key


@dataclass
class Resource:
    """One ``resource`` declaration (loops and conditions unwrapped into ``body``)."""

    file: BicepFile
    symbol: str
    type: str
    existing: bool
    body: dict[str, Any]
    loop: dict[str, Any] | None

    @property
    def properties(self) -> dict[str, Any]:
        """The resource's ``properties`` object (empty when absent)."""
        props = self.body.get("properties")
        return props if isinstance(props, dict) else {}


@dataclass
class ModuleCall:
    """One ``module`` declaration of a file, pointing at another file of the tree."""

    file: BicepFile
    symbol: str
    target: Path
    body: dict[str, Any]
    loop: dict[str, Any] | None


@dataclass
class BicepFile:
    """A parsed ``.bicep`` file."""

    path: Path
    doc: dict[str, Any]
    callers: list[ModuleCall] = field(default_factory=list)

    @property
    def parameters(self) -> dict[str, Any]:
        """``param`` declarations by name."""
        return self.doc.get("parameters") or {}

    @property
    def variables(self) -> dict[str, Any]:
        """``var`` declarations by name."""
        return self.doc.get("variables") or {}

    def resources(self) -> Iterator[Resource]:
        """Every resource, with loop/condition wrappers unwrapped."""
        for symbol, res in (self.doc.get("resources") or {}).items():
            body, loop = _unwrap(res.get("config") or {})
            yield Resource(self, symbol, res["type"], bool(res.get("existing")), body, loop)

    def modules(self) -> Iterator[ModuleCall]:
        """Every local module call."""
        for symbol, mod in (self.doc.get("modules") or {}).items():
            body, loop = _unwrap(mod.get("config") or {})
            target = (self.path.parent / mod["detail"]["path"]).resolve()
            yield ModuleCall(self, symbol, target, body, loop)

    def resource(self, symbol: str) -> Resource | None:
        """The resource declared with this symbolic name, if any."""
        return next((r for r in self.resources() if r.symbol == symbol), None)


def _unwrap(config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Return (body, loop) for a resource/module config that may be a loop or conditional."""
    if "loop_type" in config or ("condition" in config and "config" in config):
        return config.get("config") or {}, config.get("loop_type")
    return config, None


class Template:
    """The tree of Bicep files reachable from an entry file (``main.bicep``)."""

    def __init__(self, entry: Path) -> None:
        self.entry = entry.resolve()
        self.files: dict[Path, BicepFile] = {}
        self._load(self.entry)

    def _load(self, path: Path) -> BicepFile:
        if path in self.files:
            return self.files[path]
        bicep = BicepFile(path, parse_bicep(path))
        self.files[path] = bicep
        for call in bicep.modules():
            self._load(call.target).callers.append(call)
        return bicep

    @property
    def main(self) -> BicepFile:
        """The entry file."""
        return self.files[self.entry]

    def resources(self, type_: str | None = None, *, existing: bool | None = None) -> list[Resource]:
        """Resources of every reachable file, optionally by type and existing-ness."""
        return [
            r
            for f in self.files.values()
            for r in f.resources()
            if (type_ is None or r.type.lower() == type_.lower())
            and (existing is None or r.existing == existing)
        ]

    def resolve(self, file: BicepFile, value: Any, depth: int = 0) -> Any:
        """Follow ``value`` through vars, params (to the caller's argument) and ``union``.

        Anything that is not a reference, an object literal or a ``union`` comes back
        unchanged (an expression we do not evaluate).
        """
        if depth > 20:
            return value
        if isinstance(value, str):
            if value in file.variables:
                return self.resolve(file, file.variables[value]["value"], depth + 1)
            if value in file.parameters:
                args = [c for c in file.callers if value in (c.body.get("params") or {})]
                if len(args) == 1:
                    call = args[0]
                    return self.resolve(call.file, call.body["params"][value], depth + 1)
                default = file.parameters[value].get("default")
                return value if default is None else self.resolve(file, default, depth + 1)
            return value
        if isinstance(value, dict) and value.get("function", {}).get("type") == "union":
            merged: dict[str, Any] = {}
            for arg in value["function"]["parameters"].values():
                part = self.resolve(file, arg, depth + 1)
                # An argument we cannot evaluate (e.g. a ternary) adds no settings we can name.
                if isinstance(part, dict) and not ({"function", "operator"} & part.keys()):
                    merged.update(part)
            return merged
        if isinstance(value, dict) and not ({"function", "operator"} & value.keys()):
            return {unquote(k): v for k, v in value.items()}
        return value
