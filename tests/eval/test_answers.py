import pytest

from assistant.eval.answers import run, select
from assistant.eval.scenarios import Item
from assistant.settings import Settings


def test_select_takes_one_split_and_the_unsplit_questions():
    items = [Item("a", frozenset(), split="dev"), Item("b", frozenset(), split="test"), Item("c", frozenset()),
             Item("d", frozenset(), split="dev")]  # fmt: skip
    assert [i.question for i in select(items, "dev", 0)] == ["a", "c", "d"]
    assert [i.question for i in select(items, "dev", 2)] == ["a", "c"]
    assert [i.question for i in select(items, "test", 0)] == ["b", "c"]


def test_an_unknown_scenario_is_named_with_the_choices(tmp_path):
    with pytest.raises(ValueError, match=r"no scenario named nope; choose from .*freshqa"):
        run(Settings(data_dir=tmp_path), tmp_path, only=("nope",))


def test_a_pdf_citation_names_its_page_too():
    from types import SimpleNamespace

    from assistant.eval.answers import cited_places

    cited = cited_places([SimpleNamespace(source="aerio/manual.pdf", page=7), SimpleNamespace(source="faq.md", page=None)])
    assert cited == ["aerio/manual.pdf", "aerio/manual.pdf#page=7", "faq.md"]
