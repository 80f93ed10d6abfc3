"""Chat history on PostgreSQL: its schema (`assistant db init`), the start-up check, and the move
from the single-machine SQLite file (`assistant db migrate --from sqlite`).

Chainlit's SQLAlchemy data layer writes to tables it never creates, so a team's database gets
them from here, not by hand. Ids are TEXT (Chainlit's are uuid4 strings; TEXT also takes the ids
an older SQLite history holds, and reads them back as the strings the layer expects); metadata is
JSONB and tags TEXT[], the types the layer binds. Several replicas share one database, so every
statement is idempotent and the migration skips rows already there.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError, BadInput

TABLES = ("users", "threads", "steps", "elements", "feedbacks")  # parents first: the foreign keys need them
POSTGRES_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS users (
      "id" TEXT PRIMARY KEY, "identifier" TEXT NOT NULL UNIQUE, "metadata" JSONB NOT NULL DEFAULT '{}',
      "createdAt" TEXT)""",
    """CREATE TABLE IF NOT EXISTS threads (
      "id" TEXT PRIMARY KEY, "createdAt" TEXT, "name" TEXT, "userId" TEXT, "userIdentifier" TEXT, "tags" TEXT[],
      "metadata" JSONB, FOREIGN KEY ("userId") REFERENCES users("id") ON DELETE CASCADE)""",
    """CREATE TABLE IF NOT EXISTS steps (
      "id" TEXT PRIMARY KEY, "name" TEXT NOT NULL, "type" TEXT NOT NULL, "threadId" TEXT NOT NULL, "parentId" TEXT,
      "command" TEXT, "modes" JSONB, "streaming" BOOLEAN, "waitForAnswer" BOOLEAN, "isError" BOOLEAN,
      "metadata" JSONB, "tags" TEXT[], "input" TEXT, "output" TEXT, "createdAt" TEXT, "start" TEXT, "end" TEXT,
      "generation" JSONB, "showInput" TEXT, "defaultOpen" BOOLEAN, "autoCollapse" BOOLEAN, "language" TEXT,
      "icon" TEXT, FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE)""",
    """CREATE TABLE IF NOT EXISTS elements (
      "id" TEXT PRIMARY KEY, "threadId" TEXT, "type" TEXT, "url" TEXT, "chainlitKey" TEXT, "name" TEXT NOT NULL,
      "display" TEXT, "objectKey" TEXT, "size" TEXT, "page" INTEGER, "language" TEXT, "forId" TEXT, "mime" TEXT,
      "props" JSONB, "autoPlay" BOOLEAN, "playerConfig" JSONB,
      FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE)""",
    """CREATE TABLE IF NOT EXISTS feedbacks (
      "id" TEXT PRIMARY KEY, "forId" TEXT NOT NULL, "threadId" TEXT NOT NULL, "value" INTEGER NOT NULL,
      "comment" TEXT, FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE)""",
    'CREATE INDEX IF NOT EXISTS steps_thread ON steps ("threadId")',
    'CREATE INDEX IF NOT EXISTS threads_user ON threads ("userId")',
)
JSON_COLUMNS = frozenset({"metadata", "modes", "generation", "props", "playerConfig"})
BOOLEAN_COLUMNS = frozenset({"streaming", "waitForAnswer", "isError", "defaultOpen", "autoCollapse", "autoPlay"})


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql", "postgres:"))


