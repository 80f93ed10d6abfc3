"""Read answered turns back out of the chat database, for the gap report and feedback export.

Chainlit stores a turn as a `user_message` step followed by an `assistant_message` step in the
same thread; our answers carry their route in the step's metadata, and a thumbs up or down is a
row in `feedbacks` pointing at the answer's step. Only the SQLite store is read (the default; a
PostgreSQL history is Chainlit's to query).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StoredTurn:
    question: str
    answer: str
    route: str | None
    created: str  # ISO time of the answer
    feedback: int | None  # 1 thumbs up, 0 thumbs down, None none
    comment: str | None = None


def stored_turns(chat_db: Path) -> Iterator[StoredTurn]:
    """Every answered turn, oldest first; nothing when the database does not exist yet."""
    if not chat_db.exists():
        return
    db = sqlite3.connect(f"file:{chat_db}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        rows = db.execute(
            'SELECT s."id", s."threadId", s."type", s."output", s."metadata", s."createdAt", f."value", f."comment" '
            'FROM steps s LEFT JOIN feedbacks f ON f."forId" = s."id" '
            "WHERE s.\"type\" IN ('user_message', 'assistant_message') "
            'ORDER BY s."threadId", s."createdAt"'
        ).fetchall()
    except sqlite3.Error:  # an older or foreign schema: no turns to report rather than a crash
        return
    finally:
        db.close()
    question: dict[str, str] = {}
    for row in rows:
        if row["type"] == "user_message":
            question[row["threadId"]] = row["output"] or ""
            continue
        if row["threadId"] not in question:
            continue  # a greeting or a message of the app's own, not an answer to a question
        try:
            metadata = json.loads(row["metadata"] or "{}")
        except ValueError:
            metadata = {}
        if "route" not in metadata:
            continue  # not one of our answers (uploads, desk drafts, notices)
        yield StoredTurn(question[row["threadId"]], row["output"] or "", metadata.get("route"), row["createdAt"] or "",
                         row["value"], row["comment"])  # fmt: skip
