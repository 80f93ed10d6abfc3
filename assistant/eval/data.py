"""Where the evaluation sets live (the repository's eval-data/) and how to read them."""

from __future__ import annotations

import json
import os
from pathlib import Path

from assistant.errors import AssistantError


def eval_dir() -> Path:
    """`ASSISTANT_EVAL_DIR`, else the repository's own `eval-data/` (sources and licences in its README)."""
    configured = os.environ.get("ASSISTANT_EVAL_DIR")
    path = Path(configured) if configured else Path(__file__).resolve().parents[2] / "eval-data"
    if path.is_dir():
        return path
    raise AssistantError(
        f"evaluation data not found at {path}",
        "run from a clone of the repository (it ships eval-data/), or set ASSISTANT_EVAL_DIR",
    )


def read_jsonl(path: Path) -> list[dict]:
    with path.open() as f:
        return [json.loads(line) for line in f if line.strip()]


def demo_knowledge_dir() -> Path:
    """The repository's demo knowledge folder: the fresh documents every evaluation folder starts from."""
    return Path(__file__).resolve().parents[2] / "knowledge"
