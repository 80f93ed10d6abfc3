"""Hybrid search latency at 10k and 100k chunks, query embedding time, and index memory.

    python -m benchmarks.retrieval_speed [--sizes 10000 100000] [--queries 200] [--json]

The corpus is SciFact's abstracts cut into ~600-character chunks and repeated (with a copy
number appended, so BM25 statistics stay realistic) up to each size; vectors are random unit
vectors (FAISS' exact search costs the same whatever the values). Search time is one
`HybridSearcher.fuse` call — BM25 top-k + FAISS top-k + RRF — and excludes query embedding,
which is timed separately with the real MiniLM model. Peak RSS is measured in a fresh process
that loads the index from disk and searches it, as the server does.

With `qdrant-edge-py` installed (the dev extra), the same chunks and vectors also go into Qdrant's
real engine (an in-process shard, the collection layout of `ASSISTANT_INDEX=qdrant`), and one hybrid
query — BM25 and dense prefetches of 50, fused by RRF with k = 61 (= our k = 60), exact dense
search like FAISS' flat index — is timed the same way (`--engines embedded` skips it).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.eval.data import eval_dir, read_jsonl
from assistant.index.bm25 import Vocabulary, term_counts
from assistant.index.chunking import Chunk
from assistant.index.store import IndexStore, Manifest, Snapshot
from assistant.index.tokenize import tokenize
from assistant.retrieval import HybridSearcher
from benchmarks import report as report_cli


def base_chunks(size: int = 600) -> list[str]:
    out = []
    for doc in read_jsonl(eval_dir() / "scifact" / "corpus.jsonl"):
        text = f"{doc['title']}. {doc['text']}"
        out += [text[i : i + size] for i in range(0, len(text), size - 100)]
    return out


def build(n: int, texts: list[str], dim: int = 384, seed: int = 0) -> Snapshot:
    rng = np.random.default_rng(seed)
    corpus = [texts[i % len(texts)] + (f" copy{i // len(texts)}" if i >= len(texts) else "") for i in range(n)]
    chunks = [Chunk(f"c{i}", f"doc{i // 50}.md", None, None, 0, len(t), t, "", 0.0) for i, t in enumerate(corpus)]
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vocab = Vocabulary()
    tf = term_counts((tokenize(t) for t in corpus), vocab)
    return Snapshot(Manifest("synthetic", dim), chunks, vectors, tf, vocab)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


RSS_PROBE = """
import sys, time
from assistant.index.store import IndexStore
from assistant.retrieval import HybridSearcher
from assistant.index.tokenize import tokenize
import numpy as np
def hwm():  # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec
    line = next(l for l in open("/proc/self/status") if l.startswith("VmHWM"))
    return int(line.split()[1]) / 1024
before = hwm()
started = time.perf_counter()
snap = IndexStore(sys.argv[1]).snapshot()
load_s = time.perf_counter() - started
HybridSearcher(None, None).fuse(snap, tokenize("protein expression in cells"), np.ones(384, np.float32) / 384**0.5, 5)
print(before, hwm(), load_s)
"""


def edge_timings(snap: Snapshot, tokens: list[list[str]], vectors: list[np.ndarray]) -> dict:
    """One hybrid query per question through Qdrant's engine, on the same chunks and vectors."""
    import qdrant_edge as q

    from assistant.index.qdrant import point_id, sparse_documents, sparse_query

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        config = q.EdgeConfig(vectors={"dense": q.EdgeVectorParams(size=snap.manifest.dimension, distance=q.Distance.Cosine)},
                              sparse_vectors={"bm25": q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)})  # fmt: skip
        shard = q.EdgeShard.create(tmp, config)
        sparse = sparse_documents(snap)
        for lo in range(0, len(snap.chunks), 2000):
            shard.update(q.UpdateOperation.upsert_points([
                q.Point(point_id(c.id), {"dense": snap.vectors[i].tolist(), "bm25": q.SparseVector(sparse[i].indices, sparse[i].values)})
                for i, c in enumerate(snap.chunks[lo : lo + 2000], lo)]))  # fmt: skip
        build_s = time.perf_counter() - started

        def query(t: list[str], v: np.ndarray):
            s = sparse_query(t)
            return shard.query(q.QueryRequest(limit=5, query=q.Fusion.Rrf(k=61), prefetches=[
                q.Prefetch(50, query=q.Query.Nearest(q.SparseVector(s.indices, s.values), using="bm25")),
                q.Prefetch(50, query=q.Query.Nearest(v.tolist(), using="dense"), params=q.SearchParams(exact=True))]))  # fmt: skip

        query(tokens[0], vectors[0])  # warm up
        times = []
        for t, v in zip(tokens, vectors, strict=True):
            started = time.perf_counter()
            query(t, v)
            times.append((time.perf_counter() - started) * 1000)
        shard.close()
    return {"search_ms": {"p50": round(percentile(times, 50), 2), "p95": round(percentile(times, 95), 2)},
            "build_s": round(build_s, 1)}  # fmt: skip


