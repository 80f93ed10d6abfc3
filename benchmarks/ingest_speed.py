"""Ingestion throughput vs. the bare embedding model, and the cost of one new PDF in a 50k index.

    python -m benchmarks.ingest_speed [--sections 80] [--base-chunks 50000] [--json]

A. End to end: `Ingestor.run` over TV-manual sections written as Markdown files into an empty
   index, in chunks/s, against `MiniLMEmbeddings.embed_array` alone on the same chunk texts
   (goal: ≥ 0.8×, i.e. embedding is the limit).
B. Incremental: a 50k-chunk index of real chunks (SciFact text in 500 Markdown files; random
   unit vectors stand in for their embeddings, which would take hours to compute here) gets one
   new 20-page PDF. Reported: total ingest time, the PDF's own embedding time, and the rest
   (goal: embedding + ≤ 2 s).
C. No-op: a second run over 1,000 unchanged files (goal: well under a second).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.eval.data import eval_dir, read_jsonl
from assistant.index.bm25 import Vocabulary, term_counts
from assistant.index.chunking import chunk_sections
from assistant.index.ingest import Ingestor, file_sha256
from assistant.index.loaders import load
from assistant.index.store import FileEntry, IndexStore, Manifest, Snapshot
from assistant.index.tokenize import tokenize
from assistant.llm.embeddings import MiniLMEmbeddings
from benchmarks import report as report_cli


class TimedEmbeddings:
    """Wraps the real model and adds up the time spent embedding."""

    def __init__(self, inner: MiniLMEmbeddings) -> None:
        self.inner, self.seconds, self.count = inner, 0.0, 0
        self.model_id, self.dimension = inner.model_id, inner.dimension

    def embed_array(self, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        out = self.inner.embed_array(texts)
        self.seconds += time.perf_counter() - started
        self.count += len(texts)
        return out


def end_to_end(sections: int, embedder: MiniLMEmbeddings) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "knowledge"
        root.mkdir()
        for s in read_jsonl(eval_dir() / "tv-manual" / "sections.jsonl")[:sections]:
            (root / f"{s['id']}.md").write_text(f"# {s['title']}\n\n{s['text']}\n")
        store = IndexStore(Path(tmp) / "index")
        started = time.perf_counter()
        summary = Ingestor(root, store, embedder).run()
        total = time.perf_counter() - started
        texts = [c.search_text for c in store.snapshot().chunks]
    started = time.perf_counter()
    for i in range(0, len(texts), 32):
        embedder.embed_array(texts[i : i + 32])
    bare = time.perf_counter() - started
    return {
        "files": sections,
        "chunks": summary.chunks_embedded,
        "ingest_chunks_per_s": round(summary.chunks_embedded / total, 2),
        "bare_embedding_chunks_per_s": round(len(texts) / bare, 2),
        "ratio": round((summary.chunks_embedded / total) / (len(texts) / bare), 3),
    }


def incremental(base_chunks: int, embedder: MiniLMEmbeddings) -> dict:
    from fpdf import FPDF

    corpus = read_jsonl(eval_dir() / "scifact" / "corpus.jsonl")
    paragraphs = [f"{d['title']}. {d['text']}"[:550] for d in corpus]
    per_file = 100
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "knowledge"
        root.mkdir()
        chunks, files = [], {}
        for f in range(base_chunks // per_file):
            path = root / f"paper-{f:04d}.md"
            start = f * per_file
            path.write_text("\n\n".join(paragraphs[(start + i) % len(paragraphs)] + f" (file {f})" for i in range(per_file)))
            stat = path.stat()
            file_chunks = chunk_sections(path.name, load(path), file_hash=file_sha256(path), mtime=stat.st_mtime)
            chunks += file_chunks
            files[path.name] = FileEntry(file_sha256(path), stat.st_mtime, stat.st_size, len(file_chunks))
        rng = np.random.default_rng(0)
        vectors = rng.normal(size=(len(chunks), embedder.dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        vocab = Vocabulary()
        tf = term_counts((tokenize(c.search_text) for c in chunks), vocab)
        store = IndexStore(Path(tmp) / "index")
        store.commit(Snapshot(Manifest(embedder.model_id, embedder.dimension, files), chunks, vectors, tf, vocab))

        pdf = FPDF()
        pdf.set_font("Helvetica", size=11)
        for page in range(20):
            pdf.add_page()
            text = " ".join(paragraphs[(4000 + page * 3 + i) % len(paragraphs)] for i in range(3))
            pdf.multi_cell(0, 6, text.encode("latin-1", "replace").decode("latin-1"))  # core fonts are Latin-1
        pdf.output(str(Path(tmp) / "report.pdf"))  # outside the folder until copied in

        # Cold: a fresh `assistant ingest` process has to load the 50k generation from disk first.
        # Warm: the server's watcher, whose index is already in memory.
        results = {}
        for mode in ("cold", "warm"):
            reader = IndexStore(store.root)
            if mode == "warm":
                reader.snapshot()
                import langchain_community.document_loaders.pdf  # noqa: F401  (imported once per process)
            (root / f"new-report-{mode}.pdf").write_bytes((Path(tmp) / "report.pdf").read_bytes())
            timed = TimedEmbeddings(embedder)
            started = time.perf_counter()
            summary = Ingestor(root, reader, timed).run()
            total = time.perf_counter() - started
            results[mode] = {
                "pdf_chunks": summary.chunks_embedded,
                "total_s": round(total, 2),
                "pdf_embedding_s": round(timed.seconds, 2),
                "overhead_s": round(total - timed.seconds, 2),
            }
    return {"base_chunks": len(chunks), **results}


class NoEmbeddings:
    """A no-op run must not embed anything: fail loudly if it tries."""

    model_id, dimension = "synthetic", 384

    def embed_array(self, texts):
        raise AssertionError("a no-op ingest tried to embed")


def noop(files: int = 1000) -> dict:
    """C. A second run over `files` unchanged files: no file read, nothing embedded."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "knowledge"
        root.mkdir()
        chunks, entries = [], {}
        for i in range(files):
            path = root / f"doc-{i:04d}.md"
            path.write_text(f"# Doc {i}\n\nParagraph {i} about topic {i % 17}.")
            stat = path.stat()
            file_chunks = chunk_sections(path.name, load(path), file_hash=file_sha256(path), mtime=stat.st_mtime)
            chunks += file_chunks
            entries[path.name] = FileEntry(file_sha256(path), stat.st_mtime, stat.st_size, len(file_chunks))
        vectors = np.random.default_rng(0).normal(size=(len(chunks), 384)).astype(np.float32)
        vocab = Vocabulary()
        tf = term_counts((tokenize(c.search_text) for c in chunks), vocab)
        store = IndexStore(Path(tmp) / "index")
        store.commit(Snapshot(Manifest("synthetic", 384, entries), chunks, vectors, tf, vocab))
        out = {"files": files}
        for mode, reader in (("cold", IndexStore(store.root)), ("warm", store)):
            started = time.perf_counter()
            summary = Ingestor(root, reader, NoEmbeddings()).run()
            out[f"{mode}_ms"] = round((time.perf_counter() - started) * 1000, 1)
            assert summary.unchanged == files and not summary.changed_anything
    return out


