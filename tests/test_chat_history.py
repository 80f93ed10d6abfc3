"""Turns read back from Chainlit's SQLite store: question, answer, route, thumbs."""

import json
import sqlite3

from assistant.chat_history import stored_turns
from assistant.chat_store import ensure_sqlite_schema


def add_turn(db_path, thread: str, n: int, question: str, answer: str, route: str | None, feedback: int | None = None):
    db = sqlite3.connect(db_path)
    with db:
        db.execute('INSERT OR IGNORE INTO threads ("id", "createdAt") VALUES (?, ?)', (thread, "2026-11-20T10:00:00Z"))
        db.execute('INSERT INTO steps ("id", "name", "type", "threadId", "output", "metadata", "createdAt") '
                   "VALUES (?, 'user', 'user_message', ?, ?, '{}', ?)", (f"{thread}-q{n}", thread, question, f"2026-11-20T10:0{n}:00Z"))  # fmt: skip
        meta = json.dumps({"route": route} if route else {})
        db.execute('INSERT INTO steps ("id", "name", "type", "threadId", "output", "metadata", "createdAt") '
                   "VALUES (?, 'Crossroads', 'assistant_message', ?, ?, ?, ?)",
                   (f"{thread}-a{n}", thread, answer, meta, f"2026-11-20T10:0{n}:30Z"))  # fmt: skip
        if feedback is not None:
            db.execute('INSERT INTO feedbacks ("id", "forId", "threadId", "value") VALUES (?, ?, ?, ?)',
                       (f"f{thread}{n}", f"{thread}-a{n}", thread, feedback))  # fmt: skip
    db.close()


def test_questions_are_paired_with_their_answers_route_and_thumbs(tmp_path):
    path = tmp_path / "chat.db"
    assert list(stored_turns(path)) == []  # no database yet: nothing, no error
    ensure_sqlite_schema(path)
    add_turn(path, "t1", 1, "How do I pair the remote?", "Hold Back and Play [1].", "retrieval", feedback=1)
    add_turn(path, "t1", 2, "Can I pay with bitcoin?", "I could not find this…", "not_found", feedback=0)
    add_turn(path, "t2", 1, "hello.md", "Indexed hello.md", None)  # an upload notice, not an answer
    turns = list(stored_turns(path))
    assert [(t.question, t.route, t.feedback) for t in turns] == [
        ("How do I pair the remote?", "retrieval", 1), ("Can I pay with bitcoin?", "not_found", 0)]  # fmt: skip


def test_a_foreign_database_reads_as_no_turns(tmp_path):
    path = tmp_path / "chat.db"
    sqlite3.connect(path).execute("CREATE TABLE other (x)").connection.close()
    assert list(stored_turns(path)) == []
