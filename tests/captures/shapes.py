"""What "the simulator answers like the capture" means: same fields, types and enumeration values."""

from __future__ import annotations

from typing import Any

from cli.sanitize import ENUM_KEYS


def _type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def shape_differences(captured: Any, replayed: Any, path: str = "", key: str = "") -> list[str]:
    """Where ``replayed`` differs from ``captured``: fields, JSON types, enum values (null matches any)."""
    if captured is None or replayed is None:
        return []
    if _type(captured) != _type(replayed):
        return [f"{path}: {_type(captured)} captured, {_type(replayed)} replayed"]
    if isinstance(captured, dict):
        out = []
        missing = sorted(set(captured) - set(replayed))
        extra = sorted(set(replayed) - set(captured))
        if missing:
            out.append(f"{path}: fields missing on replay {missing}")
        if extra:
            out.append(f"{path}: fields the capture does not have {extra}")
        for name in sorted(set(captured) & set(replayed)):
            out += shape_differences(captured[name], replayed[name], f"{path}.{name}", name)
        return out
    if isinstance(captured, list):
        out = []
        if key.lower() in ENUM_KEYS and sorted(map(str, captured)) != sorted(map(str, replayed)):
            out.append(f"{path}: {captured} captured, {replayed} replayed")
        for i, (a, b) in enumerate(zip(captured, replayed, strict=False)):
            out += shape_differences(a, b, f"{path}[{i}]", key)
        return out
    if key.lower() in ENUM_KEYS and captured != replayed:
        return [f"{path}: {captured!r} captured, {replayed!r} replayed"]
    return []


def by_name(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Resources by id (lower case, without the vault part, which a replay may name otherwise)."""
    return {str(r["id"]).lower().split("/vaults/", 1)[-1].split("/", 1)[-1]: r for r in resources}


def capture_differences(captured: dict[str, Any], replayed: dict[str, Any]) -> list[str]:
    """Every difference of shape between two captures, resource by resource."""
    out = []
    for kind, resources in captured["resources"].items():
        mine, theirs = by_name(resources), by_name(replayed["resources"].get(kind) or [])
        if set(mine) != set(theirs):
            out.append(f"{kind}: {sorted(set(mine) ^ set(theirs))} in one only")
        for name in sorted(set(mine) & set(theirs)):
            out += shape_differences(mine[name], theirs[name], f"{kind}[{name}]")
    return out
