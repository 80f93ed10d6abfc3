"""Hybrid search: BM25 and FAISS over the same chunks, fused with reciprocal rank fusion.

RRF (Cormack et al. 2009) scores a chunk Σ wᵢ / (k + rankᵢ) over the lists it appears in, so it
needs no score calibration between BM25 and cosine similarity. One `search` call produces the
`Evidence` that the router scores and the retrieval route answers from (no second search).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from assistant import spelling
from assistant.index.chunking import Chunk
from assistant.index.store import Scored
from assistant.index.tokenize import QUESTION_WORDS, tokenize
from assistant.injection import instructions_in
from assistant.llm.embeddings import IdentifiedEmbeddings

EVERY_WORD = 1.0 - 1e-9  # the coverage of a passage that holds every content word (a sum of floats)
CONTENT_PASSAGES = 10  # BM25 passages searched for one that holds every content word of the question


@dataclass
class Hit:
    chunk: Chunk
    score: float  # fused
    bm25_rank: int | None = None  # 1-based; None = not in that list's candidates
    dense_rank: int | None = None
    bm25_score: float | None = None
    dense_score: float | None = None  # cosine similarity
    added: bool = False  # read, not weighed: the vectors' closest passage RRF ranked lower (`HybridSearcher.rank`),
    # or the one holding every word of the question (`_with_every_word`)
    compared: bool = False  # the table row a superlative asks for, compared across its whole file (`turn._superlative_rows`)

    def to_json(self) -> dict:
        c = self.chunk
        return {
            "chunk_id": c.id,
            "source": c.source,
            "page": c.page,
            "section": c.section,
            "score": round(self.score, 5),
            "bm25_rank": self.bm25_rank,
            "dense_rank": self.dense_rank,
            "bm25_score": None if self.bm25_score is None else round(self.bm25_score, 4),
            "dense_score": None if self.dense_score is None else round(self.dense_score, 4),
            "added": self.added,
            "compared": self.compared,
            "text": c.text,
            "addresses_reader": instructions_in(c.text),
        }


@dataclass
class Evidence:
    """The result of one retrieval call."""

    query: str
    hits: list[Hit] = field(default_factory=list)
    embed_ms: float = 0.0
    search_ms: float = 0.0
    generation: str | None = None
    vector: np.ndarray | None = field(default=None, repr=False)  # the query embedding, reused by the router
    lexical: float = 0.0  # IDF-weighted share of the question's terms in the best BM25 passage
    content: float = 0.0  # the same for its content words alone (not "how do I"), best of the first BM25 passages
    # The first passage is both legs' first and holds every one of the question's content words (two or more).
    agreed: bool = False

    @property
    def fused(self) -> list[Hit]:
        """The hits RRF ranked first, what the router weighs: a passage only the vectors rank high
        (`Hit.added`) is read, but a folder answers a question only when a match survives both legs
        (weighed too, it moved the band's manual left out of the router's fit from 97.5 % to 85 %)."""
        return [h for h in self.hits if not h.added]

    @property
    def best_dense(self) -> float:
        return max((h.dense_score for h in self.fused if h.dense_score is not None), default=0.0)

    @property
    def agreement(self) -> float:
        """Share of the top hits that both retrievers found: they agree when it is high."""
        fused = self.fused
        if not fused:
            return 0.0
        return sum(h.bm25_rank is not None and h.dense_rank is not None for h in fused) / len(fused)


class HybridSearcher:
    def __init__(
        self,
        store,  # an index store: `IndexStore` or `qdrant.QdrantStore`
        embeddings: IdentifiedEmbeddings,
        *,
        candidates: int = 50,
        rrf_k: int = 60,
        bm25_weight: float = 1.0,
        dense_weight: float = 1.0,
    ) -> None:
        self.store, self.embeddings = store, embeddings
        self.candidates, self.rrf_k = candidates, rrf_k
        self.bm25_weight, self.dense_weight = bm25_weight, dense_weight

    def search(self, query: str, k: int = 5) -> Evidence:
        snapshot = self.store.snapshot()
        evidence = Evidence(query, generation=snapshot.manifest.generation if snapshot else None)
        if snapshot is None or not len(snapshot):
            started = time.perf_counter()
            evidence.vector = self.embeddings.embed_array([query])[0]
            evidence.embed_ms = (time.perf_counter() - started) * 1000
            return evidence
        if snapshot.manifest.embedding_model != self.embeddings.model_id:
            from assistant.errors import AssistantError

            raise AssistantError(
                f"the index was built with {snapshot.manifest.embedding_model}, but the active embedding model is "
                f"{self.embeddings.model_id}",
                "run `assistant ingest` to re-embed the knowledge folder",
            )
        started = time.perf_counter()
        vector = evidence.vector = self.embeddings.embed_array([query])[0]
        evidence.embed_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        tokens = tokenize(query, exact_numbers=True)
        evidence.hits, bm25, content, covered = self._ranked(snapshot, tokens, vector, k)
        evidence.lexical = snapshot.coverage(tokens, bm25[0][0]) if bm25 else 0.0
        evidence.content = max(covered, default=0.0)
        top = evidence.hits[0] if evidence.hits else None
        evidence.agreed = bool(top and top.bm25_rank == 1 and top.dense_rank == 1 and len(content) >= 2
                               and covered[0] >= EVERY_WORD)  # fmt: skip
        evidence.search_ms = (time.perf_counter() - started) * 1000
        return evidence

    def misspelt(self, text: str) -> dict[str, str]:
        """{misspelt word: the folder's word it meant} (`spelling.corrections`). The index is asked only
        for a question with an unknown word (on Qdrant a round trip); an empty folder holds every word
        as far as spelling goes: there is nothing to correct toward."""

        def held(terms: list[str]) -> list[bool]:
            snapshot = self.store.snapshot()
            return snapshot.mentions(terms) if snapshot is not None and len(snapshot) else [True] * len(terms)

        return spelling.corrections(text, held)

    def unheld(self, terms: list[str]) -> set[str]:
        """The `terms` (tokens) no passage of the folder holds; none for an empty folder, which holds
        nothing to tell them from."""
        snapshot = self.store.snapshot()
        if snapshot is None or not len(snapshot) or not terms:
            return set()
        return {t for t, held in zip(terms, snapshot.mentions(terms), strict=True) if not held}

    def unmentioned(self, names: list[str]) -> list[str]:
        """The `names` (a question's: `grounding.named_words`) the folder never mentions: one of
        their words is in no passage. A hyphenated word is in one when its parts are
        ("Samsung-Smart-Remote": "Samsung", "Smart", "Remote"), an "O'Brien" when its "Brien" is."""
        snapshot = self.store.snapshot()
        words = {w: [t for t in tokenize(w) if len(t) > 1] for name in names for w in name.split()}
        words = {w: terms for w, terms in words.items() if terms}
        if snapshot is None or not len(snapshot) or not words:
            return []
        asked = list(dict.fromkeys(t for terms in words.values() for t in terms))
        held = dict(zip(asked, snapshot.mentions(asked), strict=True))
        known = {w for w, ts in words.items() if held[ts[0]] or (len(ts) > 1 and all(held[t] for t in ts[1:]))}
        return [name for name in names if any(w in words and w not in known for w in name.split())]

    def fuse(self, snapshot, tokens: list[str], vector: np.ndarray, k: int) -> list[Hit]:
        """Both retrievers' candidates → RRF → the best k. No embedding work happens here."""
        return self._ranked(snapshot, tokens, vector, k)[0]

    def _ranked(self, snapshot, tokens: list[str], vector: np.ndarray,
                k: int) -> tuple[list[Hit], list[Scored], list[str], list[float]]:  # fmt: skip
        """(`fuse`'s hits, BM25's candidates, the question's content words, how much of them each of
        BM25's first passages holds): `search` weighs the last three too."""
        bm25, dense = snapshot.candidates(tokens, vector, self.candidates)  # one call (one round trip on Qdrant)
        content = list(dict.fromkeys(t for t in tokens if t not in QUESTION_WORDS))
        covered = [snapshot.coverage(content, c) for c, _ in bm25[:CONTENT_PASSAGES]] if content else []
        return _with_every_word(snapshot, content, bm25, covered, dense, self.rank(bm25, dense, k)), bm25, content, covered

    def rank(self, bm25: list[Scored], dense: list[Scored], k: int) -> list[Hit]:
        """RRF over the two legs' ranked candidates → the best k, the last of them given up for the
        vectors' closest passage when RRF ranked it lower. In a small folder RRF's ranks are nearly
        flat (k = 60): a passage first by meaning and tenth by words ("Does it remove smells?" →
        "…an activated carbon layer that reduces odours") lost to two that both legs ranked middling.
        Kept, the three passages held FreshQA's answer for 21 of 31 test questions (was 18) and the
        section that answers for as many or more in every scenario but two (dev splits: the TV
        paraphrases 42 → 40 of 49, the TV manual as a new manual 132 → 131 of 151; `./dev bench
        section_rank`). The answers barely moved (`assistant eval answers`): a question or two up or
        down per scenario, the quote still chosen from the passages' words first."""
        hits: dict[str, Hit] = {}
        for rank, (chunk, s) in enumerate(bm25, 1):
            hit = hits.setdefault(chunk.id, Hit(chunk, 0.0))
            hit.bm25_rank, hit.bm25_score = rank, s
            hit.score += self.bm25_weight / (self.rrf_k + rank)
        for rank, (chunk, s) in enumerate(dense, 1):
            hit = hits.setdefault(chunk.id, Hit(chunk, 0.0))
            hit.dense_rank, hit.dense_score = rank, s
            hit.score += self.dense_weight / (self.rrf_k + rank)
        top, texts = [], set()
        for hit in sorted(hits.values(), key=lambda h: (-h.score, h.chunk.id)):
            if len(top) == k:
                break
            if (text := _same(hit.chunk.text)) not in texts:  # a passage every page repeats is read once
                texts.add(text)
                top.append(hit)
        closest = hits.get(dense[0][0].id) if dense else None
        if k > 1 and len(top) == k and closest is not None and _same(closest.chunk.text) not in texts:
            closest.added = True
            top[-1] = closest
        return top


def _with_every_word(snapshot, content: list[str], bm25: list[Scored], covered: list[float], dense: list[Scored],
                     top: list[Hit]) -> list[Hit]:  # fmt: skip
    """The k passages, and after them BM25's best passage that holds every content word of the
    question when none of the k holds its rarest one (by the folder's IDF). "Can an accountant send
    invoices?" — the roles table says "cannot send invoices" in the Accountant row, BM25's first,
    tenth by meaning — lost to three invoice sections that never say "accountant". Not when the k
    hold the rarest word: "How many exoplanets have been discovered?" has "exoplanets" in all three,
    none of which says "many" and "been", and a fourth that did turned the quote to a list of pages.
    Read, not weighed by the router (`Hit.added`): put in an RRF passage's place, it moved the
    router's signals (that question became "not found")."""
    if len(top) < 2 or len(content) < 2 or (rarest := snapshot.rarest(content)) is None:
        return top
    if any(snapshot.coverage([rarest], h.chunk) > 0 for h in top):
        return top
    rank = next((n for n, c in enumerate(covered) if c >= EVERY_WORD), None)
    if rank is None:
        return top
    chunk, score = bm25[rank]
    closeness = next((s for c, s in dense if c.id == chunk.id), None)
    dense_rank = next((n for n, (c, _) in enumerate(dense, 1) if c.id == chunk.id), None)
    return [*top, Hit(chunk, 0.0, rank + 1, dense_rank, score, closeness, added=True)]


def _same(text: str) -> str:
    """What two copies of a passage share: a website's footer saved with each of its pages, a
    disclaimer pasted into every policy. Three copies filled all three places of the support line's
    question in a help centre's folder; one is enough, and the places go to other passages."""
    return " ".join(text.split()).lower()
