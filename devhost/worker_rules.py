"""The checks Microsoft's Python worker applies to each function when it indexes an app.

The real worker (PyPI ``azure-functions-runtime``, the library behind the Python 3.13+ worker, and
``azure-functions-python-worker`` for 3.11) refuses a function whose Python signature does not
fit its bindings, and its first refusal fails the whole indexing: on Azure such an app loads no
function at all. devhost used to run these apps anyway. This module re-states the rules (our own
code; the facts come from the worker's ``functions.Registry.add_indexed_function``) so devhost
refuses, with the worker's message, what the worker would refuse. ``tests/worker`` runs the real
worker over the same apps and asserts that both give the same verdict.

Rules, per function:
- every parameter but ``context`` has a binding, and every binding but ``$return`` a parameter;
- ``context``, when annotated, is ``azure.functions.Context``;
- no ``inout`` binding; ``$return`` is an ``out`` binding;
- an annotation is a class or a ``typing`` generic (``typing.Dict[str, Any]``) — PEP 585/604 forms
  (``dict[str, Any]``, ``str | None``) and ``Optional``/``Union`` are "non-type annotations"
  (Azure/azure-functions-python-worker#1034);
- ``Out[...]`` exactly for ``out`` bindings; the binding's converter accepts the annotated type;
- a ``$return`` binding's return annotation is a class the converter can produce.
"""

from __future__ import annotations

import collections.abc
import inspect
import typing
from typing import Any

import azure.functions as func

_NOT_GENERIC = (typing.Union, tuple, typing.ClassVar, collections.abc.Callable)
_TYPING_ALIASES = tuple(
    t for t in (getattr(typing, "_GenericAlias", None), getattr(typing, "_SpecialGenericAlias", None)) if t
)


class WorkerLoadError(RuntimeError):
    """The worker would not load this function; the message is the worker's own wording."""

    def __init__(self, function_name: str, reason: str) -> None:
        super().__init__(f"cannot load the {function_name} function: {reason}")
        self.function_name = function_name


def check_app(functions: list[Any]) -> None:
    """Apply the worker's rules to every indexed function; raise at the first refusal.

    Args:
        functions: ``FunctionRegister.get_functions()`` of the app.

    Raises:
        WorkerLoadError: the first function the worker would refuse (the worker stops there too).
    """
    for fn in functions:
        check_function(fn)


def check_function(fn: Any) -> None:
    """Apply the worker's rules to one indexed function (see the module docstring)."""
    name = fn.get_function_name()
    user_function = fn.get_user_function()
    params = dict(inspect.signature(user_function).parameters)
    try:
        annotations = typing.get_type_hints(user_function)
    except Exception as exc:  # the worker fails the same way on an unresolvable annotation
        raise WorkerLoadError(name, f"cannot resolve annotations: {exc}") from exc
    bindings = {b.name: b for b in fn.get_bindings()}
    for binding in bindings.values():
        _check_direction(name, binding)
    if "context" in params and "context" not in bindings:
        params.pop("context")
        context_type = annotations.get("context")
        if "context" in annotations and (
            not isinstance(context_type, type) or context_type.__name__ != "Context"
        ):
            raise WorkerLoadError(
                name,
                f'the "context" parameter is expected to be of type azure.functions.Context, got '
                f'"{context_type!r}"',
            )
    bound = {n: b for n, b in bindings.items() if n != "$return"}
    if set(params) - set(bound):
        raise WorkerLoadError(
            name,
            "the following parameters are declared in Python but not in the function definition "
            f"(function.json or function decorators):  {set(params) - set(bound)!r}",
        )
    if set(bound) - set(params):
        raise WorkerLoadError(
            name,
            "Extra parameters in binding definition — the following parameters are declared as bindings "
            f"but are not present in Python: {set(bound) - set(params)!r}",
        )
    for param in params.values():
        if param.name in annotations:
            _check_parameter(name, bound[param.name], annotations[param.name])
    if "$return" in bindings and "return" in annotations:
        _check_return(name, bindings["$return"], annotations["return"])


def is_type_annotation(annotation: Any) -> bool:
    """Whether the worker accepts ``annotation`` on a binding: a class or a ``typing`` generic."""
    return isinstance(annotation, type) or _is_typing_generic(annotation)


