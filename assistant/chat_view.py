"""What the chat shows for a turn, as plain functions of the turn's result (no Chainlit here, so
they are unit-tested without a browser): the route badge, the footer, the `/ft` and `/rag`
prefixes, and the citation panels' text."""

from __future__ import annotations

import re

from assistant.desk import Draft
from assistant.index.tokenize import tokenize
from assistant.turn import Citation, TurnResult

ROUTE_CHOICES = {
    "Auto (router decides)": "auto",
    "Fine-tuned model": "finetuned",
    "Fine-tuned model reading the documents": "finetuned+retrieval",
    "Retrieval (knowledge folder)": "retrieval",
    "Base model, no documents": "base",
}
PREFIXES = {"/ft": "finetuned", "/rag": "retrieval", "/ftrag": "finetuned+retrieval", "/base": "base"}
LABELS = {
    "finetuned": "Fine-tuned",
    "finetuned+retrieval": "Fine-tuned + retrieval",
    "retrieval": "Retrieval",
    "not_found": "Not found",
    "base": "Base model",
}
KINDS = {
    "generated": "generated from the passages",
    "extractive": "quoted from the source",
    "not_found": "not found",
    "closed_book": "from the model's training, not from your documents",
}


def split_prefix(text: str, default: str) -> tuple[str, str]:
    """'/rag question', '/ft question', '/ftrag question', '/base question' pick the route for one turn."""
    head, _, rest = text.strip().partition(" ")
    if head.lower() in PREFIXES:
        return rest, PREFIXES[head.lower()]
    return text, default


def badge_title(result: TurnResult) -> str:
    return f"{LABELS.get(result.route, result.route)} · {result.model}"


def badge_body(result: TurnResult) -> str:
    label = LABELS.get(result.route, result.route)
    lines = [f"**{label}** ({result.confidence:.0%} confident): {result.reason}"]
    s = result.signals or {}
    sig = s.get("signals") or {}
    if sig:
        domains = "; ".join(
            f"`{d['name']}` similarity {d['similarity']:.2f}, known words {d['coverage']:.0%}"
            + (" (not automatic)" if d.get("blocked") else "")
            for d in sig.get("domains", [])
        )
        lines.append(
            f"\nsignals: {domains or 'no fine-tuned domain'} · evidence {sig['evidence']:.2f} "
            f"(folder bar {s.get('evidence_bar', 0):.2f}) · terms found {sig.get('lexical', 0):.2f} "
            f"(bar {s.get('lexical_bar', 0):.2f}) · time cue {sig['time_cue']:.0f} · "
            f"routing {result.timings.route_ms:.1f} ms"
        )
    return "\n".join(lines)


def footer(result: TurnResult) -> str:
    return f"\n\n*{LABELS.get(result.route, result.route).lower()} · {KINDS[result.answer_kind]} · {result.model} · " \
           f"{result.timings.total_ms / 1000:.1f} s*"  # fmt: skip


def strip_footer(text: str) -> str:
    return re.sub(r"\n\n\*[^*\n]+ s\*\s*$", "", text)


def highlight(snippet: str, question: str) -> str:
    """Bold the snippet's words that the question shares (stemmed), as search engines do."""
    wanted = set(tokenize(question))

    def mark(match: re.Match) -> str:
        word = match.group(0)
        return f"**{word}**" if set(tokenize(word)) & wanted else word

    return re.sub(r"\w+", mark, snippet)


def escape(text: str) -> str:
    """Document text is shown as Markdown: drop heading marks, neutralise other markup characters."""
    text = re.sub(r"(^|\s)#{1,6}\s", r"\1", text)
    return re.sub(r"([\\`*_{}\[\]<>#|!()])", r"\\\1", text)


def where(c: Citation) -> str:
    return c.source + (f", page {c.page}" if c.page else "") + (f" — {c.section}" if c.section else "")


def passage_markdown(c: Citation, question: str) -> str:
    """The side panel of one citation: where it is from and the passage, everything as text."""
    warning = f"⚠ This passage {escape(c.warning)}; it was not used to answer.\n\n" if c.warning else ""
    return f"**{escape(where(c))}**\n\n{warning}> {highlight(escape(c.snippet), question)}"


def desk_markdown(draft: Draft) -> str:
    """The agent's draft: the reply (escaped; `[n]` kept so citations link), then what to check."""
    body = re.sub(r"\\\[(\d+)\\\]", r"[\1]", escape(draft.body()))
    notes = []
    if draft.flagged:
        notes.append(f"⚠ {draft.flagged} sentence(s) have no source: check or delete them before sending.")
    if any(s.support == "finetuned" for p in draft.parts for s in p.sentences):
        notes.append("(ft) = from the fine-tuned model, not from a document.")
    escalated = [escape(p.question) for p in draft.parts if p.escalate]
    if escalated:
        notes.append("Escalated (the knowledge base does not answer it): " + "; ".join(escalated))
    notes += [escape(n) for n in draft.notices]
    if not draft.parts:
        notes.append("No question found in the message: the draft asks the customer what they need.")
    return "**Draft reply**\n\n" + body + ("\n\n---\n" + "\n\n".join(notes) if notes else "")
