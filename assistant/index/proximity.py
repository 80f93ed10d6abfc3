"""The third search leg: does one sentence of the passage hold the question's words together?

BM25 and the vectors both score a passage as a bag: a manual section that says "band" and
"vibrate" in different paragraphs ranks with one whose single sentence says "the band vibrates
at night". Term proximity is the classic remedy (Tao & Zhai 2007; Büttcher et al. 2006); here it
is as plain as it gets — each candidate's best sentence, scored by the IDF-weighted share of the
question's content words it holds — and joins BM25 and the vectors as a third RRF list over the
candidates they already found (no index change, any store). IDF is counted over those candidates,
so it needs nothing from the index and sees what the question's words mean in this neighbourhood.

Weighted half as much as the other two lists: chosen on the dev splits with `./dev bench
section_rank` and on SciFact (session 15). Right file first after fusion, dev, off → 0.5: TV
manual as a new manual 0.649 → 0.709 (151), TV paraphrases in the folder 0.673 → 0.714 (49),
Galaxy Fit 0.857 → 0.857, FreshQA 0.931 → 0.931. At weight 1 the dev figures were the same within
a question or two, but SciFact's nDCG@10 fell 0.7128 → 0.7011 (claims are matched by whole
abstracts, not by one sentence); at 0.5 it holds (0.7123). README → Benchmarks → Right file first
has the test splits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache

import numpy as np

from assistant.index.chunking import Chunk
from assistant.index.tokenize import tokenize


@lru_cache(maxsize=8192)  # a chunk is immutable and asked about again and again: split it once
def sentence_terms(chunk: Chunk) -> tuple[frozenset[str], ...]:
    from assistant.grounding import sentences  # grounding's own splitting: headings and markup left out

    return tuple(frozenset(tokenize(s)) for s in sentences(chunk.text))


def best_sentence_share(chunks: Sequence[Chunk], terms: Collection[str]) -> np.ndarray:
    """For each chunk, the IDF-weighted share of `terms` that its best sentence holds (0–1), IDF
    over `chunks` (a term in every one of them weighs least)."""
    wanted = frozenset(terms)
    if not chunks or not wanted:
        return np.zeros(len(chunks))
    held = [[s & wanted for s in sentence_terms(c)] for c in chunks]
    pools = [frozenset().union(*h) if h else frozenset() for h in held]
    n = len(chunks)
    idf = {t: float(np.log(1 + n / (sum(t in p for p in pools) or 1))) for t in wanted}  # unseen: log(1 + n)
    total = sum(idf.values())
    return np.array([max((sum(idf[t] for t in s) for s in h), default=0.0) / total for h in held])
