"""Host configuration: ``host.json`` and ``local.settings.json`` of an app directory."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devhost.versioning import CURRENT_OR_OLDER, REJECT, VersionPolicy

_SETTING_REF = re.compile(r"%([^%]+)%")
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$")


@dataclass
class HostConfig:
    """What the host needs from ``host.json`` plus the app settings."""

    app_dir: Path
    host_json: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    local_host: dict[str, Any] = field(default_factory=dict)

    @property
    def local_port(self) -> int | None:
        """``Host.LocalHttpPort`` of local.settings.json, the default port of ``func start``."""
        value = self.local_host.get("LocalHttpPort")
        return int(value) if value else None

    @property
    def cors(self) -> list[str]:
        """``Host.CORS`` origins (comma separated in local.settings.json)."""
        return [o.strip() for o in str(self.local_host.get("CORS") or "").split(",") if o.strip()]

    @property
    def durable(self) -> dict[str, Any]:
        """The ``extensions.durableTask`` section."""
        return dict(self.host_json.get("extensions", {}).get("durableTask", {}) or {})

    @property
    def route_prefix(self) -> str:
        """``extensions.http.routePrefix`` (default ``api``), without surrounding slashes."""
        http = self.host_json.get("extensions", {}).get("http", {}) or {}
        prefix = http.get("routePrefix", "api")
        return str(prefix if prefix is not None else "api").strip("/")

    @property
    def hub_name(self) -> str:
        """Task hub name with ``%setting%`` substituted (default ``WEBSITE_SITE_NAME`` or ``TestHubName``)."""
        raw = self.durable.get("hubName")
        if not raw:
            return self.setting("WEBSITE_SITE_NAME") or "TestHubName"
        resolved = _SETTING_REF.sub(lambda m: self.setting(m.group(1)) or "", str(raw))
        return resolved or "TestHubName"

    @property
    def timer_durations(self) -> tuple[str, str]:
        """``maximumShortTimerDuration`` / ``longRunningTimerIntervalDuration`` sent to the SDK.

        Only the Azure Storage provider (the default) sends non-zero values (reference §1.1, §6).
        """
        provider = str((self.durable.get("storageProvider") or {}).get("type") or "AzureStorage")
        if provider.lower() == "azurestorage":
            return "6.00:00:00", "3.00:00:00"
        return "00:00:00", "00:00:00"

    @property
    def default_version(self) -> str | None:
        """``extensions.durableTask.defaultVersion`` (None when unset, null or empty)."""
        value = self.durable.get("defaultVersion")
        text = _config_text(value) if value is not None else ""
        return text or None

    @property
    def version_policy(self) -> VersionPolicy:
        """``defaultVersion`` with ``versionMatchStrategy`` and ``versionFailureStrategy``."""
        match = str(self.durable.get("versionMatchStrategy") or CURRENT_OR_OLDER).strip().lower()
        failure = str(self.durable.get("versionFailureStrategy") or REJECT).strip().lower()
        return VersionPolicy(self.default_version, match, failure)

    @property
    def function_timeout(self) -> float | None:
        """host.json ``functionTimeout`` in seconds (None: not set or unbounded ``-1``)."""
        raw = self.host_json.get("functionTimeout")
        if raw is None or str(raw).strip() == "-1":
            return None
        match = _TIMESPAN.match(str(raw).strip())
        if not match:
            return None
        days, hours, minutes, seconds = match.groups()
        return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)

    def limit(self, key: str, default: int) -> int:
        """An integer durableTask limit (e.g. ``maxConcurrentActivityFunctions``)."""
        try:
            return max(1, int(self.durable.get(key, default)))
        except (TypeError, ValueError):
            return default

    def setting(self, name: str) -> str | None:
        """An app setting from the loaded values, else the process environment."""
        if name in self.settings:
            return self.settings[name]
        return os.environ.get(name)


def _config_text(value: Any) -> str:
    """A host.json value as .NET configuration sees it (``2.0`` → ``"2"``, ``true`` → ``"True"``)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class HostConfigurationError(RuntimeError):
    """host.json is refused; the message is the Functions host's own."""


_HOSTJSON_HELP = "See https://aka.ms/functions-hostjson"


def _strip_json_extras(text: str) -> str:
    """Drop ``//`` and ``/* */`` comments and trailing commas outside strings (Newtonsoft accepts them)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            while i < n and text[i] not in "\r\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif ch == ",":
            j = i + 1
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] in "}]":
                i += 1
            else:
                out.append(ch)
                i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def load_host_json(app_dir: Path) -> dict[str, Any]:
    """Read ``host.json`` like the Functions host (``HostJsonFileConfigurationSource``).

    No file: the default ``{"version": "2.0"}``. Unparseable: refused with a message naming the
    file. An empty object counts as the default; otherwise ``version`` must be ``"2.0"``.
    """
    path = app_dir / "host.json"
    if not path.exists():
        return {"version": "2.0"}
    try:
        data = json.loads(_strip_json_extras(path.read_text(encoding="utf-8-sig")))
        if not isinstance(data, dict):
            raise ValueError("the top-level value is not an object")
    except ValueError as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise HostConfigurationError(f"Unable to parse host configuration file '{path}'.") from exc
    if not data:
        return {"version": "2.0"}
    raw = data.get("version")
    version = "" if raw is None else _config_text(raw)
    if not version:
        raise HostConfigurationError(
            "The host.json file is missing the required 'version' property. "
            f"{_HOSTJSON_HELP} for steps to migrate the configuration file."
        )
    if version != "2.0":
        message = (
            f"'{version}' is an invalid value for host.json 'version' property. "
            "We recommend you set the 'version' property to '2.0'. "
        )
        if version.startswith("3"):
            message += (
                "This does not correspond to the function runtime version, only to the schema "
                "version of the host.json file. "
            )
        message += f"{_HOSTJSON_HELP} for more information on this configuration file."
        raise HostConfigurationError(message)
    return data


def load_config(app_dir: Path) -> HostConfig:
    """Read ``host.json`` and ``local.settings.json`` (its ``Values``) from ``app_dir``."""
    host_json = load_host_json(app_dir)
    settings: dict[str, str] = {}
    local_host: dict[str, Any] = {}
    settings_path = app_dir / "local.settings.json"
    if settings_path.exists():
        data = json.loads(settings_path.read_text(encoding="utf-8-sig"))
        values = data.get("Values", {}) or {}
        settings = {str(k): "" if v is None else str(v) for k, v in values.items()}
        local_host = dict(data.get("Host", {}) or {})
    return HostConfig(app_dir=app_dir, host_json=host_json, settings=settings, local_host=local_host)
