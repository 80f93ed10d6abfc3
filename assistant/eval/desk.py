"""`assistant eval desk`: draft replies to realistic tickets, through the desk the agents use.

The tickets (`eval-data/scenarios/desk-tickets.jsonl`) wrap test-split TV-manual and FreshQA
questions in what customers write around them — greeting, context, one or two questions,
signature — and a few hold a question no document answers (CLINC150 out-of-scope). Each ticket
runs against the folder that holds its answers. Reported: the share of planted questions the desk
picked out, answered (answerable ones) and escalated (unanswerable ones); the share of the
drafts' sentences that carry a citation or the fine-tuned label; and how many were flagged ⚠.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assistant.desk import draft_reply
from assistant.eval.data import eval_dir, read_jsonl
from assistant.eval.scenarios import builtin_scenarios
from assistant.eval.world import services_for
from assistant.settings import Settings


def _same(found: str, planted: str) -> bool:
    """The desk picked out the planted question (with or without the sentence before it)."""
    norm = lambda s: " ".join(s.lower().rstrip("?").split())  # noqa: E731
    return norm(found) in norm(planted) or norm(planted) in norm(found)


def run(base: Settings, demo_knowledge: Path, progress: Callable | None = None) -> dict:
    tickets = read_jsonl(eval_dir() / "scenarios" / "desk-tickets.jsonl")
    base = base.model_copy(update={"prompt_cache": False})
    scenarios = builtin_scenarios()
    counts = {"questions": 0, "picked": 0, "answerable": 0, "answered": 0, "unanswerable": 0, "escalated": 0,
              "wrongly_escalated": 0, "sentences": 0, "supported": 0, "flagged": 0}  # fmt: skip
    examples, escalated_answerable = [], []  # the second: what to read first when "answered" drops
    for world in dict.fromkeys(t["world"] for t in tickets):
        services = services_for(base, world, scenarios, demo_knowledge)
        for ticket in (t for t in tickets if t["world"] == world):
            draft = draft_reply(ticket["ticket"], services.pipeline)
            for question, answerable in zip(ticket["questions"], ticket["answerable"], strict=True):
                part = next((p for p in draft.parts if _same(p.question, question)), None)
                counts["questions"] += 1
                counts["picked"] += part is not None
                if answerable:
                    counts["answerable"] += 1
                    counts["answered"] += part is not None and not part.escalate
                    counts["wrongly_escalated"] += part is not None and part.escalate
                    if part is not None and part.escalate:
                        escalated_answerable.append(question)
                else:
                    counts["unanswerable"] += 1
                    counts["escalated"] += part is not None and part.escalate
            for part in draft.parts:
                counts["sentences"] += len(part.sentences)
                counts["supported"] += sum(s.support in ("cited", "finetuned") for s in part.sentences)
            counts["flagged"] += draft.flagged
            if len(examples) < 3:
                examples.append({"ticket": ticket["ticket"], "draft": draft.body()})
            if progress:
                progress("desk", counts["questions"], sum(len(t["questions"]) for t in tickets))
    share = lambda a, b: round(counts[a] / counts[b], 4) if counts[b] else None  # noqa: E731
    return {
        "tickets": len(tickets), **counts,
        "picked_share": share("picked", "questions"), "answered_share": share("answered", "answerable"),
        "escalated_share": share("escalated", "unanswerable"), "supported_share": share("supported", "sentences"),
        "examples": examples, "wrongly_escalated_questions": escalated_answerable,
    }  # fmt: skip
