"""HTTP trigger route templates like ASP.NET Core routing.

Supports ``{p}``, ``{p?}``, ``{p=default}``, ``{*rest}`` and chained constraints
``{p:int:min(5)}`` (int, long, float, double, decimal, bool, guid, datetime, alpha,
min, max, range, minlength, maxlength, length, regex, required). Matching is
case-insensitive; a value must satisfy every constraint of its parameter.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

Check = Callable[[str], bool]


def _is_int(text: str, bits: int) -> bool:
    try:
        value = int(text)
    except ValueError:
        return False
    return -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "infinity", "-infinity")


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _as_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _range_check(low: int | None, high: int | None) -> Check:
    def check(text: str) -> bool:
        value = _as_int(text)
        return value is not None and (low is None or value >= low) and (high is None or value <= high)

    return check


def _length_check(low: int | None, high: int | None) -> Check:
    return lambda text: (low is None or len(text) >= low) and (high is None or len(text) <= high)


_SIMPLE: dict[str, Check] = {
    "int": lambda t: _is_int(t, 32),
    "long": lambda t: _is_int(t, 64),
    "float": _is_number,
    "double": _is_number,
    "decimal": _is_number,
    "bool": lambda t: t.lower() in ("true", "false"),
    "guid": _is_guid,
    "datetime": _is_datetime,
    "alpha": lambda t: bool(re.fullmatch(r"[A-Za-z]+", t)),
    "required": lambda t: t != "",
}


def _constraint(text: str) -> Check:
    """One constraint (``int``, ``min(5)``, ``regex(...)``…) as a predicate."""
    name, _, rest = text.partition("(")
    name = name.strip().lower()
    arg = rest[:-1] if rest.endswith(")") else rest
    if not rest:
        return _SIMPLE.get(name, lambda t: True)
    args = [a.strip() for a in arg.split(",")] if name != "regex" else [arg]
    numbers = [_as_int(a) for a in args]
    if name == "min":
        return _range_check(numbers[0], None)
    if name == "max":
        return _range_check(None, numbers[0])
    if name == "range":
        return _range_check(numbers[0], numbers[1] if len(numbers) > 1 else None)
    if name == "minlength":
        return _length_check(numbers[0], None)
    if name == "maxlength":
        return _length_check(None, numbers[0])
    if name == "length":
        return _length_check(numbers[0], numbers[1] if len(numbers) > 1 else numbers[0])
    if name == "regex":
        pattern = re.compile(arg.replace("{{", "{").replace("}}", "}"), re.IGNORECASE)
        return lambda t: pattern.search(t) is not None
    return lambda t: True


@dataclass
class Param:
    """One ``{…}`` segment of a template."""

    name: str
    catch_all: bool = False
    optional: bool = False
    default: str | None = None
    checks: list[Check] = field(default_factory=list)


def _split_constraints(body: str) -> list[str]:
    """Split ``int:min(5):regex(a:b)`` on colons outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in body:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == ":" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p for p in parts if p]


def _parse_param(body: str) -> Param:
    catch_all = body.startswith("*")
    body = body.lstrip("*")
    name_end = re.match(r"[A-Za-z_][A-Za-z0-9_]*", body)
    name = name_end.group(0) if name_end else body
    rest = body[len(name) :]
    param = Param(name=name, catch_all=catch_all)
    default = None
    if rest.endswith("?"):
        param.optional = True
        rest = rest[:-1]
    depth = 0
    for i, ch in enumerate(rest):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "=" and depth == 0:
            default, rest = rest[i + 1 :], rest[:i]
            break
    param.default = default
    param.checks = [_constraint(c) for c in _split_constraints(rest.lstrip(":"))]
    return param


def _segments(template: str) -> list[str | Param]:
    """Literal text and parameters, honouring ``{{``/``}}`` escapes and nested braces in regex()."""
    out: list[str | Param] = []
    literal, i = "", 0
    while i < len(template):
        ch = template[i]
        if ch == "{" and template[i : i + 2] != "{{":
            depth, j = 0, i
            while j < len(template):
                if template[j] == "{":
                    depth += 1
                elif template[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if literal:
                out.append(literal)
                literal = ""
            out.append(_parse_param(template[i + 1 : j]))
            i = j + 1
            continue
        if template[i : i + 2] in ("{{", "}}"):
            literal += ch
            i += 2
            continue
        literal += ch
        i += 1
    if literal:
        out.append(literal)
    return out


@dataclass
class RouteTemplate:
    """A compiled route template."""

    template: str
    regex: re.Pattern[str]
    params: dict[str, Param]

    def match(self, path: str) -> dict[str, str] | None:
        """Route parameters if ``path`` (no leading slash, no prefix) matches."""
        found = self.regex.fullmatch(path.strip("/"))
        if found is None:
            return None
        values = {k: v for k, v in found.groupdict().items() if v is not None}
        for name, param in self.params.items():
            if name not in values and param.default is not None:
                values[name] = param.default
            if name in values and not all(check(values[name]) for check in param.checks):
                return None
        return values


def compile_route(template: str) -> RouteTemplate:
    """Compile a Functions route template."""
    template = template.strip("/")
    pattern = ""
    params: dict[str, Param] = {}
    for segment in _segments(template):
        if isinstance(segment, str):
            pattern += re.escape(segment)
            continue
        params[segment.name] = segment
        body = r".*" if segment.catch_all else r"[^/]+"
        group = f"(?P<{segment.name}>{body})"
        skippable = segment.optional or segment.catch_all or segment.default is not None
        if skippable and pattern.endswith("/"):
            pattern = pattern[:-1] + f"(?:/{group})?"
        else:
            pattern += f"{group}?" if skippable else group
    return RouteTemplate(template, re.compile(pattern, re.IGNORECASE), params)
