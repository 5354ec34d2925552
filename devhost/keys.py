"""Function and master keys kept in a local keys file under the state directory."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Keys:
    """The default function key, the master key and the durable system key."""

    function_key: str
    master_key: str
    system_key: str

    def accepts(self, level: str, supplied: str | None) -> bool:
        """Whether ``supplied`` satisfies an auth level (anonymous/function/admin)."""
        level = level.lower()
        if level == "anonymous":
            return True
        if not supplied:
            return False
        # Compare bytes: compare_digest refuses non-ASCII str, and a 500 would leak that a key
        # check failed differently from a wrong key.
        given = supplied.encode("utf-8")
        if level == "admin":
            return secrets.compare_digest(given, self.master_key.encode("utf-8"))
        accepted = (self.function_key, self.master_key)
        return any(secrets.compare_digest(given, key.encode("utf-8")) for key in accepted)


def load_or_create_keys(state_dir: Path) -> Keys:
    """Read ``keys.json`` in ``state_dir``, creating random keys on first use."""
    path = state_dir / "keys.json"
    if path.exists():
        data = json.loads(path.read_text())
        return Keys(data["functionKey"], data["masterKey"], data["systemKey"])
    keys = Keys(secrets.token_urlsafe(30), secrets.token_urlsafe(30), secrets.token_urlsafe(30))
    state_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {"functionKey": keys.function_key, "masterKey": keys.master_key, "systemKey": keys.system_key}
        )
    )
    path.chmod(0o600)
    return keys
