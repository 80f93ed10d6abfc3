"""Training data for a domain: read and check Q/A JSONL, and the fixed TV-manual demo split.

Accepted lines: `{"question": ..., "answer": ...}` or chat style
`{"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}`. Errors name the line.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import BadInput

log = logging.getLogger(__name__)
MIN_EXAMPLES = 20


@dataclass(frozen=True)
class Example:
    question: str
    answer: str


def _from_record(record: object, line: int) -> Example:
    if not isinstance(record, dict):
        raise BadInput(f"line {line}: expected a JSON object", 'use {"question": "...", "answer": "..."}')
    if "messages" in record:
        messages = record["messages"]
        users = [m.get("content", "") for m in messages if isinstance(m, dict) and m.get("role") == "user"]
        bots = [m.get("content", "") for m in messages if isinstance(m, dict) and m.get("role") == "assistant"]
        if not users or not bots:
            raise BadInput(f"line {line}: 'messages' needs a user and an assistant message", "")
        question, answer = users[-1], bots[-1]
    else:
        question, answer = record.get("question"), record.get("answer")
    if not isinstance(question, str) or not isinstance(answer, str) or not question.strip() or not answer.strip():
        raise BadInput(
            f"line {line}: needs non-empty string fields 'question' and 'answer'",
            'each line must look like {"question": "...", "answer": "..."}',
        )
    return Example(" ".join(question.split()), answer.strip())


def read_examples(path: Path) -> tuple[list[Example], list[str]]:
    """Examples and warnings (duplicates dropped, too little data)."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"training data not found: {path}", "pass a JSONL file of question/answer pairs")
    examples, warnings, seen = [], [], {}
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadInput(f"{path.name} line {n}: invalid JSON ({exc.msg})", "fix that line and run again") from None
            example = _from_record(record, n)
            key = example.question.lower()
            if key in seen:
                warnings.append(f"line {n}: duplicate of line {seen[key]} ('{example.question[:50]}'), skipped")
                continue
            seen[key] = n
            examples.append(example)
    if not examples:
        raise BadInput(f"{path.name} has no examples", 'add lines like {"question": "...", "answer": "..."}')
    if len(examples) < MIN_EXAMPLES:
        warnings.append(f"only {len(examples)} examples: fine-tuning usually needs {MIN_EXAMPLES}+ to learn anything")
    return examples, warnings


def data_hash(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for e in examples:
        digest.update(f"{e.question}\x00{e.answer}\x00".encode())
    return digest.hexdigest()


# --- the demo domain: TV e-manual (eval-data/tv-manual) ---------------------------------------
HELD_OUT_SECTIONS = 12  # whole sections never seen in training: tests generalisation vs. recall


def tv_manual_split(qa: list[dict]) -> dict[str, list[dict]]:
    """The fixed split: train = normal/compound/yes-no questions outside held-out sections;
    test_paraphrased = paraphrases whose original (same answer) is in train (recall in other
    words), less dev_paraphrased (a quarter of them, for early stopping and picking the checkpoint); test_sections = every question of the held-out sections (never trained on).

    Held-out sections are chosen deterministically (by hash of their path), so the split is the
    same on every machine without storing ids.
    """
    sections = sorted({q["section_path"] for q in qa}, key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    held = set(sections[:HELD_OUT_SECTIONS])
    train = [q for q in qa if q["kind"] != "paraphrased" and q["section_path"] not in held]
    train_answers = {q["answer"].strip() for q in train}
    train_questions = {" ".join(q["question"].lower().split()) for q in train}
    paraphrased_all = [
        q
        for q in qa
        if q["kind"] == "paraphrased"
        and q["section_path"] not in held
        and q["answer"].strip() in train_answers
        and " ".join(q["question"].lower().split()) not in train_questions  # some "paraphrases" are verbatim
    ]
    # A quarter of the paraphrases (by hash) pick the checkpoint; the rest are only reported.
    dev = [q for q in paraphrased_all if hashlib.sha256(q["question"].encode()).digest()[0] < 64]
    paraphrased = [q for q in paraphrased_all if q not in dev]
    return {
        "train": train,
        "dev_paraphrased": dev,
        "test_paraphrased": paraphrased,
        "test_sections": [
            q
            for q in qa
            if q["section_path"] in held and " ".join(q["question"].lower().split()) not in train_questions
        ],
        "held_out_sections": sorted(held),
    }
