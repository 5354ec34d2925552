"""SQLite persistence (WAL) for instances, history, pending messages and activity work items.

Every state change of an episode is written in one transaction, so a host killed at any
moment restarts from a consistent state: messages not yet consumed are still queued and
work items whose result was not recorded run again (at-least-once, like Azure).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from devhost.history import Event

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    instance_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    created REAL NOT NULL,
    last_updated REAL NOT NULL,
    parent TEXT,
    state TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT,
    etype INTEGER NOT NULL,
    visible_at REAL,
    event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_instance ON messages (instance_id, id);
CREATE TABLE IF NOT EXISTS work_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    input TEXT
);
CREATE TABLE IF NOT EXISTS entities (
    entity_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    key TEXT NOT NULL,
    state TEXT,
    exists_flag INTEGER NOT NULL DEFAULT 0,
    last_updated REAL NOT NULL
);
"""

ACTIVE_SQL = "('Running','Pending','ContinuedAsNew','Suspended')"


class Store:
    """A thread-safe wrapper around one SQLite connection."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, rollback on error)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Run a read query."""
        with self._lock:
            return list(self._db.execute(sql, args))

    # -- instances -------------------------------------------------------------------------
    def instance(self, instance_id: str) -> dict[str, Any] | None:
        """One instance row as a dict (``state`` and ``parent`` decoded)."""
        rows = self.query("SELECT * FROM instances WHERE instance_id=?", (instance_id,))
        return _decode_instance(rows[0]) if rows else None

    def instances(self, where: str = "1=1", args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Instance rows matching a SQL condition, oldest first."""
        rows = self.query(f"SELECT * FROM instances WHERE {where} ORDER BY created, instance_id", args)
        return [_decode_instance(r) for r in rows]

    @staticmethod
    def save_instance(db: sqlite3.Connection, row: dict[str, Any]) -> None:
        """Insert or replace an instance row."""
        db.execute(
            "INSERT OR REPLACE INTO instances (instance_id, name, execution_id, status, input, output,"
            " custom_status, created, last_updated, parent, state) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                row["instance_id"],
                row["name"],
                row["execution_id"],
                row["status"],
                row.get("input"),
                row.get("output"),
                row.get("custom_status"),
                row["created"],
                row["last_updated"],
                json.dumps(row.get("parent")) if row.get("parent") is not None else None,
                json.dumps(row.get("state") or {}),
            ),
        )

    @staticmethod
    def delete_instance(db: sqlite3.Connection, instance_id: str) -> None:
        """Delete an instance with its history, messages and work items."""
        for table in ("instances", "history", "messages", "work_items"):
            db.execute(f"DELETE FROM {table} WHERE instance_id=?", (instance_id,))

    # -- history ---------------------------------------------------------------------------
    def history(self, instance_id: str) -> list[Event]:
        """The current execution's history, in order."""
        rows = self.query("SELECT event FROM history WHERE instance_id=? ORDER BY seq", (instance_id,))
        return [json.loads(r["event"]) for r in rows]

    @staticmethod
    def append_history(db: sqlite3.Connection, instance_id: str, start: int, events: list[Event]) -> None:
        """Append events starting at sequence ``start``."""
        db.executemany(
            "INSERT INTO history (instance_id, seq, event) VALUES (?,?,?)",
            [(instance_id, start + i, json.dumps(e)) for i, e in enumerate(events)],
        )

    @staticmethod
    def replace_history(db: sqlite3.Connection, instance_id: str, events: list[Event]) -> None:
        """Replace the whole history."""
        db.execute("DELETE FROM history WHERE instance_id=?", (instance_id,))
        Store.append_history(db, instance_id, 0, events)

    # -- messages --------------------------------------------------------------------------
    @staticmethod
    def add_message(
        db: sqlite3.Connection,
        instance_id: str,
        event: Event,
        *,
        execution_id: str | None = None,
        visible_at: float | None = None,
    ) -> None:
        """Queue a message (a history event to deliver) for an instance."""
        db.execute(
            "INSERT INTO messages (instance_id, execution_id, etype, visible_at, event) VALUES (?,?,?,?,?)",
            (instance_id, execution_id, int(event["EventType"]), visible_at, json.dumps(event)),
        )

    def due_messages(self, instance_id: str, now: float) -> list[dict[str, Any]]:
        """Messages of an instance that are visible at ``now``, in arrival order."""
        rows = self.query(
            "SELECT * FROM messages WHERE instance_id=?"
            " AND (visible_at IS NULL OR visible_at<=?) ORDER BY id",
            (instance_id, now),
        )
        return [{**dict(r), "event": json.loads(r["event"])} for r in rows]

    @staticmethod
    def delete_messages(db: sqlite3.Connection, ids: list[int]) -> None:
        """Remove consumed messages."""
        db.executemany("DELETE FROM messages WHERE id=?", [(i,) for i in ids])

    def runnable_instances(self, now: float) -> list[str]:
        """Instances with a due message they can process now."""
        rows = self.query(
            "SELECT DISTINCT m.instance_id FROM messages m JOIN instances i ON i.instance_id=m.instance_id"
            f" WHERE (m.visible_at IS NULL OR m.visible_at<=?) AND i.status IN {ACTIVE_SQL}"
            " AND (i.status!='Suspended' OR m.etype IN (3, 20))",
            (now,),
        )
        return [r["instance_id"] for r in rows]

    def orphan_message_instances(self) -> list[str]:
        """Instances with messages but no active instance row (messages to drop)."""
        rows = self.query(
            "SELECT DISTINCT m.instance_id FROM messages m LEFT JOIN instances i"
            f" ON i.instance_id=m.instance_id WHERE i.instance_id IS NULL OR i.status NOT IN {ACTIVE_SQL}"
        )
        return [r["instance_id"] for r in rows]

    def next_visible_at(self, now: float) -> float | None:
        """The earliest future message time of an active instance (the next durable timer)."""
        rows = self.query(
            "SELECT MIN(m.visible_at) AS t FROM messages m JOIN instances i ON i.instance_id=m.instance_id"
            f" WHERE m.visible_at>? AND i.status IN {ACTIVE_SQL}",
            (now,),
        )
        value = rows[0]["t"] if rows else None
        return float(value) if value is not None else None

    # -- work items ------------------------------------------------------------------------
    @staticmethod
    def add_work_item(
        db: sqlite3.Connection,
        instance_id: str,
        execution_id: str,
        task_id: int,
        kind: str,
        name: str,
        input_text: str | None,
    ) -> int:
        """Queue an activity invocation; returns its id."""
        cur = db.execute(
            "INSERT INTO work_items (instance_id, execution_id, task_id, kind, name, input)"
            " VALUES (?,?,?,?,?,?)",
            (instance_id, execution_id, task_id, kind, name, input_text),
        )
        return int(cur.lastrowid or 0)

    def work_items(self, where: str = "1=1", args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Pending work items."""
        return [dict(r) for r in self.query(f"SELECT * FROM work_items WHERE {where} ORDER BY id", args)]

    @staticmethod
    def delete_work_item(db: sqlite3.Connection, item_id: int) -> bool:
        """Remove a finished work item; False if it was already gone (e.g. purged)."""
        return db.execute("DELETE FROM work_items WHERE id=?", (item_id,)).rowcount > 0

    # -- entities --------------------------------------------------------------------------
    def entity(self, entity_id: str) -> dict[str, Any] | None:
        """One entity row."""
        rows = self.query("SELECT * FROM entities WHERE entity_id=?", (entity_id,))
        return dict(rows[0]) if rows else None

    @staticmethod
    def save_entity(
        db: sqlite3.Connection,
        entity_id: str,
        name: str,
        key: str,
        state: str | None,
        exists: bool,
        now: float,
    ) -> None:
        """Insert or replace an entity's state."""
        db.execute(
            "INSERT OR REPLACE INTO entities (entity_id, name, key, state, exists_flag, last_updated)"
            " VALUES (?,?,?,?,?,?)",
            (entity_id, name, key, state, 1 if exists else 0, now),
        )


def _decode_instance(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    data["state"] = json.loads(data.get("state") or "{}")
    data["parent"] = json.loads(data["parent"]) if data.get("parent") else None
    return data
