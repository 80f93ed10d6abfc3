"""`assistant eval answers`: the knowledge-injection table (Ovadia et al. 2023), at our scale.

Rows: base model / fine-tuned (`tv-manual` adapter) / retrieval (base + passages) / fine-tuned +
retrieval. Columns: (a) held-out TV e-manual questions — stable, specialised knowledge; (b) FreshQA
questions whose Wikipedia page is in the knowledge folder — fresh facts. Metrics: SQuAD token F1
against the gold answer (best over FreshQA's alternatives), contains-gold rate, and for retrieval
rows the share of answers citing the right page. Generated answers are cached (keyed by mode,
question, adapter and index generation) so the routing evaluation reuses them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.citations import cite
from assistant.eval.metrics import best_f1, contains_gold
from assistant.eval.mixed import Question, build_knowledge, eval_settings, questions
from assistant.services import Services
from assistant.settings import Settings
from assistant.turn import (
    NOT_FOUND,
    RETRIEVAL_STOP,
    finetuned_messages,
    is_answerable,
    retrieval_messages,
)

MODES = ("base", "finetuned", "retrieval", "finetuned+retrieval")
DOMAIN = "tv-manual"


@dataclass
class Generated:
    answer: str
    cited_sources: list[str]
    seconds: float


class AnswerBank:
    """Answers per (mode, question), generated once and cached on disk."""

    def __init__(self, services: Services, cache: Path) -> None:
        self.services = services
        self.cache_path = cache
        self.cache: dict[str, dict] = {}
        if cache.exists():
            for line in cache.read_text().splitlines():
                record = json.loads(line)
                self.cache[record["key"]] = record
        adapters = dict(services.adapters)
        self.adapter_sha = hashlib.sha256(adapters[DOMAIN].read_bytes()).hexdigest()[:12] if DOMAIN in adapters else "none"

    def key(self, mode: str, question: str) -> str:
        s = self.services.settings
        generation = self.services.store.current_name() if "retrieval" in mode else ""
        penalty = 1.0 if "retrieval" in mode else s.repeat_penalty
        raw = f"{mode}|{question}|{self.adapter_sha}|{generation}|{s.max_tokens}|{s.passages}|{s.min_evidence}|{penalty}"
        return hashlib.sha256(raw.encode()).hexdigest()[:20]

    def get(self, mode: str, question: str) -> Generated:
        key = self.key(mode, question)
        if key not in self.cache:
            record = {"key": key, "mode": mode, "question": question, **self._generate(mode, question).__dict__}
            self.cache[key] = record
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            with self.cache_path.open("a") as f:
                f.write(json.dumps(record) + "\n")
        r = self.cache[key]
        return Generated(r["answer"], r["cited_sources"], r["seconds"])

    def _generate(self, mode: str, question: str) -> Generated:
        started = time.perf_counter()
        adapter = DOMAIN if mode.startswith("finetuned") else None
        model = self.services.chat_model(adapter, grounded="retrieval" in mode)
        if "retrieval" not in mode:
            answer = model.invoke(finetuned_messages(question)).text
            return Generated(answer.strip(), [], time.perf_counter() - started)
        evidence = self.services.searcher.search(question, self.services.settings.passages)
        hits = evidence.hits
        if not is_answerable(evidence, self.services.settings.min_evidence):
            return Generated(NOT_FOUND, [], time.perf_counter() - started)
        answer = model.invoke(retrieval_messages(question, hits), stop=RETRIEVAL_STOP).text
        cited = cite(answer.strip(), [h.chunk for h in hits])
        sources = [hits[n - 1].chunk.source for n in cited.numbers]
        return Generated(cited.text, sources, time.perf_counter() - started)


def prepare(base: Settings, demo_knowledge: Path, progress: Callable | None = None) -> tuple[Services, list[Question]]:
    """Eval services over the eval knowledge folder, ingested (incrementally) before use."""
    settings = eval_settings(base)
    items = questions()
    build_knowledge(settings, items, demo_knowledge)
    services = Services(settings)
    services.ingestor().run(progress)
    return services, items


def score(items: list[Question], bank: AnswerBank, mode: str) -> dict:
    f1, contains, cited_right, not_found = [], [], [], 0
    for q in items:
        g = bank.get(mode, q.text)
        if q.source == "clinc-oos":
            contains.append(g.answer.startswith(NOT_FOUND))
            continue
        f1.append(best_f1(g.answer, list(q.golds)))
        contains.append(contains_gold(g.answer, list(q.golds)))
        not_found += g.answer.startswith(NOT_FOUND)
        if q.page and mode in ("retrieval", "finetuned+retrieval", "router"):
            cited_right.append(any(src.endswith(q.page) for src in g.cited_sources))
    out = {
        "n": len(items),
        "token_f1": round(sum(f1) / len(f1), 4) if f1 else None,
        "contains_gold": round(sum(contains) / len(contains), 4) if contains else None,
        "not_found": not_found,
    }
    if cited_right:
        out["citation_hit"] = round(sum(cited_right) / len(cited_right), 4)
    return out


def run(base: Settings, demo_knowledge: Path, *, per_column: int = 40, progress: Callable | None = None) -> dict:
    services, items = prepare(base, demo_knowledge)
    if DOMAIN not in dict(services.adapters):
        from assistant.errors import AssistantError

        raise AssistantError(f"the demo adapter adapters/{DOMAIN}/ is missing", "run `python -m assistant.finetune.demo`")
    bank = AnswerBank(services, services.settings.data_dir / "cache" / "answers.jsonl")
    columns = {
        "tv_manual_heldout": [q for q in items if q.source == "tv-manual" and q.split == "test"][:per_column],
        "freshqa_in_kb": [q for q in items if q.source == "freshqa"][:per_column],
    }
    total = len(MODES) * sum(len(v) for v in columns.values())
    done = 0
    started = time.perf_counter()
    table: dict[str, dict] = {}
    for mode in MODES:
        table[mode] = {}
        for column, qs in columns.items():
            for q in qs:
                bank.get(mode, q.text)
                done += 1
                if progress:
                    progress(done, total)
            table[mode][column] = score(qs, bank, mode)
    return {
        "rows": list(MODES),
        "columns": {k: len(v) for k, v in columns.items()},
        "table": table,
        "adapter": DOMAIN,
        "knowledge_chunks": len(services.store.snapshot() or []),
        "seconds": round(time.perf_counter() - started),
    }
