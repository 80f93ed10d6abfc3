"""The app wiring: builds each heavy part once, on first use, from one `Settings`.

The CLI and the chat app each own one `Services`; nothing else holds global state. Every part is
created lazily so that `assistant --help` and `assistant models` never load a model they don't need.
"""

from __future__ import annotations

import logging
import threading
from contextlib import nullcontext
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.settings import Backend, Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.index.ingest import Ingestor
    from assistant.index.store import IndexStore
    from assistant.llm import BackendChoice
    from assistant.llm.embedded import EmbeddedRuntime
    from assistant.llm.embeddings import IdentifiedEmbeddings
    from assistant.retrieval import HybridSearcher
    from assistant.router import Router

ADAPTER_FILE = "adapter.gguf"
ROUTER_FILE = "router.json"  # the router's calibration, stored with the adapters
log = logging.getLogger(__name__)


def discover_adapters(adapters_dir: Path) -> list[tuple[str, Path]]:
    """Fine-tuned domains on disk: `adapters/NAME/adapter.gguf`, sorted so ids are stable."""
    if not adapters_dir.is_dir():
        return []
    return [(d.name, d / ADAPTER_FILE) for d in sorted(adapters_dir.iterdir()) if (d / ADAPTER_FILE).is_file()]


class Services:
    def __init__(self, settings: Settings, *, extra_adapters: list[tuple[str, Path]] = ()) -> None:
        self.settings = settings
        self._extra_adapters = list(extra_adapters)
        self._lock = threading.Lock()
        self.warnings: list[str] = []  # shown once to the user (CLI stderr, chat start)

    @cached_property
    def backend(self) -> BackendChoice:
        from assistant.llm import choose_backend

        return choose_backend(self.settings)

    @property
    def adapters(self) -> list[tuple[str, Path]]:
        return discover_adapters(self.settings.adapters_dir) + self._extra_adapters

    @cached_property
    def runtime(self) -> EmbeddedRuntime:
        from assistant.llm.embedded import EmbeddedRuntime, default_model_path

        s = self.settings
        with self._lock:
            return EmbeddedRuntime(
                s.model_path or default_model_path(),
                threads=s.threads,
                batch_threads=s.batch_threads,
                context_size=s.context_size,
                adapters=self.adapters,
            )

    def chat_model(self, adapter: str | None = None, *, grounded: bool = False) -> BaseChatModel:
        """The base model (adapter None) or a fine-tuned one, on the chosen backend.

        `grounded` (answering from passages) turns the repeat penalty off: it counts the prompt's
        tokens too, so it would push the model away from the very words it should quote
        (measured: FreshQA token F1 0.150 → 0.066 with 1.15).
        """
        s = self.settings
        repeat_penalty = 1.0 if grounded else s.repeat_penalty
        if self.backend.backend is Backend.OLLAMA:
            from assistant.llm.ollama import chat_model

            name = ollama_model_name(adapter) if adapter else s.ollama_model
            return chat_model(
                s.ollama_host, name, timeout_s=s.ollama_timeout_s, max_tokens=s.max_tokens, temperature=s.temperature,
                repeat_penalty=repeat_penalty,
            )  # fmt: skip
        from assistant.llm.embedded import ChatEmbedded

        return ChatEmbedded(
            runtime=self.runtime, adapter=adapter, max_tokens=s.max_tokens, temperature=s.temperature,
            repeat_penalty=repeat_penalty,
        )  # fmt: skip

    def model_label(self, adapter: str | None = None) -> str:
        if self.backend.backend is Backend.OLLAMA:
            return f"ollama:{ollama_model_name(adapter) if adapter else self.settings.ollama_model}"
        return self.chat_model(adapter).model_name  # type: ignore[attr-defined]

    def errors(self, adapter: str | None = None):
        """Context that turns backend exceptions into `AssistantError`s with a fix."""
        if self.backend.backend is Backend.OLLAMA:
            from assistant.llm.ollama import translated_errors

            s = self.settings
            return translated_errors(s.ollama_host, ollama_model_name(adapter) if adapter else s.ollama_model)
        return nullcontext()

    @cached_property
    def embeddings(self) -> IdentifiedEmbeddings:
        s = self.settings
        use_ollama = s.embeddings is Backend.OLLAMA or (
            s.embeddings is Backend.AUTO and self.backend.backend is Backend.OLLAMA
        )
        if use_ollama:
            from assistant.llm.embeddings import OllamaIdentifiedEmbeddings

            return OllamaIdentifiedEmbeddings(s.ollama_host, s.ollama_embed_model, timeout_s=s.ollama_timeout_s)
        from assistant.llm.embeddings import MiniLMEmbeddings

        return MiniLMEmbeddings(threads=s.threads, batch_size=s.embed_batch_size)

    @cached_property
    def store(self) -> IndexStore:
        from assistant.index.store import IndexStore

        return IndexStore(self.settings.index_dir)

    @cached_property
    def searcher(self) -> HybridSearcher:
        from assistant.retrieval import HybridSearcher

        s = self.settings
        return HybridSearcher(
            self.store,
            self.embeddings,
            candidates=s.candidates,
            rrf_k=s.rrf_k,
            bm25_weight=s.bm25_weight,
            dense_weight=s.dense_weight,
        )

    def ingestor(self, knowledge_dir: Path | None = None) -> Ingestor:
        from assistant.index.ingest import Ingestor

        s = self.settings
        return Ingestor(
            knowledge_dir or s.knowledge_dir,
            self.store,
            self.embeddings,
            chunk_size=s.chunk_size,
            chunk_overlap=s.chunk_overlap,
            max_file_bytes=int(s.max_file_mb * 2**20),
            lock_timeout_s=s.ingest_lock_timeout_s,
        )

    @cached_property
    def router(self) -> Router:
        from assistant.router import Calibration, Router, load_domains

        s = self.settings
        calibration, warning = Calibration.load(s.adapters_dir / ROUTER_FILE)
        if warning:
            log.warning(warning)
            self.warnings.append(warning)
        names = [name for name, _ in discover_adapters(s.adapters_dir)]  # ad-hoc `--adapter`s have no card
        domains = load_domains(s.adapters_dir, names, self.embeddings, s.data_dir / "cache")
        return Router(domains, self.embeddings, calibration)

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


def ollama_model_name(adapter: str) -> str:
    """Name under which `assistant finetune --register` creates a domain model in Ollama."""
    return f"crossroads-{adapter}"
