"""Hand-offs: questions the assistant could not answer (or an agent escalated), kept until a
person resolves them with the answer they gave — and the replies agents actually sent after
editing a draft. Both are corrections the next fine-tune or knowledge article can learn from
(`assistant feedback export`).

A small SQLite file in the data dir (`desk.db`), separate from Chainlit's chat tables so its schema
is ours to keep.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import BadInput
from assistant.turn import TurnResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS escalations (
  id TEXT PRIMARY KEY, created TEXT NOT NULL, question TEXT NOT NULL, message TEXT, route TEXT, reason TEXT,
  closest TEXT, status TEXT NOT NULL DEFAULT 'open', resolution TEXT, resolved_at TEXT
);
CREATE TABLE IF NOT EXISTS corrections (
  id TEXT PRIMARY KEY, created TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL, draft TEXT
);
"""


@dataclass
class Escalation:
    id: str
    created: str
    question: str
    message: str | None
    route: str | None
    reason: str | None
    closest: list[dict]
    status: str
    resolution: str | None
    resolved_at: str | None

    def note(self) -> str:
        """The hand-off note a colleague reads: what was asked, searched, found nearest, and why."""
        lines = [f"Customer asked: {self.question}", f"Route: {self.route} — {self.reason}"]
        lines += [f"Closest: [{c['n']}] {c['source']}" + (f" p. {c['page']}" if c.get("page") else "")
                  + f" — {c['snippet'][:160]}" for c in self.closest]  # fmt: skip
        return "\n".join(lines)


class EscalationStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        try:
            with db:  # commits, or rolls back on error
                yield db
        finally:
            db.close()

    def open(self, result: TurnResult, message: str | None = None) -> Escalation:
        closest = [{"n": c.n, "source": c.source, "page": c.page, "section": c.section, "snippet": c.snippet}
                   for c in result.citations]  # fmt: skip
        row = (uuid.uuid4().hex[:8], _now(), result.question, message, result.route, result.reason, json.dumps(closest))
        with self._db() as db:
            db.execute("INSERT INTO escalations (id, created, question, message, route, reason, closest) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)", row)  # fmt: skip
        return self.get(row[0])

    def get(self, escalation_id: str) -> Escalation:
        with self._db() as db:
            row = db.execute("SELECT * FROM escalations WHERE id = ?", (escalation_id,)).fetchone()
        if row is None:
            raise BadInput(f"no escalation {escalation_id!r}", "list them with `assistant escalations --all`")
        return _escalation(row)

    def list(self, status: str | None = "open") -> list[Escalation]:
        query, args = "SELECT * FROM escalations", ()
        if status:
            query, args = query + " WHERE status = ?", (status,)
        with self._db() as db:
            return [_escalation(r) for r in db.execute(query + " ORDER BY created", args)]

    def save_correction(self, question: str, answer: str, draft: str | None = None) -> str:
        """The reply an agent sent after editing the draft for the customer's `question`."""
        if not answer.strip():
            raise BadInput("the correction is empty", "paste the reply you sent to the customer")
        correction_id = uuid.uuid4().hex[:8]
        with self._db() as db:
            db.execute("INSERT INTO corrections (id, created, question, answer, draft) VALUES (?, ?, ?, ?, ?)",
                       (correction_id, _now(), question.strip(), answer.strip(), draft))  # fmt: skip
        return correction_id

    def corrections(self) -> list[tuple[str, str]]:
        """(question, answer) of every correction: resolved escalations and edited replies, oldest first."""
        with self._db() as db:
            rows = db.execute("SELECT question, resolution AS answer, resolved_at AS created FROM escalations "
                              "WHERE status = 'resolved' UNION ALL SELECT question, answer, created FROM corrections "
                              "ORDER BY created").fetchall()  # fmt: skip
        return [(r["question"], r["answer"]) for r in rows]

    def resolve(self, escalation_id: str, answer: str) -> Escalation:
        if not answer.strip():
            raise BadInput("a resolution needs the answer you gave", 'e.g. assistant escalations resolve ID "Hold Back…"')
        self.get(escalation_id)
        with self._db() as db:
            db.execute("UPDATE escalations SET status = 'resolved', resolution = ?, resolved_at = ? WHERE id = ?",
                       (answer.strip(), _now(), escalation_id))  # fmt: skip
        return self.get(escalation_id)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _escalation(row: sqlite3.Row) -> Escalation:
    data = dict(row)
    data["closest"] = json.loads(data["closest"] or "[]")
    return Escalation(**data)
