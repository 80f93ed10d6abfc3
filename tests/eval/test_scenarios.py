import json
import re
from pathlib import Path

import pytest

from assistant.errors import BadInput
from assistant.eval.scenarios import GROUNDED, build_folder, builtin_scenarios, user_scenario

REPO = Path(__file__).parents[2]


def test_builtin_scenarios_come_from_the_repository_and_never_from_shared():
    scenarios = {s.name: s for s in builtin_scenarios()}
    assert set(scenarios) == {"tv_closed_book", "tv_unseen_sections", "tv_in_folder", "freshqa", "out_of_scope",
                              "unseen_manual", "other_product", "tv_as_new_manual", "handbook", "mixed_formats",
                              "dev_docs", "pdf_manual", "help_centre", "word_manual", "plain_text", "web_app_help", "spreadsheet",
                              "robot_mower", "council_waste", "medicine_leaflet", "board_game", "phone_manual",
                              "red_team"}  # fmt: skip
    assert [n for n, s in scenarios.items() if not s.routed] == ["tv_unseen_sections", "tv_as_new_manual", "handbook",
                                                                 "mixed_formats", "dev_docs", "pdf_manual", "help_centre",
                                                                 "word_manual", "plain_text", "web_app_help", "spreadsheet",
                                                                 "robot_mower", "council_waste", "medicine_leaflet",
                                                                 "board_game", "phone_manual", "red_team"]  # fmt: skip
    handbook = scenarios["handbook"]  # a folder that is neither a manual nor encyclopedia pages
    assert handbook.fine_tuned and len(handbook.items) == 21 and all(i.sources and i.golds for i in handbook.items)
    assert {i.split for i in handbook.items} == {"dev", "test"}
    mixed = scenarios["mixed_formats"]  # one file of each format a help centre exports: CSV, HTML, text, PDF
    assert mixed.fine_tuned and len(mixed.items) == 28 and {i.split for i in mixed.items} == {"dev", "test"}
    assert {Path(i.sources[0]).suffix for i in mixed.items} == {".csv", ".html", ".txt", ".pdf"}
    docs = scenarios["dev_docs"]  # Markdown with tables, code blocks and a changelog
    assert docs.fine_tuned and len(docs.items) == 30 and {i.split for i in docs.items} == {"dev", "test"}
    pdf = scenarios["pdf_manual"]  # one exported PDF: each question is scored by its page
    assert pdf.fine_tuned and len(pdf.items) == 32 and {i.split for i in pdf.items} == {"dev", "test"}
    assert all(i.sources[0].startswith("aerio/aerio-ap40-manual.pdf#page=") for i in pdf.items)
    helps = scenarios["help_centre"]  # pages saved from a hosted help centre, template and all
    assert helps.fine_tuned and len(helps.items) == 31 and {Path(i.sources[0]).suffix for i in helps.items} == {".html"}
    word = scenarios["word_manual"]  # one Word file: its tables and its page footer
    assert word.fine_tuned and len(word.items) == 22 and {Path(i.sources[0]).suffix for i in word.items} == {".docx"}
    text = scenarios["plain_text"]  # plain-text files: headings only by their shape
    assert text.fine_tuned and len(text.items) == 31 and {Path(i.sources[0]).suffix for i in text.items} == {".txt"}
    table = scenarios["spreadsheet"]  # a product table as CSV: a row a passage, asked for the most and the least
    assert table.fine_tuned and len(table.items) == 14 and {Path(i.sources[0]).suffix for i in table.items} == {".csv", ".md"}
    new = scenarios["tv_as_new_manual"]  # the manual nobody tuned on: no fine-tuned domain, every question sourced
    assert not new.fine_tuned and len(new.items) == 286 and all(i.sources and i.golds for i in new.items)
    assert not {i.question for i in new.items} & {i.question for i in scenarios["tv_in_folder"].items}
    assert sum(bool(i.forbidden) for i in scenarios["red_team"].items) >= 10
    trained = {i.question for i in scenarios["tv_closed_book"].items}
    assert not trained & {i.question for i in scenarios["tv_unseen_sections"].items}
    assert all(i.sources for i in scenarios["unseen_manual"].items)
    assert {i.split for i in scenarios["unseen_manual"].items} == {"dev", "test"}
    assert all(i.expected == {"not_found"} for i in scenarios["out_of_scope"].items)
    other = scenarios["other_product"]  # never a fine-tuned route, in the Galaxy manual's folder
    assert other.folder == scenarios["unseen_manual"].folder and all(i.expected == {"retrieval", "not_found"} for i in other.items)
    forbidden = ("../shared", '"shared"')
    for path in [*REPO.glob("assistant/**/*.py"), *REPO.glob("tests/**/*.py"), *REPO.glob("benchmarks/*.py")]:
        if path != Path(__file__):
            assert not any(f in path.read_text() for f in forbidden), path


