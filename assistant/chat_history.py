"""Read answered turns back out of the chat database, for the gap report and feedback export.

Chainlit stores a turn as a `user_message` step followed by an `assistant_message` step in the
same thread; our answers carry their route in the step's metadata, and a thumbs up or down is a
row in `feedbacks` pointing at the answer's step. Read from the SQLite file (the default) or from
PostgreSQL when ASSISTANT_CHAT_DB_URL names one.
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


QUERY = (
    'SELECT s."id", s."threadId", s."type", s."output", s."metadata", s."createdAt", f."value", f."comment" '
    'FROM steps s LEFT JOIN feedbacks f ON f."forId" = s."id" '
    "WHERE s.\"type\" IN ('user_message', 'assistant_message') "
    'ORDER BY s."threadId", s."createdAt"'
)


def history_of(settings) -> Path | str:
    """Where the chat history is: the PostgreSQL URL when one is set, else the SQLite file."""
    from assistant.chat_db import is_postgres

    return settings.chat_db_url if is_postgres(settings.chat_db_url) else settings.data_dir / "chat.db"


def stored_turns(chat_db: Path | str) -> Iterator[StoredTurn]:
    """Every answered turn, oldest first; nothing when the database does not exist yet."""
    rows = _postgres_rows(chat_db) if isinstance(chat_db, str) else _sqlite_rows(chat_db)
    question: dict[str, str] = {}
    for row in rows:
        if row["type"] == "user_message":
            question[row["threadId"]] = row["output"] or ""
            continue
        if row["threadId"] not in question:
            continue  # a greeting or a message of the app's own, not an answer to a question
        try:
            metadata = row["metadata"] if isinstance(row["metadata"], dict) else json.loads(row["metadata"] or "{}")
        except ValueError:
            metadata = {}
        if "route" not in metadata:
            continue  # not one of our answers (uploads, desk drafts, notices)
        yield StoredTurn(question[row["threadId"]], row["output"] or "", metadata.get("route"), row["createdAt"] or "",
                         row["value"], row["comment"])  # fmt: skip


def _sqlite_rows(chat_db: Path) -> list:
    if not chat_db.exists():
        return []
    db = sqlite3.connect(f"file:{chat_db}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(QUERY).fetchall()
    except sqlite3.Error:  # an older or foreign schema: no turns to report rather than a crash
        return []
    finally:
        db.close()


def _postgres_rows(url: str) -> list:
    from assistant.chat_db import engine_for, run_job

    async def job() -> list:
        engine = engine_for(url)
        try:
            async with engine.connect() as conn:
                return [dict(r._mapping) for r in await conn.exec_driver_sql(QUERY)]
        finally:
            await engine.dispose()

    return run_job(job(), url)