def _is_typing_generic(annotation: Any) -> bool:
    if isinstance(annotation, type):
        return issubclass(annotation, typing.Generic)
    return isinstance(annotation, _TYPING_ALIASES) and annotation.__origin__ not in _NOT_GENERIC


_DIRECTIONS = {0: "in", 1: "out", 2: "inout"}  # azure.functions' BindingDirection, as the gRPC enum


def _direction(binding: Any) -> str:
    value = getattr(binding, "direction", None)
    if isinstance(value, int):
        return _DIRECTIONS.get(int(value), "in")
    return str(getattr(value, "name", value) or "").lower()


def _check_direction(name: str, binding: Any) -> None:
    direction = _direction(binding)
    if direction == "inout":
        raise WorkerLoadError(name, '"inout" bindings are not supported')
    if binding.name == "$return" and direction != "out":
        raise WorkerLoadError(name, '"$return" binding must have direction set to "out"')


def _is_out(annotation: Any) -> bool:
    origin = typing.get_origin(annotation) if _is_typing_generic(annotation) else None
    candidate = origin if origin is not None else annotation
    return isinstance(candidate, type) and candidate.__name__ == "Out"


def _check_parameter(name: str, binding: Any, annotation: Any) -> None:
    is_out = _is_out(annotation)
    binding_out = _direction(binding) == "out"
    py_type = annotation
    if is_out:
        args = typing.get_args(annotation)
        if len(args) != 1:
            raise WorkerLoadError(name, f"binding {binding.name} has invalid Out annotation {annotation!r}")
        py_type = args[0]
    if not is_type_annotation(py_type):
        raise WorkerLoadError(name, f"binding {binding.name} has invalid non-type annotation {annotation!r}")
    if binding_out and not is_out:
        raise WorkerLoadError(
            name,
            f'binding {binding.name} is declared to have the "out" direction, but its annotation in Python '
            "is not a subclass of azure.functions.Out",
        )
    if is_out and not binding_out:
        raise WorkerLoadError(
            name,
            f'binding {binding.name} is declared to have the "in" direction in the binding decorator, but '
            "its annotation is azure.functions.Out in Python",
        )
    converter = _converter(binding.type)
    if py_type in (str, bytes) and not _has_implicit_output(converter, binding.type):
        converter = _GenericConverter  # the worker reads str/bytes through its generic binding
    check = converter.check_output_type_annotation if is_out else converter.check_input_type_annotation
    if isinstance(py_type, type) and not check(py_type):
        raise WorkerLoadError(
            name,
            f'type of {binding.name} binding in the binding decorator "{binding.type}" does not match its '
            f'Python annotation "{py_type.__name__}"',
        )


def _check_return(name: str, binding: Any, annotation: Any) -> None:
    if not isinstance(annotation, type):
        if _is_out(annotation):
            raise WorkerLoadError(name, "return annotation should not be azure.functions.Out")
        raise WorkerLoadError(name, f"has invalid non-type return annotation {annotation!r}")
    if not _converter(binding.type).check_output_type_annotation(annotation):
        raise WorkerLoadError(
            name,
            f'Python return annotation "{annotation.__name__}" does not match binding type "{binding.type}"',
        )


class _GenericConverter:
    """What the worker uses for a binding type no converter is registered for."""

    @staticmethod
    def check_input_type_annotation(py_type: type) -> bool:
        return issubclass(py_type, str | bytes)

    @staticmethod
    def check_output_type_annotation(py_type: type) -> bool:
        return issubclass(py_type, str | bytes | bytearray)

    @staticmethod
    def has_implicit_output(binding_type: str) -> bool:
        return binding_type != "durableClient"


def _has_implicit_output(converter: Any, binding_type: str) -> bool:
    implicit = getattr(converter, "has_implicit_output", None)
    if implicit is None:
        return False
    return bool(implicit(binding_type) if converter is _GenericConverter else implicit())


def _converter(binding_type: str) -> Any:
    registry = func.get_binding_registry()
    found = registry.get(binding_type) if registry is not None else None
    return found if found is not None else _GenericConverter
