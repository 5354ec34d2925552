"""From pydantic's ``ValidationError`` to our reasons: one line per problem, naming the field path.

pydantic says where (``loc``: the aliases and list indexes) and what (``type``); the user reads
``approval.quorum: must be between 1 and 50``. Rules of our own raise :func:`rule_error`, which
carries ready-made ``(field, message)`` pairs relative to where it was raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import BaseModel, ValidationError, ValidatorFunctionWrapHandler
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from domain.request.patterns import PATTERN_MEANINGS

RULES = "request_rules"
"""The error type of :func:`rule_error` (checks that need more than one field's type)."""

_MESSAGES = {
    "missing": "required",
    "string_type": "must be a non-empty string",
    "string_too_short": "must be a non-empty string",
    "bool_type": "must be true or false",
    "int_type": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "too_short": "must not be empty",
}


def rule_error(problems: Iterable[tuple[str, str]]) -> PydanticCustomError:
    """An error for pydantic to report, carrying our reasons.

    Args:
        problems: ``(field, message)`` pairs; ``field`` is relative to the model or field the
            validator belongs to (``""``: that model or field itself, ``"[2].name"``: inside it).
    """
    pairs = [list(pair) for pair in problems]
    return PydanticCustomError(RULES, "{reasons}", {"reasons": pairs})


def refuse(message: str) -> PydanticCustomError:
    """:func:`rule_error` for the field or model the validator belongs to."""
    return rule_error([("", message)])


def with_rules(handler: ValidatorFunctionWrapHandler, value: Any, problems: list[tuple[str, str]]) -> Any:
    """Validate ``value`` with ``handler`` (a wrap validator's), reporting ``problems`` as well.

    A rule over a list (say, unique names) is then reported together with the problems of the
    list's items, instead of only once every item is valid.
    """
    if not problems:
        return handler(value)
    errors = [InitErrorDetails(type=rule_error(problems), loc=(), input=value)]
    try:
        handler(value)
    except ValidationError as invalid:
        for d in invalid.errors():
            kind = d["type"]
            again = PydanticCustomError(RULES, "{reasons}", d["ctx"]) if kind == RULES else kind
            errors.append(InitErrorDetails(type=again, loc=d["loc"], input=d["input"], ctx=d.get("ctx", {})))
    raise ValidationError.from_exception_data("rules", errors)


def path_of(loc: Iterable[int | str]) -> str:
    """``("waves", 0, "items")`` → ``waves[0].items``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _join(path: str, field: str) -> str:
    if not field:
        return path
    if not path or field.startswith("["):
        return path + field
    return f"{path}.{field}"


def _by_alias(model: type[BaseModel]) -> dict[str, FieldInfo]:
    return {(info.alias or name): info for name, info in model.model_fields.items()}


def _walk(annotation: Any) -> Iterator[Any]:
    """Every type argument and ``Annotated`` metadata inside ``annotation`` (depth first)."""
    yield annotation
    if isinstance(annotation, FieldInfo):
        yield from annotation.metadata
        yield from _walk(annotation.annotation)
    for arg in get_args(annotation):
        yield from _walk(arg)


def _field_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> FieldInfo | None:
    """The field a ``loc`` ends at (list indexes skipped), or ``None``."""
    model: type[BaseModel] | None = root
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        info = _by_alias(model).get(part) if model is not None else None
        if info is None:
            return None
        model = next((t for t in _walk(info.annotation) if _is_model(t)), None)
    return info


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    if not [part for part in loc if isinstance(part, str)]:
        return root
    info = _field_at(root, loc)
    return next((t for t in _walk(info.annotation) if _is_model(t)), None) if info else None


def _shown(value: Any) -> str:
    """The value the caller sent, cut short (a long one says nothing more, and may be a secret)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: ErrorDetails, root: type[BaseModel]) -> str:
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "extra_forbidden":
        model = _model_at(root, loc[:-1])
        allowed = ", ".join(_by_alias(model)) if model else ""
        return f"unknown field (allowed: {allowed})"
    info = _field_at(root, loc)
    found = list(_walk(info)) if info is not None else []
    if kind == "literal_error":
        choices = [str(arg) for t in found if get_origin(t) is Literal for arg in get_args(t)]
        expected = ", ".join(choices) or error.get("ctx", {}).get("expected")
        return f"{_shown(error['input'])} is not one of {expected}"
    # A number's meaning is not always in its name (quorum): its description says it.
    meaning = f" ({info.description})" if info is not None and info.description else ""
    if kind in ("greater_than_equal", "less_than_equal"):
        low = next((m.ge for m in found if isinstance(m, Ge)), None)
        high = next((m.le for m in found if isinstance(m, Le)), None)
        if low is not None and high is not None:
            return f"must be between {low:g} and {high:g}{meaning}"
    if kind in ("int_type", "int_from_float", "float_type"):
        return _MESSAGES[kind] + meaning
    if kind == "string_pattern_mismatch":
        meant = PATTERN_MEANINGS.get(str(error.get("ctx", {}).get("pattern")))
        shown = _shown(error["input"])
        return f"{meant} (got {shown})" if meant else f"{shown} is not a valid value"
    return _MESSAGES.get(kind, error["msg"])


def reasons_of(error: ValidationError, root: type[BaseModel], *, rules_only: bool = False) -> list[str]:
    """The reasons of a ``ValidationError`` of ``root``: unknown fields first, then in field order.

    Args:
        error: what ``root.model_validate`` raised.
        root: the model validated (to name allowed fields, choices and ranges).
        rules_only: only the reasons of :func:`rule_error`.
    """
    unknown: list[str] = []
    reasons: list[str] = []
    for detail in error.errors(include_url=False):
        path = path_of(detail["loc"])
        if detail["type"] == RULES:
            reasons += [_join(path, field) + f": {text}" for field, text in detail["ctx"]["reasons"]]
        elif not rules_only:
            line = f"{path or 'body'}: {_message(detail, root)}"
            (unknown if detail["type"] == "extra_forbidden" else reasons).append(line)
    return list(dict.fromkeys(unknown + reasons))
