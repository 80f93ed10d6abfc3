import pytest

from assistant.errors import BadInput
from assistant.services import Services
from assistant.turn import NOT_FOUND, Conversation, clean_question

pytestmark = pytest.mark.slow


def test_clean_question_rejects_empty_and_truncates_with_notice():
    with pytest.raises(BadInput):
        clean_question(" \n ", 100)
    text, notices = clean_question("x" * 150, 100)
    assert len(text) == 100 and "150" in notices[0]


@pytest.fixture
def indexed(settings, folder):
    services = Services(settings)
    services.ingestor().run()
    return services


def test_retrieval_answers_from_passages_with_citations_that_exist(indexed):
    stream = Conversation(indexed).ask("How do I pair the remote?", route="retrieval")
    tokens = list(stream)
    result = stream.result
    assert len(tokens) > 1 and result.answer
    assert result.route == "retrieval" and result.timings.retrieve_ms > 0
    assert result.timings.first_token_ms is not None and result.timings.total_ms >= result.timings.first_token_ms
    known = {c.id for c in indexed.store.snapshot().chunks}
    assert all(c.chunk_id in known for c in result.citations)
    for c in result.citations:
        assert f"[{c.n}]" in result.answer


def test_weak_evidence_says_not_found_and_shows_closest_passages(indexed):
    result = Conversation(indexed).ask("Who won the 1954 chess olympiad?", route="retrieval").collect()
    assert result.answer.startswith(NOT_FOUND)
    assert result.citations and result.model == "none (not found)"


def test_auto_route_picks_retrieval_for_a_strong_match_and_explains(indexed):
    result = Conversation(indexed).ask("What does firmware 1402 fix on HDMI eARC?").collect()
    assert result.route == "retrieval"
    assert "release-notes.md" in result.reason


def test_empty_index_is_not_found(settings):
    result = Conversation(Services(settings)).ask("anything at all?", route="retrieval").collect()
    assert result.answer.startswith(NOT_FOUND) and not result.citations
