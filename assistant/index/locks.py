"""The one-ingest-at-a-time lock: a file on one machine, a PostgreSQL advisory lock across several.

Replicas that share a Qdrant index and a PostgreSQL chat history also share the knowledge folder;
a file lock on each machine would let two of them rebuild the same index at once. A session-level
advisory lock lives as long as the connection that took it, so a replica killed mid-ingest frees
it with its connection — no stale lock to clear by hand. Both locks speak `filelock`'s interface
(`acquire(timeout=…)` raising `filelock.Timeout`, `release()`), which is what `Ingestor` uses.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path

POLL_S = 0.25


def ingest_lock(settings, lock_path: Path):
    """PostgreSQL's lock when the chat history is there (the team set-up), else a file lock."""
    from assistant.chat_db import is_postgres

    if is_postgres(settings.chat_db_url):
        return PostgresLock(settings.chat_db_url, f"crossroads-ingest:{settings.index.value}:{settings.qdrant_collection}")
    from filelock import FileLock

    return FileLock(lock_path)


class PostgresLock:
    """`pg_try_advisory_lock` on a connection of its own, polled until `timeout`."""

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name
        self.key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conn = None

    def acquire(self, timeout: float = -1) -> None:
        from filelock import Timeout

        from assistant.chat_db import explained

        self._loop = self._loop or asyncio.new_event_loop()  # ingest runs in a worker thread, not in the app's loop
        if self._conn is None:
            try:
                self._conn = self._loop.run_until_complete(_connect(self.url))
            except Exception as exc:
                self._close()
                raise explained(exc, self.url) from None
        deadline = time.monotonic() + timeout if timeout >= 0 else float("inf")
        while not self._loop.run_until_complete(self._conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key)):
            if time.monotonic() >= deadline:
                self._close()
                raise Timeout(self.name)
            time.sleep(POLL_S)

    def release(self) -> None:
        if self._conn is not None and self._loop is not None:
            try:
                self._loop.run_until_complete(self._conn.fetchval("SELECT pg_advisory_unlock($1)", self.key))
            finally:
                self._close()

    def _close(self) -> None:
        if self._conn is not None and self._loop is not None:
            self._loop.run_until_complete(self._conn.close())
        self._conn = None
        if self._loop is not None:
            self._loop.close()
        self._loop = None


async def _connect(url: str):
    import asyncpg

    return await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))  # asyncpg's own form
