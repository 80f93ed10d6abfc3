"""Create a fine-tuned domain as an Ollama model through Ollama's API (`/api/blobs`, `/api/create`).

The adapter GGUF is uploaded as a blob and attached to the base model named in the card; this
avoids the Modelfile `ADAPTER` line that newer Ollama releases are reported to reject.
"""

from __future__ import annotations

from pathlib import Path

from assistant.domains import ADAPTER_FILE, read_card
from assistant.errors import BadInput
from assistant.llm.backend import ollama_model_name
from assistant.llm.ollama import translated_errors


def register(domain_dir: Path, host: str, *, timeout_s: float) -> str:
    import ollama

    card, _ = read_card(domain_dir)
    adapter = domain_dir / ADAPTER_FILE
    if card is None or not adapter.is_file():
        raise BadInput(
            f"no fine-tuned domain at {domain_dir}", "train it first with `assistant finetune DATA --name NAME`"
        )
    model = ollama_model_name(card.name)
    base = card.raw["base_model"]["ollama"]
    client = ollama.Client(host=host, timeout=timeout_s)
    with translated_errors(host, base):
        client.show(base)  # fails with "run `ollama pull …`" when the base is missing
        digest = client.create_blob(adapter)
        for _ in client.create(model=model, from_=base, adapters={"adapter.gguf": digest}, stream=True):
            pass
    return model
