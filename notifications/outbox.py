"""Local outbox: every message kept in a SQLite file, for the demo and the tests.

Readable at ``GET /api/outbox`` only when ``FAILBACK_LOCAL_MODE=true``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3
import threading
from pathlib import Path
from typing import Any

from notifications.message import Message

_LOCK = threading.Lock()
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    body TEXT NOT NULL
)
"""


class Outbox:
    """An append-only store of sent messages.

    Args:
        path: the SQLite file (created with its folder on first use).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        import sqlite3  # on first use (cold start, issue 14)

        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute(_SCHEMA)
        return conn

    def add(self, message: Message, channel: str = "outbox") -> None:
        """Append one message."""
        with _LOCK, self._connect() as conn:
            conn.execute(
                "INSERT INTO outbox (run_id, kind, channel, body) VALUES (?, ?, ?, ?)",
                (message.run_id, message.kind, channel, json.dumps(message.to_dict())),
            )
        conn.close()

    def list(self, run_id: str | None = None, after: int = 0, limit: int = 200) -> list[dict[str, Any]]:
        """Return messages in order, optionally for one run and after a sequence number."""
        query = "SELECT seq, body FROM outbox WHERE seq > ?"
        args: list[Any] = [after]
        if run_id:
            query += " AND run_id = ?"
            args.append(run_id)
        query += " ORDER BY seq LIMIT ?"
        args.append(limit)
        if not self.path.exists():
            return []
        with _LOCK, self._connect() as conn:
            rows = conn.execute(query, args).fetchall()
        conn.close()
        return [{"seq": seq, **json.loads(body)} for seq, body in rows]


class OutboxChannel:
    """The outbox as a channel."""

    name = "outbox"

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def send(self, message: Message) -> None:
        """Store the message."""
        self.outbox.add(message)