def async_url(url: str) -> str:
    """The URL Chainlit's layer needs: `postgresql://…` (what people paste) gets the asyncpg driver."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    return url


@dataclass
class Migrated:
    copied: dict[str, int]
    skipped: dict[str, int]  # already in PostgreSQL (a second run copies nothing twice)


def engine_for(url: str):
    try:
        import asyncpg  # noqa: F401  (SQLAlchemy imports it lazily; fail here with the fix)
    except ImportError:
        raise AssistantError("chat history on PostgreSQL needs the asyncpg driver",
                             "pip install 'crossroads[postgres]'") from None  # fmt: skip
    from sqlalchemy.ext.asyncio import create_async_engine

    return create_async_engine(async_url(url))


def run_job(coroutine, url: str):
    """Run one database job; a server that cannot be reached is one line naming the setting."""
    try:
        return asyncio.run(coroutine)
    except AssistantError:
        raise
    except Exception as exc:
        raise explained(exc, url) from None


def explained(exc: Exception, url: str) -> AssistantError:
    if isinstance(exc, OSError | ConnectionError):
        return AssistantError(f"cannot reach the chat database at {_redacted(url)}: {exc}",
                              "start PostgreSQL or fix ASSISTANT_CHAT_DB_URL")  # fmt: skip
    # asyncpg/SQLAlchemy errors: authentication, missing database, …
    return AssistantError(f"the chat database at {_redacted(url)} refused: {exc}".splitlines()[0],
                          "check ASSISTANT_CHAT_DB_URL (user, password, database name)")  # fmt: skip


def _redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(async_url(url)).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable URL)"


def init(url: str) -> list[str]:
    """Create the tables (idempotent); return those that were missing."""

    async def job() -> list[str]:
        engine = engine_for(url)
        try:
            async with engine.begin() as conn:
                missing = await _missing(conn)
                for statement in POSTGRES_SCHEMA:
                    await conn.exec_driver_sql(statement)
            return missing
        finally:
            await engine.dispose()

    return run_job(job(), url)


async def _missing(conn) -> list[str]:
    rows = await conn.exec_driver_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    )
    present = {r[0] for r in rows}
    return [t for t in TABLES if t not in present]


def check(url: str) -> None:
    """At start-up: the database answers and has the tables, or one line saying what to run."""

    async def job() -> list[str]:
        engine = engine_for(url)
        try:
            async with engine.connect() as conn:
                return await _missing(conn)
        finally:
            await engine.dispose()

    missing = run_job(job(), url)
    if missing:
        raise AssistantError(f"the chat database at {_redacted(url)} has no {', '.join(missing)} table",
                             "run `assistant db init` once for this database")  # fmt: skip


def migrate_from_sqlite(sqlite_path: Path, url: str) -> Migrated:
    """Copy every row of the SQLite history into PostgreSQL; rows already there are left alone."""
    if not sqlite_path.is_file():
        raise BadInput(f"no SQLite chat history at {sqlite_path}", "pass --sqlite PATH (default: <data dir>/chat.db)")
    init(url)
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    source.row_factory = sqlite3.Row
    try:
        tables = {t: [dict(r) for r in source.execute(f'SELECT * FROM "{t}"')] for t in TABLES if _has_table(source, t)}
    finally:
        source.close()

    async def job() -> Migrated:
        from sqlalchemy import text

        engine = engine_for(url)
        result = Migrated({}, {})
        try:
            async with engine.begin() as conn:
                for table, rows in tables.items():
                    copied = 0
                    for row in rows:
                        row = _postgres_row(row)
                        columns = ", ".join(f'"{c}"' for c in row)
                        values = ", ".join(f":{c}" for c in row)
                        done = await conn.execute(
                            text(f'INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ("id") DO NOTHING'), row
                        )
                        copied += done.rowcount
                    result.copied[table], result.skipped[table] = copied, len(rows) - copied
            return result
        finally:
            await engine.dispose()

    return run_job(job(), url)


def _has_table(db: sqlite3.Connection, table: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def _postgres_row(row: dict) -> dict:
    """SQLite's loose types → PostgreSQL's: 0/1 → booleans, JSON text checked, tags → a list."""
    out = {}
    for column, value in row.items():
        if column in BOOLEAN_COLUMNS and value is not None:
            value = bool(value)
        elif column in JSON_COLUMNS and value is not None:
            try:
                json.loads(value)
            except (TypeError, ValueError):
                value = json.dumps(value)  # a bare string stored as text stays readable as JSON
        elif column == "tags" and value is not None:
            try:
                parsed = json.loads(value)
            except (TypeError, ValueError):
                parsed = [value]
            value = [str(t) for t in parsed] if isinstance(parsed, list) else [str(parsed)]
        out[column] = value
    return out
