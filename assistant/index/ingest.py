"""Sync the index with the knowledge folder: embed only what is new or changed, drop what is gone.

A file is "unchanged" when its size and mtime match the manifest (no read at all, so a no-op run
over 1,000 files takes milliseconds), or when its bytes hash the same. Unchanged files keep their
chunks, vectors and term counts; the rest are loaded, chunked and embedded, and a new generation
is committed atomically. A file that cannot be read is skipped with a reason; if it was indexed
before, its previous version keeps serving.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from assistant.errors import AssistantError
from assistant.index.bm25 import Vocabulary, term_counts
from assistant.index.chunking import CHUNKING, Chunk, chunk_sections
from assistant.index.loaders import LOADERS, Unreadable, load_within, unsupported
from assistant.index.store import FileEntry, IndexStore, Manifest, Snapshot
from assistant.index.tokenize import tokenize
from assistant.llm.embeddings import IdentifiedEmbeddings

log = logging.getLogger(__name__)


@dataclass
class Progress:
    """What a progress bar needs; `phase` is "scan", "embed" or "commit"."""

    phase: str
    files_done: int = 0
    files_total: int = 0
    chunks_done: int = 0
    chunks_total: int = 0
    current: str = ""


@dataclass
class IngestSummary:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    chunks_embedded: int = 0
    chunks_total: int = 0
    generation: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    damage: str | None = None  # the current index was damaged: what was wrong (this run replaced it)

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.changed or self.deleted or self.generation)

    def to_json(self) -> dict:
        from dataclasses import asdict

        return asdict(self)


def file_problem(path: Path, root: Path, max_bytes: int) -> str | None:
    """Why `path` must not be indexed, or None. Checked before any byte is read."""
    name = path.name
    relative = str(path.relative_to(root))
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes arrive as surrogates
        return "file name is not valid UTF-8; rename it"
    if any(unicodedata.category(ch) == "Cc" for ch in relative):
        return "file name contains control characters; rename it"
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            return "symlink points outside the knowledge folder"
    if path.suffix.lower() not in LOADERS:
        return unsupported(name)
    size = path.stat().st_size
    if size == 0:
        return "empty file"
    if size > max_bytes:
        return f"too large ({size / 2**20:.0f} MB > {max_bytes / 2**20:.0f} MB; raise ASSISTANT_MAX_FILE_MB)"
    return None


def scan(root: Path) -> tuple[list[Path], list[Path]]:
    """(every visible file under `root`, sorted; folders that could not be read).

    Hidden files and folders (".x") are ignored. An unreadable folder is *not* an empty one: its
    files must not be taken for deleted (a permission or mount hiccup would wipe the index).
    """
    if not os.access(root, os.R_OK | os.X_OK) or not root.is_dir():
        raise AssistantError(
            f"cannot read the knowledge folder {root}",
            "check that it exists and that this user may read it; the current index keeps serving",
        )
    found, unreadable = [], []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=lambda e: unreadable.append(Path(e.filename))):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found += [Path(dirpath) / f for f in filenames if not f.startswith(".")]
    return sorted(found), unreadable


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class Ingestor:
    def __init__(
        self,
        knowledge_dir: Path,
        store: IndexStore,
        embeddings: IdentifiedEmbeddings,
        *,
        chunk_size: int = 600,
        chunk_overlap: int = 100,
        max_file_bytes: int = 50 * 2**20,
        max_file_chars: int | None = 3_000_000,
        max_file_seconds: float | None = 120,
        lock_timeout_s: float = 600,
        stop: threading.Event | None = None,
        lock=None,
        unreadable: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        """`stop`, once set, ends a run at the next file or embedding batch without committing
        anything: a server asked to shut down does so while a large folder is being indexed.
        `lock` (filelock's interface) keeps ingests apart; default: a file lock beside the index.
        `unreadable` (file → (content hash, reason)), shared across runs by its owner, spares a file
        that failed to read from being parsed again until its bytes change: with the watcher on, a
        decompression bomb was re-extracted (seconds of CPU) at every change anywhere in the folder."""
        self.root = Path(knowledge_dir)
        self.store = store
        self.embeddings = embeddings
        self.chunk_size, self.chunk_overlap = chunk_size, chunk_overlap
        self.max_file_bytes, self.max_file_chars = max_file_bytes, max_file_chars
        self.max_file_seconds = max_file_seconds
        self.lock_timeout_s = lock_timeout_s
        self.stop = stop or threading.Event()
        self.lock = lock
        self.unreadable = unreadable if unreadable is not None else {}

    def run(self, progress: Callable[[Progress], None] | None = None, on_wait: Callable[[], None] | None = None,
            rebuild: bool = False) -> IngestSummary:  # fmt: skip
        """Bring the index up to date with the folder; `rebuild` ignores the current index and
        embeds every file again (the way out of a damaged or doubtful index)."""
        from filelock import FileLock, Timeout

        if not self.root.is_dir():
            raise AssistantError(f"knowledge folder not found: {self.root}", "create it or set ASSISTANT_KNOWLEDGE_DIR")
        self.store.root.mkdir(parents=True, exist_ok=True)
        lock = self.lock or FileLock(self.store.lock_path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait()
            try:
                lock.acquire(timeout=self.lock_timeout_s)
            except Timeout:
                raise AssistantError(
                    "another ingest is still running", "wait for it to finish, or stop the other `assistant ingest`"
                ) from None
        try:
            report = progress or (lambda p: None)

            def progress_or_stop(p: Progress) -> None:
                if self.stop.is_set():
                    raise AssistantError("indexing stopped: the server is shutting down",
                                         "the previous index keeps serving; indexing resumes at the next start")  # fmt: skip
                report(p)

            return self._run_locked(progress_or_stop, rebuild)
        finally:
            lock.release()

    def _run_locked(self, progress: Callable[[Progress], None], rebuild: bool) -> IngestSummary:
        started = time.perf_counter()
        summary = IngestSummary()
        current = None if rebuild else self.store.working_copy()
        summary.damage = None if rebuild else self.store.warning
        damaged = summary.damage is not None  # then a new generation is written whatever changed
        model_id, dim = self.embeddings.model_id, self.embeddings.dimension
        if current is not None and (current.manifest.embedding_model, current.manifest.dimension) != (model_id, dim):
            summary.notes.append(
                f"embedding model changed ({current.manifest.embedding_model}, {current.manifest.dimension}d → "
                f"{model_id}, {dim}d): re-embedding every file"
            )
            current = None
        old_files = current.manifest.files if current else {}
        chunking = f"{CHUNKING}/{self.chunk_size}/{self.chunk_overlap}"
        recut = bool(old_files) and current.manifest.chunking != chunking
        if recut:
            summary.notes.append("files are cut into passages differently now: re-reading every file "
                                 "(passages that did not change keep their vectors)")  # fmt: skip

        files, unreadable = scan(self.root)
        hidden = [d.relative_to(self.root).as_posix() for d in unreadable if d.is_relative_to(self.root)]
        for folder in hidden:
            summary.notes.append(f"{folder}/: cannot be read, so its files keep their indexed version")
        keep: dict[str, FileEntry] = {}
        fresh: list[tuple[str, FileEntry, list[Chunk]]] = []
        seen: set[str] = set()
        for i, path in enumerate(files):
            rel = path.relative_to(self.root).as_posix()
            display = rel.encode("utf-8", "replace").decode("utf-8")
            progress(Progress("scan", i, len(files), current=display))
            seen.add(rel)
            try:
                problem = file_problem(path, self.root, self.max_file_bytes)
                if problem:
                    summary.skipped.append((display, problem))
                    if rel in old_files:
                        keep[rel] = old_files[rel]
                    continue
                stat = path.stat()
                old = old_files.get(rel)
                if old and not recut and old.size == stat.st_size and old.mtime == stat.st_mtime:
                    keep[rel] = old
                    continue
                digest = file_sha256(path)
                if old and not recut and old.hash == digest:
                    keep[rel] = FileEntry(digest, stat.st_mtime, stat.st_size, old.chunks)
                    continue
                failed = self.unreadable.get(rel)
                if failed and failed[0] == digest:
                    raise Unreadable(failed[1])
                try:
                    sections = load_within(path, self.max_file_chars, self.max_file_seconds)
                except Unreadable as exc:
                    self.unreadable[rel] = (digest, str(exc))
                    raise
            except FileNotFoundError:
                summary.skipped.append((rel, "deleted while being read"))
                seen.discard(rel)
                continue
            except Unreadable as exc:
                summary.skipped.append((rel, str(exc)))
                if rel in old_files:
                    keep[rel] = old_files[rel]
                    summary.notes.append(f"{rel}: kept the previously indexed version")
                continue
            except Exception as exc:  # a parser bug must not stop the rest of the folder
                log.warning("could not read %s", rel, exc_info=True)
                summary.skipped.append((rel, f"could not be read ({type(exc).__name__}: {exc})"))
                if rel in old_files:
                    keep[rel] = old_files[rel]
                continue
            chunks = chunk_sections(
                rel, sections, file_hash=digest, mtime=stat.st_mtime, chunk_size=self.chunk_size, overlap=self.chunk_overlap
            )
            (summary.changed if rel in old_files else summary.added).append(rel)
            fresh.append((rel, FileEntry(digest, stat.st_mtime, stat.st_size, len(chunks)), chunks))

        for rel in set(old_files) - seen:  # under an unreadable folder: unknown, not deleted
            if any(rel.startswith(f"{folder}/") or folder == "." for folder in hidden):
                keep[rel] = old_files[rel]
                seen.add(rel)
        summary.deleted = sorted(set(old_files) - seen)
        summary.unchanged = len(keep)  # only previously indexed files are kept (skipped ones keep their old version)
        timestamps_only = any(keep[r].mtime != old_files[r].mtime for r in keep)
        if current is not None and not fresh and not summary.deleted and not timestamps_only and not damaged:
            summary.chunks_total = len(current)
            summary.seconds = time.perf_counter() - started
            return summary

        snapshot = self._build(current, keep, fresh, model_id, dim, summary, progress)
        snapshot.manifest.chunking = chunking
        progress(Progress("commit", len(files), len(files), summary.chunks_embedded, summary.chunks_embedded))
        summary.generation = self.store.commit(snapshot)
        summary.chunks_total = len(snapshot)
        summary.seconds = time.perf_counter() - started
        log.info("ingest: %s", summary)
        return summary

    def _build(self, current, keep, fresh, model_id, dim, summary, progress) -> Snapshot:
        # Carry over unchanged files' rows as they are.
        if current is not None:
            kept_rows = [i for i, c in enumerate(current.chunks) if c.source in keep]
            chunks = [current.chunks[i] for i in kept_rows]
            vectors = [current.vectors[kept_rows]]
            vocab = Vocabulary(current.vocab.terms)
            tf_parts = [current.tf[kept_rows]]
        else:
            chunks, vectors, vocab, tf_parts = [], [], Vocabulary(), []
        new_chunks = [c for _, _, cs in fresh for c in cs]
        # Embed the new chunks, reusing vectors of passages the current index already has.
        reuse = current.row_of if current is not None else {}
        to_embed = [c for c in new_chunks if c.id not in reuse]
        new_vectors = np.zeros((len(new_chunks), dim), dtype=np.float32)
        position = {c.id: i for i, c in enumerate(new_chunks)}
        for c in new_chunks:
            if c.id in reuse:
                new_vectors[position[c.id]] = current.vectors[reuse[c.id]]
        batch = 32
        for start in range(0, len(to_embed), batch):
            part = to_embed[start : start + batch]
            progress(Progress("embed", chunks_done=start, chunks_total=len(to_embed), current=part[0].source))
            embedded = self.embeddings.embed_array([c.search_text for c in part])
            for c, v in zip(part, embedded, strict=True):
                new_vectors[position[c.id]] = v
        summary.chunks_embedded = len(to_embed)
        new_tf = term_counts((tokenize(c.search_text) for c in new_chunks), vocab)
        tf_parts = [_widen(p, len(vocab)) for p in [*tf_parts, new_tf]]
        files = dict(keep)
        files.update({rel: entry for rel, entry, _ in fresh})
        return Snapshot(
            Manifest(model_id, dim, files=files),
            chunks + new_chunks,
            np.concatenate([*vectors, new_vectors]) if vectors else new_vectors,
            sparse.vstack(tf_parts, format="csr") if tf_parts else new_tf,
            vocab,
        )


def _widen(matrix: sparse.csr_matrix, columns: int) -> sparse.csr_matrix:
    matrix = matrix.tocsr().astype(np.float32)
    if matrix.shape[1] < columns:
        matrix.resize((matrix.shape[0], columns))
    return matrix
