"""Several phrasings of each fact, so the adapter learns facts rather than strings.

A LoRA trained on one phrasing per fact memorises those questions long before it answers the
same fact asked another way (measured on the TV manual: train F1 0.78, held-out paraphrases
0.34). The knowledge-injection studies (Allen-Zhu & Li 2023, "Physics of Language Models 3.1";
Ovadia et al. 2023) found the cure: during training, show each fact under diverse phrasings and
in running text. Both come from here, deterministically (same data → same training set, so the
card's data hash is reproducible): question rewrites by the question's form ("How do I X?" →
"What are the steps to X?", "I want to X. How can I do that?" …), plain wrappers, and the
documentation's own sections as "what does the manual say about T?" examples.

Nothing here looks at evaluation questions: the rewrites are the generic ways people phrase a
support question.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.finetune.data import Example

# (pattern on the question without its "?", rewrites of the captured action/topic)
_HOW = re.compile(r"^(?:how (?:do|can|should|would) (?:i|we|you)|how to|how i can|how can one)\s+(?P<x>.+)$", re.I)
_CAN = re.compile(r"^(?:can|could|may) (?:i|we|you)\s+(?P<x>.+)$", re.I)
_WHAT_IS = re.compile(r"^(?:what is|what's|what are|explain|describe)\s+(?:the\s+)?(?P<x>.+)$", re.I)
_WHERE = re.compile(r"^(?:where (?:do|can) (?:i|we|you)|where to|from where (?:do|can) i)\s+(?P<x>.+)$", re.I)

ACTION_REWRITES = (
    "How do I {x}?",
    "What are the steps to {x}?",
    "I want to {x}. How can I do that?",
    "Can I {x}?",
    "How can I {x}?",
    "Please explain how to {x}.",
)
TOPIC_REWRITES = (
    "What is {x}?",
    "I don't know about {x}. What is it?",
    "I want to know about {x}. Can you explain it?",
    "Can you explain {x} briefly?",
    "Tell me about {x}.",
)
PLACE_REWRITES = (
    "Where do I {x}?",
    "Where can I {x}?",
    "How do I {x}?",
    "I need to {x}. Where is that?",
)
WRAPPERS = ("Please tell me: {q}", "{q} Explain how.", "Quick question about my device: {q}", "{q_lower}")
SECTION_QUESTIONS = ("What does the manual say about {t}?", "Tell me about {t}.")


@dataclass(frozen=True)
class Section:
    title: str
    text: str


def _pick(options: tuple[str, ...], key: str, k: int) -> list[str]:
    """k options chosen by a hash of the key: varied across facts, identical across runs."""
    start = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return [options[(start + i) % len(options)] for i in range(min(k, len(options)))]


def rewrites(question: str, k: int = 3) -> list[str]:
    """Up to k other phrasings of one question (none equal to it)."""
    q = " ".join(question.split())
    core = q.rstrip(" ?.!")
    out: list[str] = []
    for pattern, options in ((_HOW, ACTION_REWRITES), (_CAN, ACTION_REWRITES), (_WHERE, PLACE_REWRITES),
                             (_WHAT_IS, TOPIC_REWRITES)):  # fmt: skip
        match = pattern.match(core)
        if match:
            x = match.group("x").strip()
            out += [t.format(x=x) for t in _pick(options, q, k + 1)]
            break
    out += [t.format(q=q, q_lower=q.lower().rstrip("?")) for t in _pick(WRAPPERS, q[::-1], 2)]
    seen = {q.lower()}
    unique = []
    for candidate in out:
        if candidate.lower() not in seen:
            seen.add(candidate.lower())
            unique.append(candidate)
    return unique[:k]


def augment(
    examples: Iterable[Example], *, variants: int = 3, sections: Iterable[Section] = (), max_section_chars: int = 900
) -> list[Example]:
    """The originals, `variants` rewrites of each, and each section as two examples."""
    out: list[Example] = []
    for e in examples:
        out.append(e)
        out += [Example(q, e.answer) for q in rewrites(e.question, variants)]
    for s in sections:
        text = " ".join(s.text.split())
        if len(text) > max_section_chars:  # cut at a sentence end inside the limit
            cut = text.rfind(". ", 0, max_section_chars)
            text = text[: cut + 1 if cut > 0 else max_section_chars]
        if len(text) < 40:
            continue
        out += [Example(t.format(t=s.title), text) for t in SECTION_QUESTIONS]
    return out
