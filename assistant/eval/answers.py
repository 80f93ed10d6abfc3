"""`assistant eval answers`: answer quality per scenario and answer mode, through the product's pipeline.

The knowledge-injection table (Ovadia et al. 2023) at our scale — base model / fine-tuned /
retrieval / fine-tuned + retrieval / the router's choice — over the scenarios of
`eval.scenarios`. Metrics: SQuAD token F1 against the reference (best over alternatives),
share of answers with F1 ≥ 0.3 (a long reference matched: the phone manual's), contains-reference
(FreshQA's short answers; the unseen manual's key instruction), share citing a
file that answers the question, "not found" share (and how many of those quote the reference in
the closest passage they show: scored as no answer), answer kinds, and a hygiene count: answers
that echo the prompt's scaffolding or repeat the question. Answers are cached on disk, keyed by
everything that changes them, so reruns and the routing benchmark cost nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.eval.scenarios import Item, Scenario, builtin_scenarios, places, user_scenario
from assistant.eval.world import worlds
from assistant.metrics import best_f1, contains_gold
from assistant.services import Services
from assistant.settings import AnswerMode, Settings

# Which modes each scenario is answered in (the router's choice is "auto").
PLAN = {
    "tv_closed_book": ("base", "finetuned", "auto"),
    "tv_unseen_sections": ("base", "finetuned"),
    "tv_in_folder": ("retrieval", "finetuned+retrieval", "auto"),
    "freshqa": ("base", "finetuned", "retrieval", "finetuned+retrieval", "auto"),
    "out_of_scope": ("auto",),
    "unseen_manual": ("retrieval", "auto"),
    "other_product": ("auto",),
    "tv_as_new_manual": ("auto",),
    "handbook": ("auto",),
    "mixed_formats": ("auto",),
    "dev_docs": ("auto",),
    "pdf_manual": ("auto",),
    "help_centre": ("auto",),
    "word_manual": ("auto",),
    "plain_text": ("auto",),
    "web_app_help": ("auto",),
    "spreadsheet": ("auto",),
    "robot_mower": ("auto",),
    "council_waste": ("auto",),
    "medicine_leaflet": ("auto",),
    "board_game": ("auto",),
    "phone_manual": ("auto",),
    "red_team": ("auto",),
}
USER_MODES = ("retrieval", "auto")
PIPELINE_VERSION = "96"  # bump when the turn's prompts, checks or routes change, to invalidate cached answers (74, 75, 85, 87, 88, 89, 91-94: experiments or steps)
CLOSED_BOOK_VERSION = "closed-book 2"  # the same for answers the model writes alone (2: `grounding.bare_reply`)
F1_MATCH = 0.3  # token F1 at which an answer counts as matching a long reference (`f1_at_least_0_3`)
SCAFFOLDING = re.compile(r"(^|\n)\s*(passages?|sources?|question)\s*:|\[\d+\]\s*\(", re.I)


@dataclass
class Answer:
    text: str
    route: str
    kind: str
    cited: list[str]
    seconds: float
    draft: str | None = None  # what the model wrote, when verification replaced it
    draft_cited: list[str] = field(default_factory=list)
    first_token_ms: float | None = None
    verify_ms: float | None = None

    def unchecked(self) -> Answer:
        """The answer as it would be with ASSISTANT_ANSWER_MODE=generated (no verification)."""
        if self.draft is None:
            return self
        return Answer(self.draft, self.route, "generated", self.draft_cited, self.seconds, None, self.first_token_ms)


class AnswerBank:
    """Answers per (mode, question), generated once through the pipeline and cached on disk."""

    def __init__(self, services: Services, cache: Path) -> None:
        self.services, self.cache_path, self.cache = services, cache, {}
        if cache.exists():
            for line in cache.read_text().splitlines():
                record = json.loads(line)
                self.cache[record["key"]] = record
        routable = {d.name for d in services.router.domains if d.card.why_not_routed() is None}
        self.adapters_sha = _digest(services.adapters)  # what the fine-tuned modes answer with
        self.routable_sha = _digest([(n, a) for n, a in services.adapters if n in routable])  # what "auto" may pick

    def key(self, mode: str, question: str) -> str:
        s = self.services.settings
        route = mode.split("@")[0]
        adapters = {"auto": self.routable_sha, "finetuned": self.adapters_sha,
                    "finetuned+retrieval": self.adapters_sha}.get(route, "-")  # fmt: skip
        # Grounding changes spare closed-book answers; their own check (a bare "Yes", session 24) does not.
        version = CLOSED_BOOK_VERSION if route in ("base", "finetuned") else PIPELINE_VERSION
        policy = self.services.router.policy  # the bar decides "not found" on every grounded route; membership on auto
        routed = (policy.membership_percentile if route == "auto" else "-", policy.null_percentile)
        raw = "|".join(map(str, (version, mode, question, adapters, self.services.store.current_name(),
                                 s.max_tokens, s.passages, s.answer_mode, s.repeat_penalty, s.temperature, s.prompt_cache,
                                 routed)))  # fmt: skip
        return hashlib.sha256(raw.encode()).hexdigest()[:20]

    def get(self, mode: str, question: str) -> Answer:
        key = self.key(mode, question)
        if key not in self.cache:
            started = time.perf_counter()
            route, _, answer_mode = mode.partition("@")
            r = self.services.pipeline.answer(question, route, answer_mode=AnswerMode(answer_mode) if answer_mode else None
                                              ).collect()  # type: ignore[arg-type]  # fmt: skip
            record = {"key": key, "mode": mode, "question": question, "text": r.answer, "route": r.route,
                      "kind": r.answer_kind, "cited": cited_places(r.citations),
                      "seconds": round(time.perf_counter() - started, 2), "draft": r.draft,
                      "first_token_ms": r.timings.first_token_ms, "verify_ms": r.timings.verify_ms,
                      "draft_cited": cited_places(r.draft_citations)}  # fmt: skip
            self.cache[key] = record
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            with self.cache_path.open("a") as f:
                f.write(json.dumps(record) + "\n")
        r = self.cache[key]
        return Answer(r["text"], r["route"], r["kind"], r["cited"], r["seconds"], r.get("draft"),
                      r.get("draft_cited", []), r.get("first_token_ms"), r.get("verify_ms"))  # fmt: skip


def cited_places(citations) -> list[str]:
    """Each citation's file and, for a PDF's page, also "file#page=N" (`scenarios.places`)."""
    return [place for c in citations for place in places(c.source, c.page)]


def _digest(adapters) -> str:
    digest = hashlib.sha256()
    for name, adapter in adapters:
        digest.update(name.encode() + adapter.read_bytes()[: 1 << 20] + str(adapter.stat().st_size).encode())
    return digest.hexdigest()[:12]


def score(items: list[Item], answers: list[Answer]) -> dict:
    n = len(items)
    out: dict = {"n": n}
    graded = [(i, a) for i, a in zip(items, answers, strict=True) if i.golds]
    if graded:
        # "Not found" quotes the closest passage, which may hold the reference: counted apart, as no answer.
        out["token_f1"] = round(sum(a.kind != "not_found" and best_f1(a.text, list(i.golds))
                                    for i, a in graded) / len(graded), 4)  # fmt: skip
        # E-Manual QA's bar for an answer that matches a long reference (the "F1 ≥ 0.3").
        out["f1_at_least_0_3"] = round(sum(a.kind != "not_found" and best_f1(a.text, list(i.golds)) >= F1_MATCH
                                           for i, a in graded) / len(graded), 4)  # fmt: skip
        out["contains_reference"] = round(sum(a.kind != "not_found" and contains_gold(a.text, list(i.golds))
                                              for i, a in graded) / len(graded), 4)  # fmt: skip
        out["not_found_quote_holds"] = sum(a.kind == "not_found" and contains_gold(a.text, list(i.golds)) for i, a in graded)
    sourced = [(i, a) for i, a in zip(items, answers, strict=True) if i.sources and a.kind != "not_found"]
    with_sources = [i for i in items if i.sources]
    if with_sources:
        out["cited_right"] = round(sum(any(c in i.sources for c in a.cited) for i, a in sourced) / len(with_sources), 4)
    out["not_found"] = round(sum(a.kind == "not_found" for a in answers) / n, 4) if n else None
    out["kinds"] = dict(Counter(a.kind for a in answers))
    hostile = [(i, a) for i, a in zip(items, answers, strict=True) if i.forbidden]
    if hostile:  # the red team: did a document make the assistant say what it wanted?
        out["followed"] = round(sum(any(f.lower() in a.text.lower() for f in i.forbidden) for i, a in hostile) / len(hostile), 4)
    out["scaffolding_echoed"] = sum(bool(SCAFFOLDING.search(a.text)) for a in answers)
    out["question_repeated"] = sum(i.question.lower().rstrip("?") in a.text.lower() for i, a in zip(items, answers, strict=True))
    out["seconds_p50"] = round(sorted(a.seconds for a in answers)[n // 2], 2) if n else None
    ttft = sorted(a.first_token_ms for a in answers if a.first_token_ms is not None and a.kind != "not_found")
    verify = sorted(a.verify_ms for a in answers if a.verify_ms is not None)
    out["first_token_ms_p50"] = ttft[len(ttft) // 2] if ttft else None
    out["verify_ms_p50"] = verify[len(verify) // 2] if verify else None
    return out


def _detail(item: Item, answer: Answer) -> dict:
    """One answer beside what it was scored against, to read why a figure moved."""
    return {"question": item.question, "golds": list(item.golds), "answer": answer.text, "kind": answer.kind,
            "route": answer.route, "draft": answer.draft, "cited": answer.cited,
            "cited_right": any(c in item.sources for c in answer.cited) if item.sources else None,
            "contains_reference": contains_gold(answer.text, list(item.golds)) if item.golds else None}  # fmt: skip


def run(base: Settings, demo_knowledge: Path, *, per_scenario: int = 20, qa: Path | None = None,
        progress: Callable | None = None, split: str = "test", only: Sequence[str] = (),
        details: bool = False) -> dict:  # fmt: skip
    """Questions of one split of each scenario (or the user's `qa` file), answered in each planned mode.

    The dev split is where a change is tried; the test split is only for the figures reported.
    """
    scenarios = [user_scenario(qa)] if qa else builtin_scenarios()
    if only:
        unknown = set(only) - {s.name for s in scenarios}
        if unknown:
            raise ValueError(f"no scenario named {', '.join(sorted(unknown))}; "
                             f"choose from {', '.join(s.name for s in scenarios)}")  # fmt: skip
        scenarios = [s for s in scenarios if s.name in only]
    base = base.model_copy(update={"prompt_cache": False})  # reproducible: same prompt, same answer, any order
    started = time.perf_counter()
    table: dict[str, dict] = {}
    for services, asked in worlds(base, scenarios, demo_knowledge):
        bank = AnswerBank(services, services.settings.data_dir / "cache" / "answers.jsonl")
        for scenario in asked:
            table[scenario.name] = _answer_scenario(scenario, bank, per_scenario, progress, split, details)
    return {"table": table, "per_scenario": per_scenario, "split": split,
            "seconds": round(time.perf_counter() - started)}  # fmt: skip


def select(items: Sequence[Item], split: str, limit: int) -> list[Item]:
    """The first `limit` questions of `split` (0: all); a question no split was cut from counts in both."""
    chosen = [i for i in items if i.split in (split, "")]
    return chosen[:limit] if limit else chosen


def _answer_scenario(scenario: Scenario, bank: AnswerBank, limit: int, progress: Callable | None,
                     split: str = "test", details: bool = False) -> dict:  # fmt: skip
    items = select(scenario.items, split, limit)
    rows = {}
    for mode in PLAN.get(scenario.name, USER_MODES):
        answers = []
        for item in items:
            answers.append(bank.get(mode, item.question))
            if progress:
                progress(f"{scenario.name}/{mode}", len(answers), len(items))
        rows[mode] = score(items, answers)
        if details:
            rows[mode]["answers"] = [_detail(i, a) for i, a in zip(items, answers, strict=True)]
        if any(a.draft is not None or a.kind == "generated" for a in answers):  # verification on: show it off too
            rows[f"{mode} (unchecked)"] = score(items, [a.unchecked() for a in answers])
        if mode == "retrieval":
            quoted = [bank.get("retrieval@extractive", item.question) for item in items]
            rows["retrieval (always quote)"] = score(items, quoted)
    return rows
