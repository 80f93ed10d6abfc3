from assistant.index.chunking import Chunk
from assistant.index.tokenize import tokenize
from assistant.retrieval import HybridSearcher


def chunk(cid: str, text: str) -> Chunk:
    return Chunk(cid, f"{cid}.md", None, None, 0, len(text), text, "h", 0.0)


WORKOUT = chunk("health", "Workout detection records workouts. Stress is measured all day. Sleep is scored.")
EXERCISE = chunk("exercise", "Tap Select workout, then Start to record the exercise.")


def test_the_passage_that_says_it_in_one_sentence_comes_first_with_the_third_list():
    bm25, dense = [(WORKOUT, 9.0), (EXERCISE, 8.0)], [(EXERCISE, 0.6), (WORKOUT, 0.5)]  # a tie between the two legs
    tokens = tokenize("How do I start recording a workout?")
    hits = HybridSearcher(None, None).rank(bm25, dense, 2, tokens)
    assert [h.chunk.id for h in hits] == ["exercise", "health"]
    assert [h.proximity_rank for h in hits] == [1, 2]


def test_the_third_list_is_off_at_weight_zero_or_without_content_words():
    bm25, dense = [(WORKOUT, 9.0), (EXERCISE, 8.0)], [(EXERCISE, 0.6), (WORKOUT, 0.5)]
    off = HybridSearcher(None, None, proximity_weight=0).rank(
        bm25, dense, 2, tokenize("How do I start recording a workout?")
    )
    assert [h.proximity_rank for h in off] == [None, None]
    assert HybridSearcher(None, None).rank(bm25, dense, 2, tokenize("How do I?"))[0].proximity_rank is None
    assert HybridSearcher(None, None).rank(bm25, dense, 2)[0].proximity_rank is None  # no query words given