def main() -> None:
    parser = report_cli.parser(__doc__)
    parser.add_argument("--sections", type=int, default=80)
    parser.add_argument("--base-chunks", type=int, default=50_000)
    args = parser.parse_args()
    embedder = MiniLMEmbeddings()
    report = {
        "end_to_end": end_to_end(args.sections, embedder),
        "incremental": incremental(args.base_chunks, embedder),
        "noop": noop(),
    }
    if not report_cli.save("ingest_speed", report, as_json=args.json):
        return
    e, i = report["end_to_end"], report["incremental"]
    print(f"end to end: {e['chunks']} chunks from {e['files']} files at {e['ingest_chunks_per_s']} chunks/s; "
          f"bare embedding {e['bare_embedding_chunks_per_s']} chunks/s → {e['ratio']}× (goal ≥ 0.8×)")
    n = report["noop"]
    print(f"no-op run over {n['files']} unchanged files: {n['cold_ms']} ms (fresh process), {n['warm_ms']} ms (server)")
    for mode in ("cold", "warm"):
        m = i[mode]
        print(f"incremental ({mode}): +1 20-page PDF ({m['pdf_chunks']} chunks) into {i['base_chunks']:,} chunks: "
              f"{m['total_s']} s = {m['pdf_embedding_s']} s embedding + {m['overhead_s']} s other (goal ≤ 2 s)")


if __name__ == "__main__":
    main()
