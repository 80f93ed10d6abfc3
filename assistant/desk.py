"""The support agent's desk: a customer's message → the questions in it → one cited draft reply.

Each question goes through the normal turn (router, retrieval, fine-tuned, not found), so the
draft is exactly as honest as the chat: every sentence either carries its citation, is marked as
the fine-tuned model's (no document behind it), or is flagged as unsupported before the agent
copies anything. Questions the folder does not answer become hand-offs (`escalations`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Literal

from assistant.citations import MARKER, split_sentences
from assistant.grounding import QUOTE_PREFIX, only_closest
from assistant.index.tokenize import QUESTION_WORDS, tokenize
from assistant.turn import Citation, TurnPipeline, TurnResult, footnotes

Support = Literal["cited", "finetuned", "unsupported"]
REQUEST = re.compile(
    r"^(how|what|when|where|why|which|who|can|could|would|will|is|are|do|does|did|should|may)\b|"
    r"\b(please (tell|explain|help|let)|i (need|want|would like) to know|help me|how (do|can|to))\b",
    re.I,
)  # fmt: skip
MAX_QUESTIONS = 5
BACK_REFERENCE = re.compile(r"\b(it|this|that|these|those|them)\s*[?.!]*$", re.I)  # "…explain it?", "…do that?"
Style = Literal["standard", "friendly", "formal"]
OPENINGS: dict[str, tuple[str, str]] = {  # (greeting, closing): rewrites that never touch a cited sentence
    "standard": ("Hello,\n\nThank you for contacting us.", "Best regards"),
    "friendly": ("Hi there!\n\nThanks so much for reaching out — happy to help.",
                 "Hope this helps, and have a great day!"),
    "formal": ("Dear customer,\n\nThank you for your enquiry.",
               "Should you require further assistance, please do not hesitate to contact us.\n\nYours sincerely"),
}  # fmt: skip
HOLDING = "I am checking this with a colleague and will get back to you shortly."
ASK_WHAT = "Could you tell me a little more about what you need help with?"
MAX_TICKET_CHARS = 20_000  # a pasted mail thread is read up to here; the agent is told
COURTESY = frozenset(tokenize("hi hello hey dear thanks thank you cheers regards best kind great good morning bye team"))


def unanswered(result: TurnResult) -> bool:
    """Not found — or only "the closest the documents come", which is no answer to send a customer."""
    return result.answer_kind == "not_found" or only_closest(result.answer)


def questions_in(message: str) -> list[str]:
    """The customer's questions: sentences ending in "?" or phrased as requests; the whole
    message when none is (a ticket is often one long description of one problem). A question that
    points back ("Can you explain it?", "Why?") is read with the sentence before it, which says
    what "it" is — joined to it when that sentence was a question too."""
    text = " ".join(message.split())
    return asked_in(text)[:MAX_QUESTIONS] or ([text] if text else [])


def asked_in(text: str) -> list[str]:
    """The explicit questions and requests only (`questions_in` without its fallback)."""
    sentences = [s.strip() for s, _ in split_sentences(text) if s.strip()]
    found: list[str] = []
    previous_picked = False
    for i, s in enumerate(sentences):
        picked = s.endswith("?") or bool(REQUEST.search(s))
        if picked and i and (BACK_REFERENCE.search(s) or len(s.split()) <= 3):
            if previous_picked:
                found[-1] = f"{found[-1]} {s}"
                continue
            s = f"{sentences[i - 1]} {s}"
        if picked:
            found.append(s)
        previous_picked = picked
    return found


@dataclass
class Sentence:
    text: str
    support: Support


@dataclass
class Part:
    question: str
    result: TurnResult
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def escalate(self) -> bool:
        return unanswered(self.result)


@dataclass
class Draft:
    """The reply; `style` and `short` are the agent's rewrites. They change the frame around the
    answers (greeting, closing, how many sentences), never a cited sentence's words, so every
    citation still points at what it quotes."""

    message: str
    parts: list[Part]
    citations: list[Citation]  # numbered across the whole reply
    style: Style = "standard"
    short: bool = False
    notices: list[str] = field(default_factory=list)  # for the agent, never in the reply

    @property
    def flagged(self) -> int:
        return sum(s.support == "unsupported" for p in self.parts for s in p.sentences)

    def body(self, marks: bool = True) -> str:
        """The reply as the agent sees it: fine-tuned sentences marked (ft), unsupported ones ⚠."""
        paragraphs = []
        for part in self.parts:
            if part.escalate:
                paragraphs.append(HOLDING)
                continue
            words = []
            sentences = part.sentences
            if self.short:  # the first sentence with a source (or the first at all)
                sentences = [next((s for s in sentences if s.support == "cited"), sentences[0])] if sentences else []
            for s in sentences:
                if marks and s.support == "unsupported":
                    words.append(f"⚠ {s.text}")
                elif marks and s.support == "finetuned":
                    words.append(f"{s.text} (ft)")
                else:
                    words.append(s.text)
            paragraphs.append(" ".join(words))
        if not self.parts:
            paragraphs.append(ASK_WHAT)
        greeting, closing = OPENINGS[self.style]
        return "\n\n".join([greeting, *paragraphs, closing])

    def copy_text(self, citations: Literal["footnotes", "none"] = "footnotes") -> str:
        """Clean text for the customer: no flags; citations as footnotes, or removed."""
        body = self.body(marks=False)
        used = {int(n) for n in MARKER.findall(body)}
        if citations == "none" or not used:
            return MARKER.sub("", body)
        return body + footnotes([c for c in self.citations if c.n in used])

    def to_json(self) -> dict:
        return {
            "questions": [
                {"question": p.question, "route": p.result.route, "answer_kind": p.result.answer_kind,
                 "reason": p.result.reason, "escalate": p.escalate,
                 "sentences": [s.__dict__ for s in p.sentences]}
                for p in self.parts
            ],
            "reply": self.body(), "copy": self.copy_text(), "flagged": self.flagged, "notices": self.notices,
            "citations": [c.__dict__ for c in self.citations],
        }  # fmt: skip


def draft_reply(message: str, pipeline: TurnPipeline, mode: str = "auto") -> Draft:
    """One draft for the customer's message. A message with nothing to answer ("Thanks!") gets a
    reply asking what they need; a huge one is read up to MAX_TICKET_CHARS (`Draft.notices`)."""
    parts, citations, notices = [], [], []
    if len(message) > MAX_TICKET_CHARS:
        notices.append(f"The message is {len(message):,} characters long; only the first {MAX_TICKET_CHARS:,} were read.")
        message = message[:MAX_TICKET_CHARS]
    questions = questions_in(message)
    if not asked_in(" ".join(message.split())) and not has_substance(message):
        questions = []  # "Thanks, Sam": nothing asked, nothing described
    for question in questions:
        result = pipeline.answer(question, mode).collect()  # type: ignore[arg-type]
        renumber = {}
        for c in [] if unanswered(result) else result.citations:
            renumber[c.n] = len(citations) + 1
            citations.append(dataclasses.replace(c, n=renumber[c.n]))
        parts.append(Part(question, result, _sentences(result, renumber)))
    return Draft(message, parts, citations, notices=notices)


def has_substance(text: str) -> bool:
    """Does the message name anything to answer? "Thanks, Sam" does not; "TV turns itself off" does."""
    return len(set(tokenize(text)) - QUESTION_WORDS - COURTESY) >= 3  # a name and a word or two are not a request


def _sentences(result: TurnResult, renumber: dict[int, int]) -> list[Sentence]:
    if unanswered(result):
        return []
    out = []
    answer = result.answer
    if result.answer_kind == "extractive":  # the chat's "Your documents say:" reads oddly to a customer
        answer = "According to our documentation: " + answer.removeprefix(QUOTE_PREFIX)
    for sentence, _ in split_sentences(answer):
        text = MARKER.sub(lambda m: f" [{renumber[int(m.group(1))]}]" if int(m.group(1)) in renumber else "", sentence)
        text = text.strip()
        if not text:
            continue
        if result.answer_kind == "closed_book":
            support: Support = "finetuned" if result.route == "finetuned" else "unsupported"
        else:
            support = "cited" if MARKER.search(text) else "unsupported"
        out.append(Sentence(text, support))
    return out
