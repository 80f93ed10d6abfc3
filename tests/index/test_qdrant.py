"""The Qdrant index backend (`ASSISTANT_INDEX=qdrant`) against Qdrant's local mode, and local mode
against Qdrant's real engine (`qdrant-edge-py`, the Rust shard in-process) for congruence."""

import socket

import numpy as np
import pytest

from assistant.index.ingest import Ingestor
from assistant.index.store import IndexStore
from assistant.retrieval import HybridSearcher

pytest.importorskip("qdrant_client", reason="the Qdrant client comes with the dev extra")
pytestmark = pytest.mark.slow

QUERIES = ["how do I pair the remote", "firmware 1402 fixes", "store reopening date", "QN90 price", "refund policy",
           "warranty for the panel"]  # fmt: skip


@pytest.fixture
def qdrant(tmp_path):
    from qdrant_client import QdrantClient

    from assistant.index.qdrant import QdrantStore

    return QdrantStore(tmp_path / "qindex", client=QdrantClient(":memory:"))


def test_the_qdrant_index_finds_what_the_embedded_one_finds(folder, tmp_path, minilm, qdrant):
    embedded = IndexStore(tmp_path / "index")
    Ingestor(folder, embedded, minilm).run()
    summary = Ingestor(folder, qdrant, minilm).run()
    assert summary.generation.startswith("crossroads-gen-") and summary.chunks_total == len(embedded.snapshot())
    for query in QUERIES:
        a, b = HybridSearcher(embedded, minilm).search(query, 3), HybridSearcher(qdrant, minilm).search(query, 3)
        assert [h.chunk.id for h in a.hits[:1]] == [h.chunk.id for h in b.hits[:1]], query
        assert a.best_dense == pytest.approx(b.best_dense, abs=2e-3)  # fp16 FAISS codes vs Qdrant's float32
        assert {h.chunk.source for h in a.hits} == {h.chunk.source for h in b.hits}, query
    assert 0 < len(qdrant.snapshot()) == summary.chunks_total


def test_a_generation_is_named_by_the_alias_only_when_whole(folder, minilm, qdrant, monkeypatch):
    ingestor = Ingestor(folder, qdrant, minilm)
    first = ingestor.run().generation
    (folder / "notice.txt").write_text("Service notice: the store reopened on 5 December.")

    def broken(*args, **kwargs):
        raise ConnectionError("Qdrant went away mid-upload")

    with monkeypatch.context() as m:
        m.setattr(qdrant.client, "upsert", broken)
        with pytest.raises(ConnectionError):
            ingestor.run()
    assert qdrant.current_name() == first  # still serving the old generation, the half-written one dropped
    assert [c.name for c in qdrant.client.get_collections().collections] == [first]
    summary = ingestor.run()
    assert summary.changed == ["notice.txt"] and summary.chunks_embedded == 1  # the rest came back from Qdrant
    assert qdrant.current_name() == summary.generation != first
    hits = HybridSearcher(qdrant, minilm).search("when did the store reopen", 1).hits
    assert "5 December" in hits[0].chunk.text
    (folder / "notice.txt").unlink()
    third = ingestor.run().generation
    assert {c.name for c in qdrant.client.get_collections().collections} == {summary.generation, third}


class EdgeEngine:
    """Thin test adapter: the same collection layout in Qdrant's real engine (an in-process shard)."""

    def __init__(self, path, dimension: int) -> None:
        import qdrant_edge as q

        self.q = q
        config = q.EdgeConfig(vectors={"dense": q.EdgeVectorParams(size=dimension, distance=q.Distance.Cosine)},
                              sparse_vectors={"bm25": q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)})  # fmt: skip
        self.shard = q.EdgeShard.create(str(path), config)

    def upsert(self, ids, vectors, sparse_vectors) -> None:
        q = self.q
        points = [q.Point(i, {"dense": v.tolist(), "bm25": q.SparseVector(s.indices, s.values)})
                  for i, v, s in zip(ids, vectors, sparse_vectors, strict=True)]  # fmt: skip
        self.shard.update(q.UpdateOperation.upsert_points(points))

    def scores(self, query, using: str, limit: int) -> list[float]:
        q = self.q
        if not isinstance(query, list):
            query = q.SparseVector(query.indices, query.values)
        found = self.shard.query(q.QueryRequest(limit=limit, query=q.Query.Nearest(query, using=using)))
        return [p.score for p in found]


def test_local_mode_scores_as_qdrants_engine_does(folder, tmp_path, minilm, qdrant):
    pytest.importorskip("qdrant_edge", reason="Qdrant's engine comes with the dev extra")
    from assistant.index.qdrant import point_id, sparse_documents, sparse_query
    from assistant.index.tokenize import tokenize

    Ingestor(folder, qdrant, minilm).run()
    snapshot = qdrant.working_copy()
    engine = EdgeEngine(tmp_path / "shard", snapshot.manifest.dimension)
    engine.upsert([point_id(c.id) for c in snapshot.chunks], np.asarray(snapshot.vectors, np.float32),
                  sparse_documents(snapshot))  # fmt: skip
    collection = qdrant.current_name()
    for query in QUERIES:
        sparse = sparse_query(tokenize(query))
        local = [p.score for p in qdrant.client.query_points(collection, query=sparse, using="bm25", limit=10).points]
        assert engine.scores(sparse, "bm25", 10) == pytest.approx(local, rel=1e-4), query
        vector = minilm.embed_array([query])[0].tolist()
        local = [p.score for p in qdrant.client.query_points(collection, query=vector, using="dense", limit=10).points]
        assert engine.scores(vector, "dense", 10) == pytest.approx(local, abs=1e-4), query


def test_an_unreachable_qdrant_server_is_one_clear_error(tmp_path, minilm):
    from assistant.errors import AssistantError
    from assistant.index.qdrant import QdrantStore

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = QdrantStore(tmp_path, url=f"http://127.0.0.1:{port}")
    with pytest.raises(AssistantError, match=f"127.0.0.1:{port} did not answer") as caught:
        HybridSearcher(store, minilm).search("how do I pair the remote")
    assert "ASSISTANT_QDRANT_URL" in caught.value.hint


def test_both_backends_know_which_names_the_folder_never_mentions(folder, tmp_path, minilm, qdrant):
    embedded = IndexStore(tmp_path / "index")
    for store in (embedded, qdrant):
        Ingestor(folder, store, minilm).run()
        searcher = HybridSearcher(store, minilm)
        names = ["Sonos", "QN90", "Wi-Fi", "Smart-Hub", "Dolby Vision", "Dolby Atmos", "Alexa"]
        assert searcher.unmentioned(names) == ["Sonos", "Dolby Atmos", "Alexa"]


def test_both_backends_give_a_files_rows_in_reading_order(folder, tmp_path, minilm, qdrant):
    """A spreadsheet is compared whole when asked which row has the most (`turn._superlative_rows`)."""
    (folder / "trackers.csv").write_text("Model,Price\n" + "".join(f"Tracker {n},${n * 10}\n" for n in range(1, 13)))
    embedded = IndexStore(tmp_path / "index")
    rows = []
    for store in (embedded, qdrant):
        Ingestor(folder, store, minilm).run()
        snapshot = store.snapshot()
        rows.append([c.text for c in snapshot.chunks_of("trackers.csv")])
        assert len(snapshot.chunks_of("trackers.csv", 5)) == 5 and snapshot.chunks_of("missing.csv") == []
    assert rows[0] == rows[1] and len(rows[0]) == 12
    assert rows[0][0].startswith("Model: Tracker 1\n") and rows[0][-1].startswith("Model: Tracker 12\n")
