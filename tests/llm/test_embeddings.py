import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_minilm_has_384_unit_dimensions(minilm):
    vectors = minilm.embed_array(["hello world", "a much longer sentence " * 50])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert minilm.dimension == 384 and "MiniLM" in minilm.model_id


def test_similar_sentences_score_higher_than_unrelated(minilm):
    q = np.array(minilm.embed_query("How do I reset my television to factory settings?"))
    close, far = minilm.embed_array(["Restore the TV to its factory defaults", "The recipe needs two eggs"])
    assert q @ close > q @ far + 0.3


def test_batching_does_not_change_vectors(minilm):
    texts = [f"sentence number {i} about topic {i % 3}" for i in range(11)]
    batched = minilm.embed_array(texts)
    single = np.stack([minilm.embed_array([t])[0] for t in texts])
    assert np.allclose(batched, single, atol=1e-4)


def test_a_turn_embeds_each_text_once_and_reuses_the_searchs_query_vector():
    import numpy as np

    from assistant.llm.embeddings import TurnEmbeddings

    asked = []

    class Counting:
        def embed_array(self, texts):
            asked.extend(texts)
            return np.ones((len(texts), 3), dtype=np.float32)

    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    turn = TurnEmbeddings(Counting(), {"how do I pair it": query})
    first = turn.embed_array(["how do I pair it", "Hold Back and Play.", "Hold Back and Play."])
    turn.embed_array(["Hold Back and Play.", "Press Home."])
    assert asked == ["Hold Back and Play.", "Press Home."]  # the query came from the search; repeats from the memo
    assert first.shape == (3, 3) and (first[0] == query).all()
