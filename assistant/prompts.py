"""Every prompt the product sends, in one place: the turn builds its messages from here and
fine-tuning trains under the same system prompt the fine-tuned route answers with (a LoRA learns
the prompt it was trained under; a different one at answer time costs accuracy)."""

from __future__ import annotations

FINETUNED_SYSTEM = (
    "You are Crossroads, a support assistant. Answer the question directly and briefly, "
    "in one to three sentences."
)
RETRIEVAL_SYSTEM = (
    "You are Crossroads, a support assistant. Answer the question using only the numbered passages. "
    "Cite the passage you used with its number in brackets, like [1]. Answer in one to three sentences. "
    "If the passages do not answer the question, say that the knowledge base does not cover it."
)
NOT_FOUND = "I could not find this in the knowledge base."
RETRIEVAL_STOP = ["\nQuestion:", "\nPassages:"]  # small models echo the prompt's scaffolding
