"""Check a JSON body against the 2025-08-01 schema as the SDK's generated models state it.

``azure-mgmt-recoveryservicessiterecovery`` 2.0.0 is generated from the 2025-08-01 TypeSpec of
Site Recovery: every model class names its wire fields (``rest_field(name=...)``), their types
(annotations) and, for polymorphic models, the discriminator and its subtypes (``__mapping__``).
The SDK deserializes leniently (a string where an int belongs passes through unchanged), so a
simulator answer can be wrong on the wire and still "work" with the SDK; this checker is strict:
unknown fields, wrong JSON types, unknown discriminator values and unparseable timestamps are
reported with their JSON path.
"""

from __future__ import annotations

import datetime as dt
import enum
import typing
from types import SimpleNamespace
from typing import Any

from azure.mgmt.recoveryservicessiterecovery import models as sdk_models

# Annotations name ``_models.X`` for models and enums alike: one namespace serves both.
_NAMESPACE = {
    **vars(sdk_models),
    **vars(typing),
    "datetime": dt,
    "_models": SimpleNamespace(**vars(sdk_models)),
}


def problems(body: Any, model: type, path: str = "$") -> list[str]:
    """Every way ``body`` departs from ``model``'s schema (empty when it conforms)."""
    found: list[str] = []
    _check(body, model, path, found)
    return found


def _hints(model: type) -> dict[str, Any]:
    hints: dict[str, Any] = {}
    for klass in reversed(model.__mro__):
        if klass.__module__.startswith("azure.mgmt.recoveryservicessiterecovery"):
            hints.update(typing.get_type_hints(klass, globalns=_NAMESPACE, localns=_NAMESPACE))
    return hints


def _fields(model: type) -> dict[str, tuple[str, Any]]:
    """Wire name → (attribute, annotation) for a generated model class."""
    hints = _hints(model)
    model()  # the SDK computes a class's field table on its first instance
    rest = getattr(model, "_attr_to_rest_field", {})
    return {field._rest_name: (attr, hints.get(attr, Any)) for attr, field in rest.items()}


def _subtype(model: type, body: dict[str, Any], path: str, found: list[str]) -> type:
    """The class a polymorphic body deserializes to, by its discriminator (``instanceType``)."""
    mapping = getattr(model, "__mapping__", None)
    if not mapping:
        return model
    model()  # the SDK computes a class's field table on its first instance
    discriminator = next(
        (f._rest_name for f in getattr(model, "_attr_to_rest_field", {}).values() if f._is_discriminator),
        None,
    )
    if discriminator is None or discriminator not in body:
        return model
    value = body[discriminator]
    chosen = model
    while value in getattr(chosen, "__mapping__", {}) and chosen.__mapping__[value] is not chosen:
        chosen = chosen.__mapping__[value]
    if chosen is model and getattr(model, "__mapping__", None) is mapping and value not in mapping:
        found.append(f"{path}.{discriminator}: {value!r} is not a known {model.__name__} type")
    return chosen


def _check(value: Any, annotation: Any, path: str, found: list[str]) -> None:
    if value is None or annotation is Any:
        return
    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        _check_union(value, annotation, path, found)
    elif origin is list:
        _check_list(value, annotation, path, found)
    elif origin is dict:
        _check_dict(value, annotation, path, found)
    elif isinstance(annotation, type) and getattr(annotation, "_is_model", False):
        _check_model(value, annotation, path, found)
    else:
        _check_scalar(value, annotation, path, found)


def _check_union(value: Any, annotation: Any, path: str, found: list[str]) -> None:
    options = [a for a in typing.get_args(annotation) if a is not type(None)]
    if str in options or any(isinstance(o, type) and issubclass(o, enum.Enum) for o in options):
        _expect(value, str, path, found)  # an extensible enum: any string on the wire
    elif len(options) == 1:
        _check(value, options[0], path, found)


def _check_list(value: Any, annotation: Any, path: str, found: list[str]) -> None:
    if _expect(value, list, path, found):
        (item,) = typing.get_args(annotation) or (Any,)
        for index, element in enumerate(value):
            _check(element, item, f"{path}[{index}]", found)


def _check_dict(value: Any, annotation: Any, path: str, found: list[str]) -> None:
    if _expect(value, dict, path, found):
        _key, item = typing.get_args(annotation) or (str, Any)
        for key, element in value.items():
            _check(element, item, f"{path}.{key}", found)


def _check_model(value: Any, annotation: type, path: str, found: list[str]) -> None:
    if not _expect(value, dict, path, found):
        return
    model = _subtype(annotation, value, path, found)
    fields = _fields(model)
    for key, element in value.items():
        if key in fields:
            _check(element, fields[key][1], f"{path}.{key}", found)
        else:
            found.append(f"{path}.{key}: not a field of {model.__name__}")


def _check_scalar(value: Any, annotation: Any, path: str, found: list[str]) -> None:
    if annotation is dt.datetime:
        if _expect(value, str, path, found):
            try:
                dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                found.append(f"{path}: {value!r} is not an ISO 8601 date-time")
    elif annotation is bool:
        _expect(value, bool, path, found)
    elif annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            found.append(f"{path}: expected an integer, got {value!r}")
    elif annotation is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            found.append(f"{path}: expected a number, got {value!r}")
    elif annotation is str or (isinstance(annotation, type) and issubclass(annotation, enum.Enum)):
        _expect(value, str, path, found)


def _expect(value: Any, kind: type, path: str, found: list[str]) -> bool:
    if isinstance(value, kind):
        return True
    found.append(f"{path}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return False
