"""The app wiring: builds each heavy part once, on first use, from one `Settings`.

The CLI and the chat app each own one `Services`; nothing else holds global state. Every part is
created lazily so that `assistant --help` and `assistant models` never load a model they don't need.
"""

from __future__ import annotations

import logging
import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.domains import discover
from assistant.settings import IndexBackend, Settings

if TYPE_CHECKING:
    from assistant.answerability import EvidenceBar
    from assistant.index.ingest import Ingestor
    from assistant.index.qdrant import QdrantStore
    from assistant.index.store import IndexStore
    from assistant.llm.backend import EmbeddedBackend, OllamaBackend
    from assistant.llm.embeddings import IdentifiedEmbeddings
    from assistant.retrieval import HybridSearcher
    from assistant.router import Router
    from assistant.turn import TurnPipeline

log = logging.getLogger(__name__)


class Services:
    def __init__(self, settings: Settings, *, extra_adapters: list[tuple[str, Path]] = ()) -> None:
        self.settings = settings
        self._extra_adapters = list(extra_adapters)
        self.warnings: list[str] = []  # shown once to the user (CLI stderr, chat start)
        self.stopping = threading.Event()  # set on shutdown: a running ingest ends without committing
        self.unreadable: dict[str, tuple[str, str]] = {}  # file → (hash, why): not parsed again until it changes

    @property
    def adapters(self) -> list[tuple[str, Path]]:
        return discover(self.settings.adapters_dir) + self._extra_adapters

    @cached_property
    def llm(self) -> EmbeddedBackend | OllamaBackend:
        from assistant.llm.backend import make_backend

        return make_backend(self.settings, self.adapters)

    @property
    def embeddings(self) -> IdentifiedEmbeddings:
        return self.llm.embeddings

    @cached_property
    def store(self) -> IndexStore | QdrantStore:
        s = self.settings
        if s.index is IndexBackend.QDRANT:
            from assistant.index.qdrant import QdrantStore

            key = s.qdrant_api_key.get_secret_value() if s.qdrant_api_key else None
            return QdrantStore(s.index_dir, url=s.qdrant_url, api_key=key, alias=s.qdrant_collection)
        from assistant.index.store import IndexStore

        return IndexStore(s.index_dir)

    @cached_property
    def searcher(self) -> HybridSearcher:
        from assistant.retrieval import HybridSearcher

        s = self.settings
        return HybridSearcher(
            self.store, self.embeddings, candidates=s.candidates, rrf_k=s.rrf_k, bm25_weight=s.bm25_weight,
            dense_weight=s.dense_weight,
        )  # fmt: skip

    def ingestor(self, knowledge_dir: Path | None = None) -> Ingestor:
        from assistant.index.ingest import Ingestor
        from assistant.index.locks import ingest_lock

        s = self.settings
        return Ingestor(
            knowledge_dir or s.knowledge_dir, self.store, self.embeddings, chunk_size=s.chunk_size,
            chunk_overlap=s.chunk_overlap, max_file_bytes=s.max_file_bytes, max_file_chars=s.max_file_chars,
            max_file_seconds=s.max_file_seconds,
            lock_timeout_s=s.ingest_lock_timeout_s, stop=self.stopping, lock=ingest_lock(s, self.store.lock_path),
            unreadable=self.unreadable,
        )  # fmt: skip

    @cached_property
    def evidence_bar(self) -> EvidenceBar:
        from assistant.answerability import EvidenceBar

        return EvidenceBar(self.store, self.embeddings, self.settings.data_dir / "cache")

    @cached_property
    def router(self) -> Router:
        from assistant.domains import ROUTER_FILE, load_cards
        from assistant.router import Policy, Router, load_domains

        s = self.settings
        policy, warning = Policy.load(s.adapters_dir / ROUTER_FILE)
        cards, card_warnings = load_cards(s.adapters_dir)  # ad-hoc `--adapter`s have no card
        for message in ([warning] if warning else []) + card_warnings:
            log.info(message)
            self.warnings.append(message)  # each face shows these once
        domains = load_domains(cards, self.embeddings, s.data_dir / "cache")
        return Router(domains, self.embeddings, policy, self.evidence_bar.bar, self.evidence_bar.foreign_share)

    @cached_property
    def pipeline(self) -> TurnPipeline:
        from assistant.turn import TurnPipeline

        return TurnPipeline(self.searcher, self.router, self.llm, self.settings, on_route=self.log_route)

    def log_route(self, question: str, decision, *, forced: bool) -> None:
        """One JSON line per turn (question hashed, not stored) for later evaluation."""
        import hashlib
        import json
        import time

        record = {
            "time": time.time(),
            "question_sha256": hashlib.sha256(question.encode("utf-8", "replace")).hexdigest()[:16],
            "forced": forced,
            **decision.to_json(),
        }
        try:
            self.settings.log_dir.mkdir(parents=True, exist_ok=True)
            with (self.settings.log_dir / "routing.jsonl").open("a") as f:
                f.write(json.dumps(record) + "\n")
        except OSError as exc:  # a full disk must not break answering
            log.warning("could not log the routing decision: %s", exc)
