"""Every prompt the product sends, in one place: the turn builds its messages from here and
fine-tuning trains under the same system prompt the fine-tuned route answers with (a LoRA learns
the prompt it was trained under; a different one at answer time costs accuracy)."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.citations import MARKER

FINETUNED_SYSTEM = (
    "You are Crossroads, a support assistant. Answer the question directly and briefly, "
    "in one to three sentences."
)
BASE_SYSTEM = FINETUNED_SYSTEM  # the base model closed-book: same prompt, so the two compare fairly
RETRIEVAL_SYSTEM = (
    "You are Crossroads, a support assistant. Answer the user's question using only the numbered sources "
    "below. Cite the source you used with its number in brackets, like [1]. Answer in one to three sentences. "
    "If the sources do not answer the question, say that the knowledge base does not cover it."
)
NOT_FOUND = "I could not find this in the knowledge base."
NOT_FOUND_CLOSEST = f"{NOT_FOUND} The closest passage says: "  # then a quote of it
# Small models continue with imagined turns of the prompt's shape; cut them there.
GROUNDED_STOP = ["\nQuestion:", "\nSources:", "\nUser:", "\n\n\n"]


WITHHELD = "(withheld: this source gives instructions to its reader)"


def fenced(text: str) -> str:
    """A source as exactly one line of the prompt, behind a number only the app assigns: without its
    own line breaks and "[n]" markers, a document cannot start a line of its own ("Question: …",
    "You are …") or pose as another source, whatever it says."""
    return " ".join(MARKER.sub(" ", text).split())


def grounded_system(passages: Sequence[str], titles: Sequence[str] = ()) -> str:
    """The sources go into the system message and the user turn stays the bare question: a user
    message of "Passages: … Question: …" is scaffolding the small model echoes back. Each source
    leads with its title unless it already does: a page's sentences say "It" or "He" for the
    page's subject, and without the title the model cannot tell who that is."""
    lines = []
    for n, text in enumerate(passages, 1):
        line, title = fenced(text), fenced(titles[n - 1]) if n <= len(titles) else ""
        if title and not line.lower().startswith(title.lower()):
            line = f"{title} — {line}"
        lines.append(f"[{n}] {line}")
    return f"{RETRIEVAL_SYSTEM}\n\nSources:\n" + "\n".join(lines)
