"""`assistant eval retrieval`: BEIR SciFact quality for BM25, dense and hybrid in one run.

Each abstract is one chunk (title as its section, as BEIR indexes title + text), so the three
retrievers run over exactly the index structures the product uses (`Snapshot`, `BM25Scorer`,
FAISS, `HybridSearcher.fuse`) — or, with `--index qdrant`, over the product's Qdrant backend. Corpus embeddings are cached under the data dir, keyed by the
embedding model and the corpus' hash, so reruns take seconds.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from assistant.eval.data import eval_dir, read_jsonl
from assistant.index.bm25 import Vocabulary, term_counts
from assistant.index.chunking import Chunk
from assistant.index.store import Manifest, Snapshot
from assistant.index.tokenize import tokenize
from assistant.retrieval import HybridSearcher

PUBLISHED = {"bm25": 0.665, "dense (TAS-B)": 0.643, "bm25 + cross-encoder": 0.688}  # BEIR, Thakur et al. 2021


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(rel / math.log2(i + 2) for i, rel in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int = 100) -> float:
    hits = len(set(ranked[:k]) & {d for d, r in relevant.items() if r > 0})
    return hits / max(1, sum(1 for r in relevant.values() if r > 0))


def cached_vectors(texts: list[str], embeddings, cache_dir: Path, progress=None) -> np.ndarray:
    key = hashlib.sha256(("\x00".join(texts) + embeddings.model_id).encode()).hexdigest()[:16]
    path = cache_dir / f"vectors-{key}.npy"
    if path.exists():
        return np.load(path)
    out = np.zeros((len(texts), embeddings.dimension), dtype=np.float32)
    step = 64
    for start in range(0, len(texts), step):
        out[start : start + step] = embeddings.embed_array(texts[start : start + step])
        if progress:
            progress(min(start + step, len(texts)), len(texts))
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return out


def load_scifact(root: Path) -> tuple[list[Chunk], dict[str, str], dict[str, dict[str, int]]]:
    corpus = read_jsonl(root / "corpus.jsonl")
    chunks = [Chunk(str(d["_id"]), "", None, d.get("title") or None, 0, len(d["text"]), d["text"], "", 0.0) for d in corpus]
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (root / "qrels-test.tsv").read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].isdigit():
            qrels[parts[0]][parts[1]] = int(parts[2])
    queries = {str(q["_id"]): q["text"] for q in read_jsonl(root / "queries.jsonl") if str(q["_id"]) in qrels}
    return chunks, queries, dict(qrels)


def qdrant_index(snapshot: Snapshot):
    """The same chunks and vectors in a Qdrant collection (local mode, in memory), searched through
    the product's Qdrant backend."""
    import tempfile

    from qdrant_client import QdrantClient

    from assistant.index.qdrant import QdrantStore

    store = QdrantStore(Path(tempfile.mkdtemp(prefix="scifact-qdrant-")), client=QdrantClient(":memory:"))
    store.commit(snapshot)
    return store.snapshot()


def run(services, *, limit: int | None = None, progress=None, backend: str = "embedded") -> dict:
    settings = services.settings
    chunks, queries, qrels = load_scifact(eval_dir() / "scifact")
    embeddings = services.embeddings
    started = time.perf_counter()
    texts = [c.search_text for c in chunks]
    vectors = cached_vectors(texts, embeddings, settings.data_dir / "cache" / "scifact", progress)
    embed_s = time.perf_counter() - started
    vocab = Vocabulary()
    tf = term_counts((tokenize(t) for t in texts), vocab)
    snapshot = Snapshot(Manifest(embeddings.model_id, embeddings.dimension), chunks, vectors, tf, vocab)
    index = qdrant_index(snapshot) if backend == "qdrant" else snapshot
    searcher = HybridSearcher(
        None, embeddings, candidates=100, rrf_k=settings.rrf_k,
        bm25_weight=settings.bm25_weight, dense_weight=settings.dense_weight,
    )  # fmt: skip
    query_items = sorted(queries.items())[:limit] if limit else sorted(queries.items())
    query_vectors = embeddings.embed_array([q for _, q in query_items])
    scores: dict[str, dict[str, list[float]]] = {
        name: {"ndcg@10": [], "recall@100": []} for name in ("bm25", "dense", "hybrid")
    }
    for (qid, text), qvec in zip(query_items, query_vectors, strict=True):
        tokens = tokenize(text)
        bm25, dense = index.candidates(tokens, qvec, 100)
        rankings = {
            "bm25": [c.id for c, _ in bm25],
            "dense": [c.id for c, _ in dense],
            "hybrid": [h.chunk.id for h in searcher.rank(bm25, dense, 100)],
        }
        for name, ranked in rankings.items():
            scores[name]["ndcg@10"].append(ndcg_at(ranked, qrels[qid]))
            scores[name]["recall@100"].append(recall_at(ranked, qrels[qid]))
    return {
        "dataset": "BEIR SciFact test (Wadden et al. 2020)",
        "queries": len(query_items),
        "documents": len(chunks),
        "embedding_model": embeddings.model_id,
        "index": backend,
        "fusion": {"rrf_k": settings.rrf_k, "bm25_weight": settings.bm25_weight, "dense_weight": settings.dense_weight},
        "results": {
            name: {metric: round(float(np.mean(values)), 4) for metric, values in metrics.items()}
            for name, metrics in scores.items()
        },
        "published_ndcg@10": PUBLISHED,
        "corpus_embedding_s": round(embed_s, 1),
    }
