"""The index on disk: immutable generations, swapped in atomically.

    <index_dir>/
      CURRENT              name of the serving generation (replaced with os.replace)
      gen-<id>/            manifest.json, chunks.jsonl, vectors.npy, tf.npz, vocab.json
      .lock                held by the one ingest that may write

A new generation is written into `gen-<id>.partial/`, renamed, and only then named in CURRENT,
so a crash or kill at any point leaves the previous generation serving. Readers load a whole
generation into memory (`Snapshot`) and pick up a new one when CURRENT changes.

Disks and people damage files after the fact (a truncated `vectors.npy`, a hand-edited line, bytes
overwritten in place), so the manifest carries each data file's SHA-256 and a generation that
fails to load or to match them is not served: the previous good generation is (one is kept
beside the current one), with a warning naming the damage, and the next ingest writes a whole new
generation from it — or from nothing, with `assistant ingest --rebuild`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
import zipfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
from scipy import sparse

from assistant.errors import AssistantError
from assistant.index.bm25 import BM25Scorer, Vocabulary
from assistant.index.chunking import Chunk

log = logging.getLogger(__name__)
Scored = tuple[Chunk, float]
FORMAT_VERSION = 1
DATA_FILES = ("chunks.jsonl", "vectors.npy", "tf.npz", "vocab.json")


@dataclass
class FileEntry:
    hash: str
    mtime: float
    size: int
    chunks: int


@dataclass
class Manifest:
    embedding_model: str
    dimension: int
    files: dict[str, FileEntry] = field(default_factory=dict)
    generation: str = ""
    created: float = 0.0
    format: int = FORMAT_VERSION
    checksums: dict[str, str] = field(default_factory=dict)  # data file → SHA-256 (none in older indexes)
    chunking: str = ""  # how files were cut into passages (`chunking.CHUNKING`, size, overlap); "" in older indexes

    @classmethod
    def read(cls, path: Path) -> Manifest:
        return cls.from_json(json.loads(path.read_text()))

    @classmethod
    def from_json(cls, raw: dict) -> Manifest:
        known = {f.name for f in fields(cls)}  # a newer version's extra keys do not make the index "damaged"
        raw = {k: v for k, v in raw.items() if k in known}
        return cls(**dict(raw, files={k: FileEntry(**v) for k, v in raw["files"].items()}))

    def to_json(self) -> dict:
        return asdict(self)


class Snapshot:
    """One generation in memory: chunks, their vectors (FAISS) and term counts (BM25)."""

    def __init__(
        self,
        manifest: Manifest,
        chunks: list[Chunk],
        vectors: np.ndarray,
        tf: sparse.csr_matrix,
        vocab: Vocabulary,
    ) -> None:
        import faiss

        assert len(chunks) == vectors.shape[0] == tf.shape[0], "index rows out of step"
        # Vectors are kept as float16: half the memory and disk, and cosine scores change by < 1e-3.
        vectors = np.ascontiguousarray(vectors, dtype=np.float16)
        self.manifest, self.chunks, self.vectors, self.tf, self.vocab = manifest, chunks, vectors, tf, vocab
        self.bm25 = BM25Scorer(tf, vocab)
        # Exhaustive inner product (= cosine on unit vectors) over fp16 codes: exact ranking, and at
        # 100k chunks ~8 ms a query against ~15 ms for float32, since the scan is memory-bound.
        # One thread: a single query gains nothing from OpenMP, and busy-waiting threads slow
        # everything else on a 2-core machine (22 ms vs 15 ms measured).
        faiss.omp_set_num_threads(1)
        self.faiss = faiss.IndexScalarQuantizer(
            manifest.dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
        if len(chunks):
            self.faiss.add(vectors.astype(np.float32))
        self.row_of = {c.id: i for i, c in enumerate(chunks)}
        self._by_source: dict[str, list[Chunk]] | None = None  # built on the first `chunks_of`

    # The searching interface every index backend offers (`qdrant.QdrantIndex` is the other one).
    def candidates(self, tokens: list[str], vector: np.ndarray, n: int) -> tuple[list[Scored], list[Scored]]:
        """The best n chunks by BM25 and by cosine, each list best first with its own scores."""
        n = min(n, len(self))
        if not n:
            return [], []
        bm25_idx, bm25_scores = self.bm25.top(tokens, n)
        dense_scores, dense_idx = self.faiss.search(vector.reshape(1, -1).astype(np.float32), n)
        bm25 = [(self.chunks[i], s) for i, s in zip(bm25_idx.tolist(), bm25_scores.tolist(), strict=True)]
        dense = [(self.chunks[i], s) for i, s in zip(dense_idx[0].tolist(), dense_scores[0].tolist(), strict=True) if i >= 0]
        return bm25, dense

    def best_coverage(self, tokens: list[str]) -> float:
        return self.bm25.best_coverage(tokens)

    def coverage(self, tokens: list[str], chunk: Chunk) -> float:
        """`best_coverage` for a best BM25 chunk the caller already has (no second BM25 pass)."""
        return self.bm25.coverage(tokens, self.row_of[chunk.id])

    def mentions(self, terms: list[str]) -> list[bool]:
        return self.bm25.mentions(terms)

    def rarest(self, terms: list[str]) -> str | None:
        return self.bm25.rarest(terms)

    def chunks_of(self, source: str, limit: int | None = None) -> list[Chunk]:
        """A file's chunks in reading order, at most `limit` of them (a spreadsheet's rows:
        `turn._superlative_rows`)."""
        if self._by_source is None:
            by_source: dict[str, list[Chunk]] = {}
            for chunk in self.chunks:
                by_source.setdefault(chunk.source, []).append(chunk)
            self._by_source = by_source
        return self._by_source.get(source, [])[:limit]

    def nearest(self, vectors: np.ndarray) -> np.ndarray:
        """Each query vector's best cosine against the chunks."""
        best, _ = self.faiss.search(np.asarray(vectors, dtype=np.float32), 1)
        return best[:, 0]

    @classmethod
    def empty(cls, embedding_model: str, dimension: int) -> Snapshot:
        return cls(
            Manifest(embedding_model, dimension),
            [],
            np.zeros((0, dimension), dtype=np.float32),
            sparse.csr_matrix((0, 0), dtype=np.float32),
            Vocabulary(),
        )

    @classmethod
    def read(cls, directory: Path) -> Snapshot:
        """Load a generation, or raise `DamagedIndex` saying what is wrong with it."""
        try:
            manifest = Manifest.read(directory / "manifest.json")
            for name, expected in manifest.checksums.items():
                if _sha256(directory / name) != expected:
                    raise ValueError(f"{name} does not match its checksum")
            with (directory / "chunks.jsonl").open() as f:
                chunks = [Chunk(**json.loads(line)) for line in f]
            vectors = np.load(directory / "vectors.npy")
            tf = sparse.load_npz(directory / "tf.npz").tocsr()
            vocab = Vocabulary(json.loads((directory / "vocab.json").read_text()))
            return cls(manifest, chunks, vectors, tf, vocab)
        except DamagedIndex:
            raise
        except (OSError, ValueError, KeyError, TypeError, AssertionError, zipfile.BadZipFile) as exc:
            raise DamagedIndex(f"index generation {directory.name} is damaged ({exc})") from exc

    def write(self, directory: Path) -> None:
        directory.mkdir(parents=True)
        with (directory / "chunks.jsonl").open("w") as f:
            for c in self.chunks:
                f.write(json.dumps(c.to_json(), ensure_ascii=False) + "\n")
        np.save(directory / "vectors.npy", self.vectors)
        sparse.save_npz(directory / "tf.npz", self.tf, compressed=False)
        (directory / "vocab.json").write_text(json.dumps(self.vocab.terms, ensure_ascii=False))
        self.manifest.checksums = {name: _sha256(directory / name) for name in DATA_FILES}
        (directory / "manifest.json").write_text(json.dumps(self.manifest.to_json(), indent=1))
        for name in os.listdir(directory):
            _fsync(directory / name)
        _fsync(directory)

    def __len__(self) -> int:
        return len(self.chunks)


