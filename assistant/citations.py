"""Answer ↔ passage mapping: keep the `[n]` markers a passage supports, add the ones it left out.

Small models rarely cite, and sometimes cite a passage that says something else. So each answer
sentence is compared with each passage (share of the sentence's content words, stemmed, that the
passage contains); a sentence is attributed to its best passage when the overlap clears a bar,
a model-written marker survives only when its passage supports that sentence at a lower bar, and
everything else is dropped. The result is what the UI shows as numbered citations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.index.chunking import Chunk
from assistant.index.tokenize import tokenize

MARKER = re.compile(r"\s*\[(\d{1,2})\]")
# A sentence ends at . ! ? before a capital or digit, or before a record's next field ("question: …?
# answer: Open…", a CSV row), but not after a list number ("1. First") or an initial ("William E. Boeing").
SENTENCE_END = re.compile(r"(?<!\b\d\.)(?<!\b\d\d\.)(?<!\b[A-Z]\.)(?<=[.!?])\s+(?=[A-Z0-9\"'(\[]|[a-z_]\w*: )|\n+")
ATTRIBUTE_AT = 0.5  # share of a sentence's content words found in the passage to add a citation
KEEP_AT = 0.25  # lower bar for a marker the model wrote itself
RIVAL_SHARE = 0.8  # … as long as no other passage supports the sentence clearly better
MIN_WORDS = 3  # shorter sentences ("Yes.") carry too little to attribute


@dataclass(frozen=True)
class Cited:
    text: str  # the answer with supported markers only
    numbers: list[int]  # cited passage numbers (1-based, as in the prompt), in order of first use


def split_sentences(text: str) -> list[tuple[str, str]]:
    """(sentence, the whitespace after it) pairs, so the answer's line breaks survive."""
    text = text.strip()
    pieces, start = [], 0
    for match in SENTENCE_END.finditer(text):
        pieces.append((text[start : match.start()], match.group()))
        start = match.end()
    pieces.append((text[start:], ""))
    return [(s, sep) for s, sep in pieces if s.strip()]


def overlap(sentence_tokens: Sequence[str], passage_tokens: set[str]) -> float:
    words = set(sentence_tokens)
    return len(words & passage_tokens) / len(words) if words else 0.0


def cite(answer: str, passages: Sequence[Chunk]) -> Cited:
    passage_tokens = [set(tokenize(p.search_text)) for p in passages]
    out: list[str] = []
    used: list[int] = []
    for sentence, separator in split_sentences(answer):
        written = [int(m) for m in MARKER.findall(sentence)]
        bare = MARKER.sub("", sentence).rstrip()
        tokens = tokenize(bare)
        scores = [overlap(tokens, pt) for pt in passage_tokens]
        # A written marker stands only if its passage is (nearly) the best support: a document's own
        # "[3]" copied into the answer must not point at whatever passage happens to be third.
        best_score = max(scores, default=0.0)
        keep = [n for n in dict.fromkeys(written)
                if 1 <= n <= len(passages) and scores[n - 1] >= max(KEEP_AT, RIVAL_SHARE * best_score)]  # fmt: skip
        if not keep and len(set(tokens)) >= MIN_WORDS and scores:
            best = max(range(len(scores)), key=scores.__getitem__)
            if scores[best] >= ATTRIBUTE_AT:
                keep = [best + 1]
        for n in keep:
            if n not in used:
                used.append(n)
        out.append(_with_markers(bare, keep) + separator)
    return Cited("".join(out).strip(), used)


def _with_markers(sentence: str, numbers: list[int]) -> str:
    if not numbers:
        return sentence
    marks = "".join(f"[{n}]" for n in numbers)
    match = re.search(r"[.!?]+$", sentence)
    if match:  # "… the remote.[1]" reads worse than "… the remote [1]."
        return f"{sentence[: match.start()]} {marks}{match.group()}"
    return f"{sentence} {marks}"
