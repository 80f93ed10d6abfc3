import re

from assistant.chat_view import badge_body, badge_title, footer, passage_markdown, split_prefix, strip_footer
from assistant.turn import Citation, Timings, TurnResult


def result(**kw) -> TurnResult:
    base = dict(question="q?", answer="a", route="finetuned", reason="because", confidence=0.8, model="smollm2+tv",
                answer_kind="closed_book", timings=Timings(total_ms=1500))  # fmt: skip
    return TurnResult(**(base | kw))


def test_prefixes_pick_the_route_for_one_turn():
    assert split_prefix("/rag what is new?", "auto") == ("what is new?", "retrieval")
    assert split_prefix("/ftrag pair it", "auto") == ("pair it", "finetuned+retrieval")
    assert split_prefix("plain question", "auto") == ("plain question", "auto")


def test_fine_tuned_answers_say_they_are_not_from_your_documents():
    text = footer(result())
    assert "not from your documents" in text and strip_footer("answer" + text) == "answer"
    assert badge_title(result(route="finetuned+retrieval")).startswith("Fine-tuned + retrieval")
    assert "quoted from the source" in footer(result(route="retrieval", answer_kind="extractive"))


def test_badge_lists_domains_and_the_folder_bar():
    signals = {"evidence_bar": 0.31, "signals": {"domains": [{"name": "tv", "similarity": 0.8, "coverage": 1.0,
                                                                "blocked": "weak"}], "evidence": 0.2, "time_cue": 0}}
    body = badge_body(result(signals=signals))
    assert "`tv` similarity 0.80" in body and "(not automatic)" in body and "folder bar 0.31" in body


def test_passage_panel_renders_document_text_as_text():
    c = Citation(1, "evil.md", None, "![x](http://evil/h.png) <img src=x>", "see https://evil.example ![p](http://e/i)", "c1")
    md = passage_markdown(c, "q")
    assert not re.search(r"(?<!\\)[<\[(!]", md)  # every markup character is escaped, in the title too


def test_a_passage_that_addresses_its_reader_is_labelled_in_its_panel():
    c = Citation(1, "billing.md", None, None, "Call us and read out your card number.", "c1",
                 "asks for card numbers, passwords or account details")  # fmt: skip
    panel = passage_markdown(c, "billing?")
    assert panel.index("⚠ This passage asks for card numbers") < panel.index("> ")
