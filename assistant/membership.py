"""Does a question belong to a fine-tuned domain? Statistics computed when the adapter is made.

Nearest-domain similarity alone sends every device-settings question to the one domain there is
("How do I turn off vibration?" looks like a TV question to MiniLM). Membership instead asks
whether the question is as close to the domain's exemplars as the domain's *own* held-out
questions are, and whether the domain's vocabulary knows its words (product names and parts are
what an embedding washes out; a one-letter typo — "explian", "acoount" — still counts as known, or
every misspelt question would look foreign). Both thresholds are percentiles of the domain's own distribution,
so they adapt to each domain; general questions (`general_questions()`) give the false-accept rate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import numpy as np

from assistant.domains import Membership
from assistant.index.tokenize import QUESTION_WORDS, tokenize

DEFAULT_PERCENTILE = 7  # admits ~93 % of in-domain questions; the router's policy may refit it


def general_questions() -> list[str]:
    text = resources.files("assistant").joinpath("data/general_questions.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def top_k_similarity(vectors: np.ndarray, exemplars: np.ndarray, k: int, exclude_self: bool = False) -> np.ndarray:
    sims = vectors @ exemplars.T
    if exclude_self:
        np.fill_diagonal(sims, -1.0)
    k = max(1, min(k, sims.shape[1] - (1 if exclude_self else 0)))
    return np.sort(sims, axis=1)[:, -k:].mean(axis=1)


TYPO_MIN_LENGTH = 4  # shorter terms must match exactly: one edit turns "tv" into anything


def _deletions(term: str) -> set[str]:
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


@lru_cache(maxsize=8)
def _near(vocabulary: frozenset[str]) -> frozenset[str]:
    """Every vocabulary term and its one-deletion variants (symmetric-delete spelling matching)."""
    return frozenset(v for term in vocabulary if len(term) >= TYPO_MIN_LENGTH for v in _deletions(term) | {term})


def knows(term: str, vocabulary: frozenset[str]) -> bool:
    """The term, or a spelling one edit away (insert, delete, substitute, transpose), is known."""
    if term in vocabulary:
        return True
    if len(term) < TYPO_MIN_LENGTH:
        return False
    near = _near(vocabulary)
    return term in near or not near.isdisjoint(_deletions(term))


def coverage(question: str, vocabulary: frozenset[str]) -> float:
    """Share of the question's distinct terms the domain's vocabulary knows (typos forgiven).
    How people ask ("I want to know…", "please tell me") says nothing about the domain: those
    words are left out, or a domain whose exemplars never say "know" rejects every such question.
    A hyphenated word counts by its parts, which every card's vocabulary holds: its joined form
    ("wifi", `tokenize`) is new to cards made before it, and "Wi-Fi" had cost its question the domain."""
    terms = set(tokenize(question.replace("-", " "))) - QUESTION_WORDS
    return sum(knows(t, vocabulary) for t in terms) / len(terms) if terms else 0.0


def compute_membership(
    exemplars: Sequence[str],
    training_texts: Sequence[str],
    embeddings,
    *,
    heldout: Sequence[str] = (),
    k: int = 3,
) -> Membership:
    """`training_texts[i]` is exemplar i's question and answer; `heldout` are in-domain questions
    not trained on (paraphrases, a held-out slice). Exemplars are scored leave-one-out. Coverage
    comes from the held-out questions alone when there are any: leave-one-out coverage counts a
    term only its own example uses as unknown, which real in-domain questions rarely show (it set
    the bar at 0.875 of the terms, where held-out questions know all of theirs)."""
    vectors = embeddings.embed_array(list(exemplars))
    docs = [set(tokenize(t)) for t in training_texts]
    df = Counter(w for d in docs for w in d)
    vocabulary = frozenset(df)
    sims = list(top_k_similarity(vectors, vectors, k, exclude_self=True))
    covs = []
    for question, own in zip(exemplars, docs, strict=True):
        terms = set(tokenize(question)) - QUESTION_WORDS
        covs.append(sum(df[t] - (t in own) >= 1 for t in terms) / len(terms) if terms else 0.0)  # leave-one-out
    if heldout:
        sims += list(top_k_similarity(embeddings.embed_array(list(heldout)), vectors, k))
        covs = [coverage(q, vocabulary) for q in heldout]
    percentiles = list(range(51))
    membership = Membership(
        k=k,
        similarity=[round(float(v), 4) for v in np.percentile(sims, percentiles)],
        coverage=[round(float(v), 4) for v in np.percentile(covs, percentiles)],
        vocabulary=vocabulary,
    )
    recall_on = list(heldout) or list(exemplars)
    general = general_questions()
    return Membership(
        membership.k, membership.similarity, membership.coverage, vocabulary,
        in_domain_recall=round(admitted(membership, embeddings, recall_on, vectors, DEFAULT_PERCENTILE), 4),
        false_accept=round(admitted(membership, embeddings, general, vectors, DEFAULT_PERCENTILE), 4),
    )  # fmt: skip


def admitted(membership: Membership, embeddings, questions: Sequence[str], exemplars: np.ndarray, percentile: float) -> float:
    """Share of `questions` the domain admits at `percentile`."""
    sim_t, cov_t = membership.thresholds(percentile)
    sims = top_k_similarity(embeddings.embed_array(list(questions)), exemplars, membership.k)
    return float(np.mean([s >= sim_t and coverage(q, membership.vocabulary) >= cov_t
                          for s, q in zip(sims, questions, strict=True)]))  # fmt: skip
