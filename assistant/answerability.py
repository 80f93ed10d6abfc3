"""Is the knowledge folder's evidence strong enough to answer from? A bar measured on the folder itself.

One absolute cosine (the old 0.55, fitted on FreshQA pages and CLINC) does not transfer: a manual
of short sections scores every question higher than long encyclopedia pages do, and a folder in
another language scores everything lower. So the bar is set per index generation from how well
*general questions the folder is not about* (`membership.general_questions`) match it, on two
independent legs: the best passage's cosine, and the IDF-weighted share of the question's terms in
the best BM25 passage. A question is answerable when either leg beats all but a few of those
general questions (measured: the lexical leg lifts the TV manual in the folder from 91 % to 95 %
answerable without answering more out-of-scope questions). Recomputed whenever the index changes
(cached per generation; 250 searches, about a second).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path

import numpy as np

from assistant.fingerprint import OWN_SHARE
from assistant.index.bm25 import K1, B
from assistant.index.tokenize import tokenize

log = logging.getLogger(__name__)
FLOOR = 0.2  # below this cosine MiniLM similarity is noise whatever the folder
LEXICAL_FLOOR = 0.5  # the best BM25 passage holds at least half the question's (IDF-weighted) terms


class EvidenceBar:
    def __init__(self, store, embeddings, cache_dir: Path) -> None:
        self.store, self.embeddings, self.cache_dir = store, embeddings, cache_dir
        self._scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._foreign: dict[tuple, float] = {}
        self._lock = threading.Lock()

    def null_scores(self) -> tuple[np.ndarray, np.ndarray]:
        """(best-passage cosine, lexical coverage) of each general question against the current generation."""
        snapshot = self.store.snapshot()
        if snapshot is None or not len(snapshot):
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.float32)
        generation = snapshot.manifest.generation
        with self._lock:
            if generation not in self._scores:
                self._scores[generation] = self._measure(snapshot, generation)
            return self._scores[generation]

    def bar(self, percentile: float) -> tuple[float, float]:
        """(cosine bar, lexical bar) at `percentile` of the general questions; inf for an empty folder."""
        dense, lexical = self.null_scores()
        if not len(dense):
            return float("inf"), float("inf")  # an empty folder answers nothing
        return (max(FLOOR, float(np.percentile(dense, percentile))),
                max(LEXICAL_FLOOR, float(np.percentile(lexical, percentile))))  # fmt: skip

    def foreign_share(self, domain: str, exemplars: np.ndarray, fingerprint, percentile: float,
                      names: frozenset[str] = frozenset()) -> float:  # fmt: skip
        """Share of a domain's own training questions that this folder answers (best passage's cosine
        over the bar) from passages that are neither the domain's documents (`fingerprint`) nor name
        its product (`names`, `fingerprint.product_terms`): near the general questions' rate for a
        folder about something else or the same product's other papers, far above it for another
        product's manual. Dense only (one vector search per exemplar); cached per index generation."""
        snapshot = self.store.snapshot()
        if snapshot is None or not len(snapshot) or not len(exemplars):
            return 0.0
        key = (snapshot.manifest.generation, domain, percentile, fingerprint.digest, tuple(sorted(names)))
        bar = self.bar(percentile)[0]  # outside the lock, which it takes itself
        with self._lock:
            if key not in self._foreign:
                self._foreign[key] = self._foreign_measured(snapshot, key, exemplars, fingerprint, bar, names)
            return self._foreign[key]

    def _foreign_measured(self, snapshot, key: tuple, exemplars: np.ndarray, fingerprint, bar: float,
                          names: frozenset[str]) -> float:  # fmt: skip
        """`foreign_share`, read from the cache when this generation was measured before (each
        `assistant ask` is a new process: a large folder's 467 searches cost seconds)."""
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:16]
        path = self.cache_dir / f"foreign-{key[0]}-{digest}.json"
        try:
            return float(json.loads(path.read_text())["share"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        foreign = []
        for vector in np.asarray(exemplars, dtype=np.float32):
            dense = snapshot.candidates([], vector, 3)[1]  # the searching interface every backend has
            foreign.append(bool(dense) and dense[0][1] >= bar
                           and max(fingerprint.share(c.text) for c, _ in dense) < OWN_SHARE
                           and not names & set(tokenize(dense[0][0].search_text)))  # fmt: skip
        share = float(np.mean(foreign))
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"generation": key[0], "domain": key[1], "share": round(share, 6)}))
        except OSError as exc:  # a read-only or full disk costs a recomputation, nothing more
            log.warning("could not cache the folder's foreign share: %s", exc)
        return share

    def _measure(self, snapshot, generation: str) -> tuple[np.ndarray, np.ndarray]:
        path = self.cache_dir / f"evidence-bar-{generation}-bm25-{K1}-{B}.json"  # the lexical leg depends on both
        try:
            cached = json.loads(path.read_text())
            return np.array(cached["dense"], dtype=np.float32), np.array(cached["lexical"], dtype=np.float32)
        except (OSError, ValueError, KeyError):
            pass
        from assistant.index.tokenize import tokenize
        from assistant.membership import general_questions

        dense = np.asarray(snapshot.nearest(self._general_vectors()), dtype=np.float32)
        lexical = np.array([snapshot.best_coverage(tokenize(q, exact_numbers=True)) for q in general_questions()],
                           dtype=np.float32)  # as `HybridSearcher.search` reads a question
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"generation": generation, "dense": [round(float(s), 4) for s in dense],
                                        "lexical": [round(float(s), 4) for s in lexical]}))  # fmt: skip
        except OSError as exc:  # a read-only or full disk costs a recomputation, nothing more
            log.warning("could not cache the evidence bar: %s", exc)
        return dense, lexical

    def _general_vectors(self) -> np.ndarray:
        from assistant.membership import general_questions

        path = self.cache_dir / f"general-{self.embeddings.model_id.replace('/', '_')}.npy"
        try:
            return np.load(path)
        except (OSError, ValueError):
            vectors = self.embeddings.embed_array(general_questions()).astype(np.float32)
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
        except OSError:
            pass
        return vectors
