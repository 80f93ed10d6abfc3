"""The agent desk: questions picked out of a ticket, one cited draft, hand-offs that become corrections."""

import json

import pytest

from assistant.desk import Draft, Part, Sentence, questions_in
from assistant.escalations import EscalationStore
from assistant.turn import Citation, TurnResult
from tests.documents import fill_folder
from tests.test_cli import run


def test_questions_are_picked_out_of_a_customer_message():
    message = ("Hi there, I bought a QN90 last week. How do I pair the remote? Also the picture flickers. "
               "Please tell me when the Smart Hub maintenance is. Thanks!")  # fmt: skip
    assert questions_in(message) == ["How do I pair the remote?", "Please tell me when the Smart Hub maintenance is."]
    assert questions_in("My TV keeps turning itself off at night") == ["My TV keeps turning itself off at night"]
    assert questions_in("  ") == []
    assert questions_in("I don't know about Ambient Mode. Can you explain it? My screen gets darker. Why?") == [
        "I don't know about Ambient Mode. Can you explain it?", "My screen gets darker. Why?"]  # fmt: skip
    assert questions_in("Where is the sleep timer? What is the use of it?") == ["Where is the sleep timer? What is the use of it?"]


def result(answer: str, kind: str, route: str, citations=()) -> TurnResult:
    return TurnResult("q", answer, route, "why", 1.0, "m", kind, list(citations))  # type: ignore[arg-type]


def test_the_draft_marks_what_no_source_supports_and_copies_clean():
    cite = Citation(1, "manual.pdf", 2, None, "Hold Back and Play", "c1")
    parts = [
        Part("pair?", result("", "generated", "retrieval", [cite]),
             [Sentence("Hold Back and Play [1].", "cited"), Sentence("It is easy.", "unsupported")]),
        Part("warranty?", result("", "closed_book", "finetuned"), [Sentence("Two years.", "finetuned")]),
        Part("weather?", result("I could not find …", "not_found", "not_found")),
        Part("itchy strap?", result("Your documents do not say this in so many words; the closest they come: "
                                    "Loosen the strap [1].", "extractive", "retrieval", [cite])),
        Part("alexa?", result("Your documents never mention Alexa; the closest they come: Pair the remote [1].",
                              "extractive", "retrieval", [cite])),
    ]  # fmt: skip
    draft = Draft("msg", parts, [cite])
    assert draft.flagged == 1 and parts[2].escalate and parts[3].escalate and parts[4].escalate and not parts[0].escalate
    body = draft.body()
    assert "⚠ It is easy." in body and "Two years. (ft)" in body and "checking this with a colleague" in body
    clean = draft.copy_text()
    assert "⚠" not in clean and "(ft)" not in clean and clean.endswith("Sources:\n[1] manual.pdf, p. 2")
    assert "[1]" not in draft.copy_text("none")


