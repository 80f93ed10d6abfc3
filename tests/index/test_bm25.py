import json
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from assistant.index.bm25 import K1, B, BM25Scorer, Vocabulary, term_counts
from assistant.index.tokenize import QUESTION_WORDS, tokenize

SCIFACT = Path(__file__).parents[2] / "eval-data" / "scifact"


def sample_corpus() -> tuple[list[str], list[str]]:
    if (SCIFACT / "corpus.jsonl").exists():
        lines = (SCIFACT / "corpus.jsonl").read_text().splitlines()[:800]
        docs = [json.loads(line)["title"] + " " + json.loads(line)["text"] for line in lines]
        queries = [json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").read_text().splitlines()[:40]]
        return docs, queries
    docs = [f"document {i} about topic {i % 7} and subject {i % 11} with extra words {i % 3}" for i in range(300)]
    return docs, ["topic 3 subject 5", "extra words 2", "document 17"]


def test_tokenizer_lowercases_stems_and_drops_stop_words():
    assert tokenize("The TV's Settings, and RUNNING apps!") == ["tv", "s", "set", "run", "app"]
    assert tokenize("ÜNÏCODE Café") == ["ünïcode", "café"]


def test_versions_decimals_and_snake_case_names_count_whole_and_in_parts():
    assert tokenize("Python 3.10") == ["python", "3.10", "3", "10"]
    assert tokenize("[2.3.0] - 2026-10-02") == ["2.3.0", "2.3", "2", "3", "0", "2026", "10", "02"]
    assert tokenize("PIPEWRIGHT_LOG_LEVEL") == ["pipewright_log_level", "pipewright", "log", "level"]
    assert tokenize("_ __init__ end.") == ["init", "end"]
    vocab = Vocabulary()
    docs = ["Version 2.2.0 removed Python 3.9.", "Version 2.3.0 added cancel.", "Install it.", "Upgrade it.", "Stop it."]
    scorer = BM25Scorer(term_counts([tokenize(d) for d in docs], vocab), vocab)
    assert list(scorer.top(tokenize("version 2.3.0"), 2)[0]) == [1, 0]  # split only, "2" and "0" tied them
    assert tokenize("version 2.3.0", exact_numbers=True) == ["version", "2.3.0", "2.3"]  # that one, and its minor
    exact = scorer.scores(tokenize("version 2.3.0", exact_numbers=True))
    assert exact[0] == pytest.approx(scorer.scores(["version"])[0]) and exact[1] > exact[0]  # 2.2.0 by "version" alone
    short = scorer.scores(tokenize("version 2.3", exact_numbers=True))  # as people shorten it
    assert short[1] > short[0] == pytest.approx(scorer.scores(["version"])[0])


def test_a_hyphenated_word_is_also_its_parts_joined():
    assert tokenize("Wi-Fi") == ["wifi", "wi", "fi"]  # the user types "wifi"
    assert tokenize("e-mail AP-40") == ["email", "e", "mail", "ap40", "ap", "40"]
    assert tokenize("2026-10-02 -x-") == ["2026", "10", "02", "x"]  # a date has no letters to join


def test_a_questions_number_written_against_its_unit_is_also_the_two():
    assert tokenize("5GHz 1080p", exact_numbers=True) == ["5ghz", "5", "ghz", "1080p", "1080", "p"]  # the manual: "5 GHz"
    assert tokenize("5GHz 4K") == ["5ghz", "4k"]  # a passage's stays whole: "4" and "k" would match anything
    assert tokenize("QN90F H13 2026 24 21st 1990s", exact_numbers=True) == ["qn90f", "h13", "2026", "24", "21st", "1990s"]


def test_what_an_apostrophe_leaves_is_no_content_word():
    """"can't" tokenizes as "can" and "t", "TV's" as "tv" and "s": the coverage and quote checks judge
    a question by its other words."""
    asked = "How do I lock the buttons so my kids can't start it? What's the TV’s warranty? I'm sure it isn't on."
    assert [t for t in tokenize(asked) if t not in QUESTION_WORDS] == tokenize("lock buttons kids start tv warranty sure on")


@pytest.mark.parametrize("k1, b", [(K1, B), (1.5, 0.75)])  # ours, and rank-bm25's own defaults
def test_fast_scorer_equals_rank_bm25_on_a_sample(k1, b):
    docs, queries = sample_corpus()
    tokenized = [tokenize(d) for d in docs]
    reference = BM25Okapi(tokenized, k1=k1, b=b)
    vocab = Vocabulary()
    fast = BM25Scorer(term_counts(tokenized, vocab), vocab, k1=k1, b=b)
    for q in queries:
        tokens = tokenize(q)
        expected = reference.get_scores(tokens)
        got = fast.scores(tokens)
        assert np.allclose(got, expected, rtol=1e-4, atol=1e-4)
        idx, _ = fast.top(tokens, 10)
        best_ref = np.sort(expected)[::-1][: len(idx)]
        assert np.allclose(expected[idx], best_ref, atol=1e-4), "fast top-10 must be rank-bm25's top-10"


def test_unknown_terms_score_zero_and_top_skips_zeros():
    vocab = Vocabulary()
    scorer = BM25Scorer(term_counts([["a1", "b1"], ["b1", "c1"], ["d1"]], vocab), vocab)
    assert not scorer.scores(["zzz"]).any()
    idx, scores = scorer.top(["c1"], 5)
    assert list(idx) == [1] and scores[0] > 0


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_corpora(n):
    vocab = Vocabulary()
    scorer = BM25Scorer(term_counts([["x"]] * n, vocab), vocab)
    assert scorer.scores(["x"]).shape == (n,)


def test_a_term_counts_as_mentioned_only_while_a_chunk_holds_it():
    vocab = Vocabulary()
    scorer = BM25Scorer(term_counts([tokenize("pair the remote")], vocab), vocab)
    vocab.add("removed")  # a deleted file's term stays in the vocabulary
    assert BM25Scorer(term_counts([tokenize("pair the remote")], vocab), vocab).mentions(["remot", "removed", "x"]) == [True, False, False]
    assert scorer.mentions(["pair"]) == [True]
