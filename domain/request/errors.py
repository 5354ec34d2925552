"""From pydantic's ``ValidationError`` to our reasons: one line per problem, naming the field path.

pydantic says where (``loc``: the aliases and list indexes) and what (``type``); the user reads
``approval.quorum: must be between 1 and 50``. Rules of our own raise :func:`rule_error`, which
carries ready-made ``(field, message)`` pairs relative to where it was raised.

Every reason is a catalog message (``domain.i18n.message``): :func:`reasons_of` gives the English
lines programs read, :func:`reason_messages_of` the same lines for a reader in another language.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal, get_args, get_origin

from annotated_types import Ge, Le
from pydantic import BaseModel, ValidationError, ValidatorFunctionWrapHandler
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from domain.i18n import N_, message
from domain.request.patterns import PATTERN_MEANINGS

RULES = "request_rules"
"""The error type of :func:`rule_error` (checks that need more than one field's type)."""

_MESSAGES = {
    "missing": N_("required"),
    "string_type": N_("must be a non-empty string"),
    "string_too_short": N_("must be a non-empty string"),
    "bool_type": N_("must be true or false"),
    "int_type": N_("must be an integer"),
    "int_from_float": N_("must be an integer"),
    "float_type": N_("must be a number"),
    "model_type": N_("must be an object"),
    "model_attributes_type": N_("must be an object"),
    "dict_type": N_("must be an object"),
    "tuple_type": N_("must be a list"),
    "list_type": N_("must be a list"),
    "too_short": N_("must not be empty"),
}

#: A reason (``domain.i18n.message``), or a plain English text (shown as is in every language).
Reason = str | dict[str, Any]


def as_message(reason: Reason) -> dict[str, Any]:
    """A reason as a catalog message (a plain text: its own id, found in no catalog, shown as is)."""
    return reason if isinstance(reason, dict) else {"msgid": reason, "args": {}, "text": reason}


def rule_error(problems: Iterable[tuple[str, Reason]]) -> PydanticCustomError:
    """An error for pydantic to report, carrying our reasons.

    Args:
        problems: ``(field, message)`` pairs; ``field`` is relative to the model or field the
            validator belongs to (``""``: that model or field itself, ``"[2].name"``: inside it).
    """
    pairs = [list(pair) for pair in problems]
    return PydanticCustomError(RULES, "{reasons}", {"reasons": pairs})


def refuse(reason: Reason) -> PydanticCustomError:
    """:func:`rule_error` for the field or model the validator belongs to."""
    return rule_error([("", reason)])


def with_rules(handler: ValidatorFunctionWrapHandler, value: Any, problems: list[tuple[str, Reason]]) -> Any:
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


def _with_meaning(reason: dict[str, Any], info: FieldInfo | None) -> dict[str, Any]:
    """A number's meaning is not always in its name (quorum): its description says it."""
    if info is None or not info.description:
        return reason
    return message(N_("%(reason)s (%(meaning)s)"), reason=reason, meaning=message(info.description))


def _message(error: ErrorDetails, root: type[BaseModel]) -> dict[str, Any]:
    kind, loc = error["type"], tuple(error["loc"])
    if kind == "extra_forbidden":
        model = _model_at(root, loc[:-1])
        allowed = ", ".join(_by_alias(model)) if model else ""
        return message(N_("unknown field (allowed: %(allowed)s)"), allowed=allowed)
    info = _field_at(root, loc)
    found = list(_walk(info)) if info is not None else []
    if kind == "literal_error":
        choices = [str(arg) for t in found if get_origin(t) is Literal for arg in get_args(t)]
        expected = ", ".join(choices) or error.get("ctx", {}).get("expected")
        return message(
            N_("%(value)s is not one of %(expected)s"), value=_shown(error["input"]), expected=expected
        )
    if kind in ("greater_than_equal", "less_than_equal"):
        low = next((m.ge for m in found if isinstance(m, Ge)), None)
        high = next((m.le for m in found if isinstance(m, Le)), None)
        if low is not None and high is not None:
            between = message(N_("must be between %(low)s and %(high)s"), low=f"{low:g}", high=f"{high:g}")
            return _with_meaning(between, info)
    if kind in ("int_type", "int_from_float", "float_type"):
        return _with_meaning(message(_MESSAGES[kind]), info)
    if kind == "string_pattern_mismatch":
        meant = PATTERN_MEANINGS.get(str(error.get("ctx", {}).get("pattern")))
        shown = _shown(error["input"])
        if meant:
            return message(N_("%(meaning)s (got %(value)s)"), meaning=message(meant), value=shown)
        return message(N_("%(value)s is not a valid value"), value=shown)
    return message(_MESSAGES[kind]) if kind in _MESSAGES else as_message(error["msg"])


def reason_line(field: str, reason: Reason) -> dict[str, Any]:
    """``field: reason`` as a message (the field path is the same in every language)."""
    return message(N_("%(field)s: %(reason)s"), field=field, reason=as_message(reason))


def reason_messages_of(
    error: ValidationError, root: type[BaseModel], *, rules_only: bool = False
) -> list[dict[str, Any]]:
    """The reasons of :func:`reasons_of` as catalog messages (``text``: the English line)."""
    unknown: list[dict[str, Any]] = []
    reasons: list[dict[str, Any]] = []
    for detail in error.errors(include_url=False):
        path = path_of(detail["loc"])
        if detail["type"] == RULES:
            reasons += [reason_line(_join(path, field), text) for field, text in detail["ctx"]["reasons"]]
        elif not rules_only:
            line = reason_line(path or "body", _message(detail, root))
            (unknown if detail["type"] == "extra_forbidden" else reasons).append(line)
    return list({m["text"]: m for m in unknown + reasons}.values())


def reasons_of(error: ValidationError, root: type[BaseModel], *, rules_only: bool = False) -> list[str]:
    """The reasons of a ``ValidationError`` of ``root``: unknown fields first, then in field order.

    Args:
        error: what ``root.model_validate`` raised.
        root: the model validated (to name allowed fields, choices and ranges).
        rules_only: only the reasons of :func:`rule_error`.
    """
    return [m["text"] for m in reason_messages_of(error, root, rules_only=rules_only)]
