"""The gap report: failed questions grouped by topic, routes per day, an HTML page that runs nothing."""

import json
import time

import numpy as np
import pytest

from assistant.chat_store import ensure_sqlite_schema
from assistant.escalations import EscalationStore
from assistant.gaps import GapQuestion, gap_questions, gaps, group, routes_per_day, to_html
from assistant.turn import TurnResult
from tests.test_chat_history import add_turn
from tests.test_cli import run


def test_grouping_is_by_closeness_to_the_group_and_largest_first():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    near_a = np.array([0.9, 0.1]) / np.linalg.norm([0.9, 0.1])
    assert group(np.stack([b, a, near_a, a])) == [[1, 2, 3], [0]]


def test_the_three_kinds_of_failure_are_collected(tmp_path):
    chat = tmp_path / "chat.db"
    ensure_sqlite_schema(chat)
    add_turn(chat, "t1", 1, "Can I pay with bitcoin?", "I could not find this…", "not_found")
    add_turn(chat, "t1", 2, "How do I pair the remote?", "Unplug it.", "retrieval", feedback=0)
    add_turn(chat, "t1", 3, "How do I turn on captions?", "Settings > Accessibility [1].", "retrieval", feedback=1)
    desk = EscalationStore(tmp_path / "desk.db")
    desk.open(TurnResult("Do you ship to Norway?", "x", "not_found", "weak", 0.2, "none", "not_found", []))
    found = {(q.question, q.why) for q in gap_questions(chat, desk)}
    assert found == {("Can I pay with bitcoin?", "not found"), ("How do I pair the remote?", "thumbs down"),
                     ("Do you ship to Norway?", "escalated")}  # fmt: skip


@pytest.mark.slow
def test_paraphrases_form_one_topic_with_its_closest_documents(minilm):
    questions = [GapQuestion(q, why, "") for q, why in [
        ("Can I pay with bitcoin?", "not found"), ("Do you accept cryptocurrency payments?", "escalated"),
        ("Is bitcoin accepted as payment?", "not found"), ("Do you ship to Norway?", "not found")]]  # fmt: skip
    found = gaps(questions, minilm, search=lambda text: ["payments.md"])
    assert found[0].count == 3 and found[0].why == {"not found": 2, "escalated": 1}
    assert found[0].closest == ["payments.md"] and found[1].examples == ["Do you ship to Norway?"]


def test_routes_per_day_survive_a_torn_log_line(tmp_path):
    log = tmp_path / "routing.jsonl"
    day = time.mktime((2026, 11, 20, 12, 0, 0, 0, 0, 0))
    lines = [json.dumps({"time": day, "route": r}) for r in ("retrieval", "retrieval", "not_found")]
    log.write_text("\n".join(lines) + '\n{"time": 17')
    assert routes_per_day(log) == {"2026-11-20": {"retrieval": 2, "not_found": 1}}
    assert routes_per_day(tmp_path / "none.jsonl") == {}


def test_the_html_report_escapes_questions_and_draws_without_script():
    page = to_html({"questions": 1, "routes_per_day": {"2026-11-20": {"retrieval": 2, "not_found": 1}},
                    "gaps": [{"topic": "<img src=x onerror=alert(1)>?", "count": 1, "why": {"not found": 1},
                              "examples": ["<b>bold</b>"], "closest": []}]})  # fmt: skip
    assert "<img" not in page and "&lt;img" in page and "<script" not in page
    assert "<svg" in page and "Content-Security-Policy" in page


@pytest.mark.slow
def test_report_gaps_on_the_command_line(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    ensure_sqlite_schema(data / "chat.db")
    add_turn(data / "chat.db", "t1", 1, "Can I pay with bitcoin?", "I could not find this…", "not_found")
    (tmp_path / "knowledge").mkdir()
    env = {"ASSISTANT_DATA_DIR": str(data), "ASSISTANT_KNOWLEDGE_DIR": str(tmp_path / "knowledge")}
    proc = run("report", "gaps", "--json", "--html", str(tmp_path / "gaps.html"), env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    report = json.loads(proc.stdout)
    assert report["questions"] == 1 and report["gaps"][0]["topic"] == "Can I pay with bitcoin?"
    assert "Can I pay with bitcoin?" in (tmp_path / "gaps.html").read_text()
