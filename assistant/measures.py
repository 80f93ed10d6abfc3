"""What "how heavy?", "how loud?" ask for, in the words a specification says it with.

A manual's table says "Weight: 4.1 kg" and "Noise level: 24–52 dB"; people ask "How heavy is it?"
and "How loud is it?". Neither BM25 nor MiniLM joins the two: "How loud is it?" was "not found"
beside the purifier's specifications, and "How heavy is the AP-40?" quoted the manual's title, the
one sentence that says "AP-40". The search and the quote's words ask for the attribute by its
name instead. "How long", "how far" and "how fast" are left alone: they ask for a time or a
distance travelled as often as for a length, a range or a speed ("How far from the wall should I put
it?" searched as "range distance" lost the placement step; "How fast does support answer emails?").
"""

from __future__ import annotations

import re

ATTRIBUTES = {
    "heavy": "weight", "light": "weight", "loud": "noise level", "noisy": "noise level", "quiet": "noise level",
    "big": "size dimensions", "large": "size dimensions", "small": "size dimensions", "tall": "height",
    "high": "height", "wide": "width", "deep": "depth", "hot": "temperature", "warm": "temperature",
    "cold": "temperature", "bright": "brightness",
}  # fmt: skip
HOW = re.compile(r"\bhow (" + "|".join(ATTRIBUTES) + r")\b", re.I)


def search_query(question: str) -> str:
    """The question asking for the attribute by its name: "How loud is it?" → "What noise level is
    it?". Not both words: a search that must find "loud" as well as "noise level" in one passage
    (the router's every-content-word leg, the quote's half of the question's words) finds neither."""
    return HOW.sub(lambda m: f"what {ATTRIBUTES[m.group(1).lower()]}", question)
