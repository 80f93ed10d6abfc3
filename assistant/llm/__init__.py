"""Language-model backends (embedded llama.cpp, Ollama) and the rule that picks one."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.llm.ollama import OllamaStatus, not_pulled, probe, unreachable
from assistant.settings import Backend, Settings


@dataclass(frozen=True)
class BackendChoice:
    backend: Backend  # EMBEDDED or OLLAMA, never AUTO
    reason: str
    ollama: OllamaStatus | None = None


def choose_backend(settings: Settings) -> BackendChoice:
    """Ollama when asked for, or in auto mode when it is reachable and has our models; else embedded."""
    if settings.backend is Backend.EMBEDDED:
        return BackendChoice(Backend.EMBEDDED, "ASSISTANT_BACKEND=embedded")
    status = probe(settings.ollama_host, settings.ollama_probe_timeout_s)
    wanted = (settings.ollama_model, settings.ollama_embed_model)
    missing = [m for m in wanted if not status.has(m)]
    if settings.backend is Backend.OLLAMA:
        if not status.reachable:
            raise unreachable(settings.ollama_host, status.error or "")
        if missing:
            raise not_pulled(missing[0], settings.ollama_host)
        return BackendChoice(Backend.OLLAMA, "ASSISTANT_BACKEND=ollama", status)
    if not status.reachable:
        reason = f"Ollama at {settings.ollama_host} is unreachable ({status.error}); using the embedded model"
        return BackendChoice(Backend.EMBEDDED, reason, status)
    if missing:
        pulls = " && ".join(f"ollama pull {m}" for m in missing)
        reason = f"Ollama at {settings.ollama_host} lacks {', '.join(missing)} (run `{pulls}`); using the embedded model"
        return BackendChoice(Backend.EMBEDDED, reason, status)
    return BackendChoice(Backend.OLLAMA, f"Ollama at {settings.ollama_host} has {' and '.join(wanted)}", status)


__all__ = ["BackendChoice", "choose_backend"]
