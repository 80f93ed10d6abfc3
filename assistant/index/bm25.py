"""BM25 scoring as a sparse matrix product, equal to rank-bm25's `BM25Okapi`.

`BM25Okapi.get_scores` loops over query terms in Python and over every document with NumPy:
~300 ms per query at 100k chunks here. Precomputing each (chunk, term) weight once turns a query
into a sum of a few sparse columns (a millisecond). The formula, including rank-bm25's idf floor
(`epsilon × mean idf` for terms in more than half the chunks), is rank-bm25's; a test checks
scores against `BM25Okapi` itself (given the same k1 and b).

k1 = 0.9 and b = 0.4 are Anserini's (Pyserini's) BM25 defaults rather than rank-bm25's 1.5 and
0.75: term frequency saturates sooner and long passages are penalised less, so a section that
repeats the product's name ("Find My Band" says "band" in every line) less often outranks the one
that answers ("How do I turn the band on or off?" now finds "Start using your device" first).
Chosen among six settings (k1 0.9–2.0, b 0.4 or 0.75; `./dev bench section_rank --weights …`) on
the dev splits, as the right file first after fusion — the TV manual as a new manual (151)
0.636 → 0.649, TV paraphrases with the manual in the folder (49) 0.673 → 0.673 (in the top 3:
0.816 → 0.857), the band's 21 unchanged (0.857), FreshQA's 29 0.897 → 0.931 — then confirmed on
the test splits (0.652 → 0.644 but top 3 0.785 → 0.807; 0.755 → 0.776; the band's 19 0.684 →
0.789; FreshQA's 31 0.935 unchanged) and on BEIR SciFact (hybrid nDCG@10 0.7122 → 0.7128; BM25
alone 0.6861 → 0.6770, still above the published 0.665).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

K1, B = 0.9, 0.4  # Anserini's defaults (see above); rank-bm25's are 1.5 and 0.75
EPSILON = 0.25  # rank-bm25's idf floor


class Vocabulary:
    """term → column id, growing as new chunks arrive (ids never change, so stored rows stay valid)."""

    def __init__(self, terms: Sequence[str] = ()) -> None:
        self.terms = list(terms)
        self.ids = {t: i for i, t in enumerate(self.terms)}

    def __len__(self) -> int:
        return len(self.terms)

    def add(self, term: str) -> int:
        if (i := self.ids.get(term)) is None:
            i = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return i


def term_counts(docs: Iterable[Sequence[str]], vocab: Vocabulary) -> sparse.csr_matrix:
    """(n_docs, len(vocab)) term-frequency matrix; adds unseen terms to `vocab`."""
    indptr, indices, data = [0], [], []
    for tokens in docs:
        counts = Counter(vocab.add(t) for t in tokens)
        indices.extend(counts.keys())
        data.extend(counts.values())
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.array(data, dtype=np.float32), np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=(len(indptr) - 1, len(vocab)),
    )


class BM25Scorer:
    """Scores every chunk for a query in one sparse product over precomputed weights."""

    def __init__(self, tf: sparse.csr_matrix, vocab: Vocabulary, *, k1: float = K1, b: float = B) -> None:
        tf = tf.tocsr().astype(np.float32)
        if tf.shape[1] < len(vocab):
            tf.resize((tf.shape[0], len(vocab)))
        self.vocab = vocab
        n_docs = tf.shape[0]
        doc_len = np.asarray(tf.sum(axis=1)).ravel()
        avgdl = doc_len.mean() if n_docs else 0.0
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float64)
        seen = df > 0
        idf = np.zeros(tf.shape[1])
        idf[seen] = np.log(n_docs - df[seen] + 0.5) - np.log(df[seen] + 0.5)
        # rank-bm25 averages idf over the corpus' terms and floors negative ones at epsilon × that mean.
        mean_idf = idf[seen].mean() if seen.any() else 0.0
        idf[seen & (idf < 0)] = EPSILON * mean_idf
        self.idf, self.seen = idf, seen
        norm = k1 * (1 - b + b * doc_len / avgdl) if n_docs else np.zeros(0)
        rows = np.repeat(np.arange(n_docs), np.diff(tf.indptr))
        weights = tf.data * (k1 + 1) / (tf.data + norm[rows]) * idf[tf.indices]
        self.matrix = sparse.csr_matrix((weights.astype(np.float32), tf.indices, tf.indptr), shape=tf.shape).tocsc()
        self.n_docs = n_docs
        self._rows = tf  # row access for `coverage`
        self._unseen_idf = float(np.log(n_docs + 0.5) - np.log(0.5)) if n_docs else 0.0

    def mentions(self, terms: Sequence[str]) -> list[bool]:
        """Does any chunk hold each term? (A removed file's terms stay in the vocabulary, unseen.)"""
        ids = [self.vocab.ids.get(t) for t in terms]
        return [i is not None and i < len(self.seen) and bool(self.seen[i]) for i in ids]

    def rarest(self, terms: Sequence[str]) -> str | None:
        """The term fewest chunks hold (highest IDF) of those some chunk holds, or None."""
        held = [(float(self.idf[i]), t) for t in terms if (i := self.vocab.ids.get(t)) is not None and i < len(self.seen) and self.seen[i]]
        return max(held)[1] if held else None

    def best_coverage(self, query_tokens: Sequence[str]) -> float:
        """`coverage` of the best BM25 chunk for the query (0 when no chunk matches at all)."""
        top, _ = self.top(query_tokens, 1)
        return self.coverage(query_tokens, int(top[0])) if len(top) else 0.0

    def coverage(self, query_tokens: Sequence[str], doc: int) -> float:
        """IDF-weighted share of the query's distinct terms that chunk `doc` contains (a term the
        folder has never seen weighs most: a question about something absent is not answered)."""
        terms = set(query_tokens)
        if not terms or not 0 <= doc < self.n_docs:
            return 0.0
        present = set(self._rows.indices[self._rows.indptr[doc] : self._rows.indptr[doc + 1]].tolist())
        total = covered = 0.0
        for t in terms:
            i = self.vocab.ids.get(t)
            weight = self._unseen_idf if i is None or i >= len(self.idf) else max(float(self.idf[i]), 1e-3)
            total += weight
            covered += weight if i is not None and i in present else 0.0
        return covered / total if total else 0.0

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25Okapi.get_scores: a repeated query term counts as often as it appears."""
        counts = Counter(self.vocab.ids[t] for t in query_tokens if t in self.vocab.ids)
        if not counts or not self.n_docs:
            return np.zeros(self.n_docs, dtype=np.float32)
        cols = np.fromiter(counts.keys(), dtype=np.int64)
        mult = np.fromiter(counts.values(), dtype=np.float32)
        return np.asarray(self.matrix[:, cols] @ mult).ravel()

    def top(self, query_tokens: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and scores of the best k chunks with a positive score, best first."""
        scores = self.scores(query_tokens)
        positive = np.flatnonzero(scores > 0)
        if positive.size > k:
            positive = positive[np.argpartition(-scores[positive], k - 1)[:k]]
        order = positive[np.argsort(-scores[positive], kind="stable")]
        return order, scores[order]