def test_escalations_open_resolve_and_export_as_training_data(tmp_path):
    store = EscalationStore(tmp_path / "data" / "desk.db")
    closest = Citation(1, "faq.json", None, "Returns", "Returns within 30 days.", "c9")
    asked = TurnResult("Can I return a wall mount?", "x", "not_found", "weak evidence", 0.2, "none", "not_found",
                       [closest])  # fmt: skip
    opened = store.open(asked, "Hello, can I return a wall mount?")
    assert "faq.json" in opened.note() and store.list()[0].id == opened.id
    env = {"ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    listed = json.loads(run("escalations", "--json", env=env).stdout)
    assert [e["id"] for e in listed] == [opened.id]
    assert run("escalations", "resolve", opened.id, "Yes, unopened, within 30 days.", env=env).returncode == 0
    assert json.loads(run("escalations", "--json", env=env).stdout) == []
    out = tmp_path / "corrections.jsonl"
    assert run("feedback", "export", "--finetune", str(out), env=env).returncode == 0
    assert json.loads(out.read_text()) == {"question": "Can I return a wall mount?", "answer": "Yes, unopened, within 30 days."}
    assert "no escalation" in run("escalations", "resolve", "nope", "x", env=env).stderr.decode()


@pytest.mark.slow
def test_draft_reply_from_the_command_line(tmp_path):
    (tmp_path / "knowledge").mkdir()
    fill_folder(tmp_path / "knowledge")
    env = {"ASSISTANT_KNOWLEDGE_DIR": str(tmp_path / "knowledge"), "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
           "ASSISTANT_ADAPTERS_DIR": str(tmp_path / "none"), "ASSISTANT_TEMPERATURE": "0"}  # fmt: skip
    (tmp_path / "ticket.txt").write_text("Hello! What does firmware 1402 fix on HDMI eARC? "
                                          "And who won the 1954 chess olympiad? Thanks")  # fmt: skip
    proc = run("desk", "draft", str(tmp_path / "ticket.txt"), "--json", env=env)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    draft = json.loads(proc.stdout)
    first, second = draft["questions"]
    assert first["route"] == "retrieval" and draft["citations"] and "Sources:\n[1] release-notes.md" in draft["copy"]
    assert second["escalate"] and len(draft["escalations"]) == 1
    assert draft["reply"].startswith("Hello,") and "checking this with a colleague" in draft["reply"]


def test_rewrites_change_the_frame_never_a_cited_sentence():
    cite = Citation(1, "manual.pdf", None, None, "s", "c1")
    parts = [Part("pair?", result("", "generated", "retrieval", [cite]),
                  [Sentence("Unsupported first.", "unsupported"), Sentence("Hold Back and Play [1].", "cited")])]  # fmt: skip
    draft = Draft("msg", parts, [cite, Citation(2, "unused.md", None, None, "s", "c2")])
    short = Draft("msg", parts, draft.citations, style="formal", short=True)
    assert "Hold Back and Play [1]." in short.body() and "Unsupported first." not in short.body()
    assert short.body().startswith("Dear customer,") and "Yours sincerely" in short.body()
    assert "unused.md" not in draft.copy_text(), "footnotes list only the sources the reply cites"


def test_thumbs_up_answers_are_exported_with_the_corrections(tmp_path):
    from assistant.chat_store import ensure_sqlite_schema
    from tests.test_chat_history import add_turn

    data = tmp_path / "data"
    data.mkdir()
    ensure_sqlite_schema(data / "chat.db")
    add_turn(data / "chat.db", "t1", 1, "How do I pair the remote?", "Hold Back and Play [1].\n\n*retrieval · quoted · m · 1.0 s*",
             "retrieval", feedback=1)  # fmt: skip
    add_turn(data / "chat.db", "t1", 2, "Can I pay with bitcoin?", "I could not find this.", "not_found", feedback=1)
    out = tmp_path / "examples.jsonl"
    proc = run("feedback", "export", "--finetune", str(out), env={"ASSISTANT_DATA_DIR": str(data)})
    assert proc.returncode == 0 and b"1 thumbs-up" in proc.stdout
    assert json.loads(out.read_text()) == {"question": "How do I pair the remote?", "answer": "Hold Back and Play."}


def test_a_reply_the_agent_edited_and_sent_is_exported_as_a_correction(tmp_path):
    store = EscalationStore(tmp_path / "data" / "desk.db")
    with pytest.raises(Exception, match="empty"):
        store.save_correction("Can I pay by card?", "  ")
    store.save_correction("Hi, can I pay by card?", "Hello! Yes, all major cards are accepted. Best, Ana", "draft …")
    assert store.corrections() == [("Hi, can I pay by card?", "Hello! Yes, all major cards are accepted. Best, Ana")]
    out = tmp_path / "examples.jsonl"
    proc = run("feedback", "export", "--finetune", str(out), env={"ASSISTANT_DATA_DIR": str(tmp_path / "data")})
    assert proc.returncode == 0 and b"1 corrections" in proc.stdout
    assert json.loads(out.read_text())["answer"].startswith("Hello! Yes")


def test_a_message_with_nothing_to_answer_gets_asked_and_a_huge_one_is_cut(tmp_path):
    from assistant.desk import ASK_WHAT, MAX_TICKET_CHARS, draft_reply, has_substance

    class NoTurns:
        def answer(self, *a, **k):
            raise AssertionError("nothing to answer: no turn may run")

    thanks = draft_reply("Hi team,\n\nthanks a lot!\n\nCheers, Sam", NoTurns())
    assert not thanks.parts and ASK_WHAT in thanks.body() and ASK_WHAT in thanks.copy_text()
    assert has_substance("My TV keeps turning itself off at night") and not has_substance("Thank you, kind regards")
    huge = draft_reply("Thanks! " * (MAX_TICKET_CHARS // 4), NoTurns())
    assert huge.notices and "were read" in huge.notices[0] and len(huge.message) == MAX_TICKET_CHARS


def test_a_short_real_question_is_still_answered():
    from assistant.desk import asked_in, has_substance

    assert asked_in("Can I configure Contrast?") == ["Can I configure Contrast?"] and not has_substance("Can I configure Contrast?")
