"""One object per language-model backend, answering the four questions the rest of the app asks:
which chat model for this domain, which embeddings, what to call it, and is it ready (and if not,
why). Adding a backend means adding a class here and a case in `make_backend`.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.settings import Backend, Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.llm import BackendChoice
    from assistant.llm.embedded import EmbeddedRuntime
    from assistant.llm.embeddings import IdentifiedEmbeddings


def ollama_model_name(adapter: str) -> str:
    """Name under which `assistant finetune --register` creates a domain model in Ollama."""
    return f"crossroads-{adapter}"


class _Base:
    def __init__(self, settings: Settings, choice: BackendChoice) -> None:
        self.settings, self.choice = settings, choice

    def _repeat_penalty(self, grounded: bool) -> float:
        # Grounded answers quote the passages; the repeat penalty counts the prompt's tokens too and
        # pushes the model away from the very words it should quote (FreshQA F1 0.150 → 0.066).
        return 1.0 if grounded else self.settings.repeat_penalty

    @cached_property
    def embeddings(self) -> IdentifiedEmbeddings:
        s = self.settings
        use_ollama = s.embeddings is Backend.OLLAMA or (s.embeddings is Backend.AUTO and self.choice.backend is Backend.OLLAMA)
        if use_ollama:
            from assistant.llm.embeddings import OllamaIdentifiedEmbeddings

            return OllamaIdentifiedEmbeddings(s.ollama_host, s.ollama_embed_model, timeout_s=s.ollama_timeout_s)
        from assistant.llm.embeddings import MiniLMEmbeddings

        return MiniLMEmbeddings(threads=s.threads, batch_size=s.embed_batch_size)

    def ready(self) -> tuple[bool, str]:
        return True, self.choice.reason


class EmbeddedBackend(_Base):
    """llama.cpp in this process: one loaded model serves the base and every LoRA adapter."""

    def __init__(self, settings: Settings, choice: BackendChoice, adapters: list[tuple[str, Path]]) -> None:
        super().__init__(settings, choice)
        self.adapters = adapters
        self._lock = threading.Lock()

    @cached_property
    def runtime(self) -> EmbeddedRuntime:
        from assistant.llm.embedded import EmbeddedRuntime, default_model_path

        s = self.settings
        with self._lock:
            return EmbeddedRuntime(
                s.model_path or default_model_path(), threads=s.threads, batch_threads=s.batch_threads,
                context_size=s.context_size, adapters=self.adapters,
            )  # fmt: skip

    def chat_model(self, adapter: str | None = None, *, grounded: bool = False) -> BaseChatModel:
        from assistant.llm.embedded import ChatEmbedded

        s = self.settings
        return ChatEmbedded(
            runtime=self.runtime, adapter=adapter, max_tokens=s.max_tokens, temperature=s.temperature,
            repeat_penalty=self._repeat_penalty(grounded), cache_prompt=s.prompt_cache,
        )  # fmt: skip

    def label(self, adapter: str | None = None) -> str:
        return self.chat_model(adapter).model_name  # type: ignore[attr-defined]

    def errors(self, adapter: str | None = None) -> AbstractContextManager:
        return nullcontext()


class OllamaBackend(_Base):
    """Running Ollama servers (one, or several in turn); fine-tuned domains are models registered
    as `crossroads-NAME` on each."""

    def __init__(self, settings: Settings, choice: BackendChoice) -> None:
        from assistant.llm.ollama import HostPool, parse_hosts

        super().__init__(settings, choice)
        self.pool = HostPool(parse_hosts(settings.ollama_host))

    def _name(self, adapter: str | None) -> str:
        return ollama_model_name(adapter) if adapter else self.settings.ollama_model

    def chat_model(self, adapter: str | None = None, *, grounded: bool = False) -> BaseChatModel:
        from assistant.llm.ollama import chat_model

        s = self.settings
        return chat_model(
            self.pool, self._name(adapter), timeout_s=s.ollama_timeout_s, max_tokens=s.max_tokens,
            temperature=s.temperature, repeat_penalty=self._repeat_penalty(grounded),
        )  # fmt: skip

    def label(self, adapter: str | None = None) -> str:
        return f"ollama:{self._name(adapter)}"

    def errors(self, adapter: str | None = None) -> AbstractContextManager:
        from assistant.llm.ollama import translated_errors

        return translated_errors(self.pool.label, self._name(adapter))

    def ready(self) -> tuple[bool, str]:
        from assistant.llm.ollama import probe

        status = probe(self.settings.ollama_host, self.settings.ollama_probe_timeout_s)
        if not status.reachable:
            return False, f"Ollama at {self.settings.ollama_host} is unreachable ({status.error})"
        return True, self.choice.reason


def make_backend(settings: Settings, adapters: list[tuple[str, Path]]) -> EmbeddedBackend | OllamaBackend:
    from assistant.llm import choose_backend

    choice = choose_backend(settings)
    match choice.backend:
        case Backend.OLLAMA:
            return OllamaBackend(settings, choice)
        case _:
            return EmbeddedBackend(settings, choice, adapters)
