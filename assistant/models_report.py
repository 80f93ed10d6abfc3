"""What `assistant models` reports: the chosen backend and why, and what each backend offers.

Reads files and asks Ollama for its list, but loads no model, so it answers in about a second.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.domains import discover, read_card
from assistant.errors import AssistantError
from assistant.llm import choose_backend
from assistant.llm.embeddings import MINILM_DIM, MINILM_ID
from assistant.llm.ollama import probe
from assistant.settings import Backend, Settings


def report(settings: Settings) -> dict[str, Any]:
    from assistant.llm.embedded import check_gguf, default_model_path

    try:
        choice = choose_backend(settings)
        backend, reason, status = choice.backend.value, choice.reason, choice.ollama
    except AssistantError as exc:
        backend, reason, status = "unavailable", str(exc), None
    status = status or probe(settings.ollama_host, settings.ollama_probe_timeout_s)

    embedded: dict[str, Any] = {"model": None, "path": None, "available": False, "error": None}
    try:
        path = settings.model_path or default_model_path()
        embedded.update(model=path.stem, path=str(path))
        check_gguf(path, "model file")
        embedded["available"] = True
    except AssistantError as exc:
        embedded["error"] = str(exc)

    on_ollama = settings.embeddings is Backend.OLLAMA or (
        settings.embeddings is Backend.AUTO and backend == Backend.OLLAMA.value
    )
    return {
        "backend": backend,
        "reason": reason,
        "embedded": embedded,
        "ollama": {
            "host": status.host,
            "reachable": status.reachable,
            "models": list(status.models),
            "error": status.error,
            "chat_model": settings.ollama_model,
            "embed_model": settings.ollama_embed_model,
        },
        "embeddings": {
            "model_id": f"ollama:{settings.ollama_embed_model}" if on_ollama else MINILM_ID,
            "dimension": None if on_ollama else MINILM_DIM,
        },
        "adapters": [_domain(n, p) for n, p in discover(settings.adapters_dir)],
    }


def _domain(name: str, adapter: Path) -> dict[str, Any]:
    """A fine-tuned domain with the essentials of its card, and whether the router may pick it."""
    card, warning = read_card(adapter.parent)
    raw = card.raw if card else {}
    competence, membership = (card.competence, card.membership) if card else (None, None)
    return {
        "name": name,
        "path": str(adapter),
        "description": raw.get("description"),
        "base_model": (raw.get("base_model") or {}).get("file"),
        "created": raw.get("created"),
        "exemplars": len(card.exemplars) if card else 0,
        "heldout_token_f1": {
            "base": competence.f1_base if competence else None,
            "finetuned": competence.f1_finetuned if competence else None,
        },
        "in_domain_recall": membership.in_domain_recall if membership else None,
        "out_of_domain_false_accept": membership.false_accept if membership else None,
        "fingerprint_phrases": len(card.fingerprint.hashes) if card and card.fingerprint else None,
        "routed_automatically": card is not None and card.why_not_routed() is None,
        "why_not": (card.why_not_routed() if card else warning),
        "card": str(adapter.parent / "card.json") if card else None,
    }
