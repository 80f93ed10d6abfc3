"""Is the knowledge folder's evidence strong enough to answer from? A bar measured on the folder itself.

One absolute cosine (the old 0.55, fitted on FreshQA pages and CLINC) does not transfer: a manual
of short sections scores every question higher than long encyclopedia pages do, and a folder in
another language scores everything lower. So the bar is set per index generation from how well
*general questions the folder is not about* (`membership.general_questions`) match it: a question
is answerable when its best passage matches better than all but a few of those do. Recomputed
whenever the index changes (cached per generation; 250 vector searches, about a second).
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import numpy as np

from assistant.index.store import IndexStore

log = logging.getLogger(__name__)
FLOOR = 0.2  # below this cosine MiniLM similarity is noise whatever the folder


class EvidenceBar:
    def __init__(self, store: IndexStore, embeddings, cache_dir: Path) -> None:
        self.store, self.embeddings, self.cache_dir = store, embeddings, cache_dir
        self._scores: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def null_scores(self) -> np.ndarray:
        """Best-passage cosine of each general question against the current generation."""
        snapshot = self.store.snapshot()
        if snapshot is None or not len(snapshot):
            return np.zeros(0, dtype=np.float32)
        generation = snapshot.manifest.generation
        with self._lock:
            if generation not in self._scores:
                self._scores[generation] = self._measure(snapshot, generation)
            return self._scores[generation]

    def bar(self, percentile: float) -> float:
        scores = self.null_scores()
        if not len(scores):
            return float("inf")  # an empty folder answers nothing
        return max(FLOOR, float(np.percentile(scores, percentile)))

    def _measure(self, snapshot, generation: str) -> np.ndarray:
        path = self.cache_dir / f"evidence-bar-{generation}.json"
        try:
            return np.array(json.loads(path.read_text())["scores"], dtype=np.float32)
        except (OSError, ValueError, KeyError):
            pass
        vectors = self._general_vectors()
        best, _ = snapshot.faiss.search(vectors, 1)
        scores = best[:, 0].astype(np.float32)
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"generation": generation, "scores": [round(float(s), 4) for s in scores]}))
        except OSError as exc:  # a read-only or full disk costs a recomputation, nothing more
            log.warning("could not cache the evidence bar: %s", exc)
        return scores

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
