"""HTTP trigger route templates: ``{param}``, ``{param:int}``, ``{param?}`` and ``{*rest}``."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "float": r"-?\d+(?:\.\d+)?",
    "double": r"-?\d+(?:\.\d+)?",
    "decimal": r"-?\d+(?:\.\d+)?",
    "bool": r"(?i:true|false)",
    "alpha": r"[A-Za-z]+",
    "guid": r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}",
    "datetime": r"[^/]+",
}
_PARAM = re.compile(r"\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([^}?=]+))?(\?)?(?:=([^}]*))?\}")


@dataclass
class RouteTemplate:
    """A compiled route template."""

    template: str
    regex: re.Pattern[str]
    defaults: dict[str, str]

    def match(self, path: str) -> dict[str, str] | None:
        """Route parameters if ``path`` (no leading slash, no prefix) matches."""
        found = self.regex.fullmatch(path.strip("/"))
        if found is None:
            return None
        params = {k: v for k, v in found.groupdict().items() if v is not None}
        for key, value in self.defaults.items():
            params.setdefault(key, value)
        return params


def compile_route(template: str) -> RouteTemplate:
    """Compile a Functions route template into a case-insensitive regex."""
    template = template.strip("/")
    pattern = ""
    pos = 0
    defaults: dict[str, str] = {}
    for m in _PARAM.finditer(template):
        literal = template[pos : m.start()]
        catch_all, name, constraint, optional, default = m.groups()
        if default is not None:
            defaults[name] = default
        if catch_all:
            body = r".*"
        else:
            parts = (constraint or "").split(":")
            body = _CONSTRAINTS.get(parts[0].split("(")[0].lower(), r"[^/]+") if parts[0] else r"[^/]+"
        group = f"(?P<{name}>{body})"
        if (optional or catch_all or default is not None) and literal.endswith("/"):
            pattern += re.escape(literal[:-1]) + f"(?:/{group})?"
        else:
            pattern += re.escape(literal) + (f"{group}?" if optional else group)
        pos = m.end()
    pattern += re.escape(template[pos:])
    return RouteTemplate(template, re.compile(pattern, re.IGNORECASE), defaults)
