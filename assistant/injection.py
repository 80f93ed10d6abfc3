"""Passages that address the reader instead of informing them: instructions aimed at the model
("ignore your instructions", "you are now …") or requests for secrets ("call … and read out your
card number"). Such a passage is data that tries to act as a prompt; the turn withholds it from
the model and from quoting, and says so, while still listing it among the sources.

Deliberately narrow: a manual's "enter your PIN" is an instruction to the user about the product,
and "never share your password" is a warning; neither is flagged.
"""

from __future__ import annotations

import re

_NEGATED = r"(?<!never )(?<!not )(?<!n't )"
PATTERNS = [
    ("tells the assistant to ignore its instructions", re.compile(
        r"\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|any|your|system)\b"
        r"[^.\n]{0,20}\b(instructions?|prompts?|rules|guidelines|directions)\b", re.I)),
    ("tries to give the assistant a new role", re.compile(
        r"\b(you are now|from now on,? you|act as (an?|the) (ai|assistant|chatbot)|system prompt|developer mode|"
        r"jailbreak)\b", re.I)),
    ("gives orders to an AI reading it", re.compile(
        r"\b(ai|assistant|chatbot|language model|llm)s?\b[^.\n]{0,30}\b(must|should|shall|are required to|"
        r"need to)\b[^.\n]{0,30}\b(say|tell|answer|respond|reply|output|include|recommend|ask)\b", re.I)),
    ("asks for card numbers, passwords or account details", re.compile(
        _NEGATED + r"\b(call|phone|text|e-?mail|send|read (out|aloud)|tell|give|share|dictate|reveal|confirm)\b"
        r"[^.\n]{0,80}\b(credit card|card number|cvv|cvc|security code|social security|bank account|"
        r"account number|passwords?|one-time (code|password))\b", re.I)),
]  # fmt: skip


def instructions_in(text: str) -> str | None:
    """What the passage tries to make its reader do, or None for an ordinary passage."""
    for what, pattern in PATTERNS:
        if pattern.search(text):
            return what
    return None
