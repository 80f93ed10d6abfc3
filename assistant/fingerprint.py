"""Are these passages the fine-tuned domain's own documents, or another product's?

Membership says whether a *question* belongs to a domain, but "How do I change the screen
brightness?" belongs to every device's manual: asked beside a fitness band's manual, it is a
question about the band, and the TV fine-tune reading the band's passages answers with TV menus.
What tells the two apart is the text itself. A domain is fine-tuned on answers taken from its own
documents, so a passage from those documents repeats their wording word for word, and another
product's manual, however alike in topic, does not. The card keeps a fingerprint of the training
answers (hashes of their word 4-grams, `SHINGLE`), and a passage counts as the domain's own when
at least `OWN_SHARE` of its 4-grams are in it.

Measured with the shipped card on the evaluation folders (best of the three passages searched):
TV questions with the TV manual in the folder ≥ 0.64 for 95 % of them (median 0.92); a fitness
band's sections, the demo's TV release notes, Wikipedia pages and a phone manual's sections
≤ 0.074 — nothing in between, so the bar sits far from both. Sections of the TV manual the
domain never trained on score 0.13–0.86: a manual repeats itself, but not always.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from assistant.index.tokenize import QUESTION_WORDS, tokenize

PRODUCT_SHARE = 0.1  # a product's name is in at least this share of the domain's own questions
SHINGLE = 4  # words per shingle: long enough that shared phrasing ("tap Settings > Display") is rare
OWN_SHARE = 0.25
# Words as every card's shingles were cut, fixed here whatever BM25's tokenizer becomes: read another
# way ("Wi-Fi" as one word, "2.3.0" as one), a card's own passages stop matching its fingerprint.
SHINGLE_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, n: int = SHINGLE) -> set[int]:
    """CRC-32 of each lowercase word n-gram: stable across runs and machines (unlike `hash`)."""
    words = SHINGLE_WORD.findall(text.lower())
    return {zlib.crc32(" ".join(words[i : i + n]).encode()) for i in range(len(words) - n + 1)}


@dataclass(frozen=True)
class Fingerprint:
    hashes: frozenset[int]
    n: int = SHINGLE

    @classmethod
    def of(cls, texts: Iterable[str]) -> Fingerprint:
        return cls(frozenset().union(*(shingles(t) for t in texts)))

    @cached_property
    def packed(self) -> bytes:
        """The hashes sorted, 4 bytes each: how the card stores them (one line) and what `digest` hashes."""
        return np.array(sorted(self.hashes), dtype="<u4").tobytes()

    @cached_property
    def digest(self) -> str:
        """Identifies the fingerprint in cache keys (a rebuilt adapter has another)."""
        return hashlib.sha256(self.packed).hexdigest()[:16]

    def share(self, text: str) -> float:
        """Share of the text's word n-grams found verbatim in the domain's training answers."""
        grams = shingles(text, self.n)
        return len(grams & self.hashes) / len(grams) if grams else 0.0

    def to_json(self) -> dict:
        return {"n": self.n, "crc32": base64.b64encode(self.packed).decode("ascii")}

    @classmethod
    def from_json(cls, raw: dict) -> Fingerprint:
        hashes = np.frombuffer(base64.b64decode(raw["crc32"]), dtype="<u4")
        return cls(frozenset(int(h) for h in hashes), int(raw.get("n", SHINGLE)))


def product_terms(exemplars: Iterable[str], general: Iterable[str]) -> frozenset[str]:
    """The words that name what the domain is about: in at least `PRODUCT_SHARE` of its own questions
    and in no general question ("tv" for the TV manual: 15 % of its questions). A document that
    names the product is about it even when its phrasing is new — the TV's release notes beside the
    TV fine-tune are the same product's, a fitness band's manual is not."""
    questions = [set(tokenize(q)) - QUESTION_WORDS for q in exemplars]
    seen = Counter(t for q in questions for t in q)
    common = set().union(*(set(tokenize(q)) for q in general))
    return frozenset(t for t, n in seen.items() if n >= PRODUCT_SHARE * len(questions) and t not in common)