def main() -> None:
    parser = report_cli.parser(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--engines", nargs="+", default=["embedded", "qdrant-edge"], choices=["embedded", "qdrant-edge"])
    args = parser.parse_args()

    from assistant.llm.embeddings import MiniLMEmbeddings

    queries = [q["text"] for q in read_jsonl(eval_dir() / "scifact" / "queries.jsonl")][: args.queries]
    embedder = MiniLMEmbeddings()
    embed_ms = []
    query_vectors = []
    for q in queries:
        started = time.perf_counter()
        query_vectors.append(embedder.embed_array([q])[0])
        embed_ms.append((time.perf_counter() - started) * 1000)
    texts = base_chunks()
    searcher = HybridSearcher(None, None)
    report = {"queries": len(queries), "query_embedding_ms": {"p50": round(percentile(embed_ms, 50), 2),
                                                               "p95": round(percentile(embed_ms, 95), 2)}, "sizes": {}}
    for n in args.sizes:
        started = time.perf_counter()
        snap = build(n, texts)
        build_s = time.perf_counter() - started
        tokens = [tokenize(q) for q in queries]
        searcher.fuse(snap, tokens[0], query_vectors[0], 5)  # warm up
        times = []
        for t, v in zip(tokens, query_vectors, strict=True):
            started = time.perf_counter()
            searcher.fuse(snap, t, v, 5)
            times.append((time.perf_counter() - started) * 1000)
        with tempfile.TemporaryDirectory() as tmp:
            store = IndexStore(Path(tmp))
            store.commit(snap)
            probe = subprocess.run([sys.executable, "-c", RSS_PROBE, tmp], capture_output=True, text=True, check=True)
            base_rss, peak_rss, load_s = map(float, probe.stdout.split())
        report["sizes"][str(n)] = {
            "search_ms": {"p50": round(percentile(times, 50), 2), "p95": round(percentile(times, 95), 2)},
            "build_s": round(build_s, 1),
            "load_from_disk_s": round(load_s, 2),
            "peak_rss_mib": round(peak_rss),
            "rss_before_load_mib": round(base_rss),
        }
        if "qdrant-edge" in args.engines:
            report["sizes"][str(n)]["qdrant_edge"] = edge_timings(snap, tokens, query_vectors)
        del snap
    if not report_cli.save("retrieval_speed", report, as_json=args.json):
        return
    print(f"query embedding (MiniLM int8, 1 thread): p50 {report['query_embedding_ms']['p50']} ms, "
          f"p95 {report['query_embedding_ms']['p95']} ms")
    for n, r in report["sizes"].items():
        print(f"{int(n):>7,} chunks: search p50 {r['search_ms']['p50']} ms, p95 {r['search_ms']['p95']} ms "
              f"(goal at 100k: ≤ 20 / ≤ 50); index process peak RSS {r['peak_rss_mib']} MiB "
              f"({r['rss_before_load_mib']} before loading), load {r['load_from_disk_s']} s")
        if "qdrant_edge" in r:
            e = r["qdrant_edge"]
            print(f"{'':>7}  Qdrant engine (qdrant-edge): hybrid p50 {e['search_ms']['p50']} ms, p95 "
                  f"{e['search_ms']['p95']} ms = {e['search_ms']['p50'] / r['search_ms']['p50']:.2f}× the embedded store "
                  f"(goal ≤ 1.5×); upsert {e['build_s']} s")


if __name__ == "__main__":
    main()
