"""Where the evaluation sets live and how to read them (DESIGN.md §4)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from assistant.errors import AssistantError


def eval_dir() -> Path:
    """`ASSISTANT_EVAL_DIR`, else `../shared/eval` next to the repository (where CI puts it)."""
    configured = os.environ.get("ASSISTANT_EVAL_DIR")
    candidates = [Path(configured)] if configured else []
    repo = Path(__file__).resolve().parents[2]
    candidates += [repo.parent / "shared" / "eval", Path.cwd().parent / "shared" / "eval"]
    for path in candidates:
        if path.is_dir():
            return path
    raise AssistantError("evaluation data not found", "set ASSISTANT_EVAL_DIR to the shared/eval folder")


def read_jsonl(path: Path) -> list[dict]:
    with path.open() as f:
        return [json.loads(line) for line in f if line.strip()]