class DamagedIndex(AssistantError):
    """A generation on disk cannot be served as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "run `assistant ingest --rebuild` to index the folder again from scratch")


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class IndexStore:
    """Finds, loads and atomically replaces the serving generation under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._loaded: tuple[str, Snapshot | None, str | None] | None = None  # CURRENT, what serves, its dir
        self._load_lock = threading.Lock()
        self.warning: str | None = None  # set while CURRENT is damaged and an older generation (or none) serves

    @property
    def lock_path(self) -> Path:
        return self.root / ".lock"

    def working_copy(self) -> Snapshot | None:
        """What an ingest builds the next generation from: the serving one, in full."""
        return self.snapshot()

    def current_name(self) -> str | None:
        try:
            return (self.root / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def snapshot(self) -> Snapshot | None:
        """The serving generation, loaded once and reloaded only when CURRENT names another. When
        CURRENT's generation is damaged, the newest good one serves instead (None if there is none)."""
        name = self.current_name()
        if name is None:
            return None
        if self._loaded and self._loaded[0] == name:
            return self._loaded[1]
        with self._load_lock:
            if not (self._loaded and self._loaded[0] == name):
                started = time.perf_counter()
                try:
                    self._loaded, self.warning = (name, Snapshot.read(self.root / name), name), None
                except DamagedIndex as exc:
                    log.error("%s", exc)
                    self._loaded, self.warning = self._fallback(name, exc)
                if self._loaded[1] is not None:
                    log.info("loaded index %s (%d chunks) in %.2fs", self._loaded[2], len(self._loaded[1]),
                             time.perf_counter() - started)  # fmt: skip
            return self._loaded[1]

    def _fallback(self, name: str, damage: DamagedIndex) -> tuple[tuple[str, Snapshot | None, str | None], str]:
        older = sorted((d for d in self.root.glob("gen-*") if d.is_dir() and d.name != name and "." not in d.name),
                       key=lambda d: d.name, reverse=True)  # fmt: skip
        for directory in older:
            try:
                snapshot = Snapshot.read(directory)
            except DamagedIndex as exc:
                log.error("%s", exc)
                continue
            return (name, snapshot, directory.name), (
                f"{damage.message}; serving the previous generation {directory.name} until the next ingest replaces it")
        return (name, None, None), f"{damage.message}, and no earlier generation is intact; the next ingest indexes everything again"

    def commit(self, snapshot: Snapshot) -> str:
        """Write `snapshot` as a new generation and make it the serving one. Caller holds the lock."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
        snapshot.manifest.generation = name
        snapshot.manifest.created = time.time()
        partial = self.root / f"{name}.partial"
        try:
            snapshot.write(partial)
        except OSError as exc:  # a full disk must not leave a half-written generation behind
            shutil.rmtree(partial, ignore_errors=True)
            raise AssistantError(
                f"could not write the new index ({exc.strerror or exc})",
                "free disk space in the data dir and index again; the current index keeps serving",
            ) from None
        partial.rename(self.root / name)
        pointer = self.root / "CURRENT.tmp"
        pointer.write_text(name + "\n")
        _fsync(pointer)
        os.replace(pointer, self.root / "CURRENT")  # the atomic switch
        _fsync(self.root)
        previous = self._loaded[2] if self._loaded else None  # the last generation that served intact
        self._loaded, self.warning = (name, snapshot, name), None
        self.collect_garbage(keep={name, previous} - {None})
        return name

    def collect_garbage(self, keep: set[str]) -> None:
        """Remove half-written and superseded generations, but the one before the current: it is
        what serves if the current one is found damaged (readers hold theirs in memory)."""
        for entry in self.root.iterdir():
            if entry.is_dir() and entry.name.startswith("gen-") and entry.name not in keep:
                shutil.rmtree(entry, ignore_errors=True)