def test_a_freshqa_question_with_two_sources_is_answered_by_either_page():
    """FreshQA lists a source a line; the pages saved with the benchmark are each question's first."""
    freshqa = {i.question: i for i in next(s for s in builtin_scenarios() if s.name == "freshqa").items}
    both = freshqa["Did Emeritus Benedict XVI and Queen Elizabeth II die in the same year?"]
    assert both.sources == ("wiki/Pope_Benedict_XVI.txt", "wiki/Elizabeth_II.txt")
    assert len(freshqa) == 60 and all(i.sources for i in freshqa.values())


def test_the_phone_manual_is_built_from_the_sections_its_real_questions_quote(tmp_path):
    """E-Manual QA's 50-question S10 sample: each question's section is a file of the folder, holding its reference."""
    scenarios = builtin_scenarios()
    phone = next(s for s in scenarios if s.name == "phone_manual")
    assert len(phone.items) == 50 and phone.fine_tuned and {i.split for i in phone.items} == {"dev", "test"}
    folder = build_folder("demo+s10", tmp_path / "kb", tmp_path / "no-demo", scenarios)
    for item in phone.items:
        text = (folder / item.sources[0]).read_text(encoding="utf-8")
        assert all(part in text for part in re.split(r"(?<=[.:])\s+", item.golds[0])), item.question
    assert "settings. From Camera" in (folder / "galaxy-s10" / "camera-settings.md").read_text()  # the lost space back
    assert len(list((folder / "galaxy-fit").glob("*.md"))) == 56  # another product's manual beside it


def test_your_own_questions_become_a_scenario(tmp_path):
    data = tmp_path / "mine.jsonl"
    data.write_text(json.dumps({"question": "How do I pair it?", "answer": "Hold Back.", "source": "remote.md"}) + "\n"
                    + json.dumps({"question": "Weather?", "route": "not_found"}) + "\n\n")  # fmt: skip
    s = user_scenario(data)
    assert s.name == "mine" and s.folder == "yours"
    assert s.items[0].expected == GROUNDED and s.items[0].sources == ("remote.md",)
    assert s.items[1].expected == {"not_found"}
    data.write_text('{"question": "x", "route": "sideways"}\n')
    with pytest.raises(BadInput, match="line 1"):
        user_scenario(data)
    data.write_text("\n")
    with pytest.raises(BadInput, match="no questions"):
        user_scenario(data)


def test_the_red_team_score_counts_what_was_followed():
    from assistant.eval.answers import Answer, score
    from assistant.eval.scenarios import Item

    items = [Item("q1", GROUNDED, forbidden=("555-0199",)), Item("q2", GROUNDED, forbidden=("PirateBot",))]
    answers = [Answer("Call +1-555-0199 [1].", "retrieval", "generated", ["a.md"], 1.0),
               Answer("Use four bolts [1] [3].", "retrieval", "generated", ["b.md"], 1.0)]  # fmt: skip
    scored = score(items, answers)
    assert scored["followed"] == 0.5


def test_a_world_without_fine_tuned_domains_keeps_the_router_policy(tmp_path):
    from assistant.eval.world import _policy_only

    adapters = tmp_path / "adapters"
    (adapters / "tv-manual").mkdir(parents=True)
    (adapters / "router.json").write_text('{"membership_percentile": 12, "null_percentile": 98}')
    target = _policy_only(adapters, tmp_path / "data")
    assert [p.name for p in target.iterdir()] == ["router.json"]
    assert (target / "router.json").read_text() == (adapters / "router.json").read_text()
