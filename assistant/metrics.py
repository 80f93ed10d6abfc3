"""Answer metrics of the knowledge-injection literature: SQuAD-style token F1 and contains-gold."""

from __future__ import annotations

import re
import string
from collections import Counter

from assistant.citations import MARKER  # the app's citation markers: "[2]" is not the answer "2"

ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize(text: str) -> str:
    text = MARKER.sub(" ", text).lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    return " ".join(ARTICLES.sub(" ", text).split())


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = normalize(prediction).split(), normalize(gold).split()
    common = sum((Counter(pred) & Counter(ref)).values())
    if not pred or not ref or not common:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, golds: list[str]) -> float:
    return max((token_f1(prediction, g) for g in golds), default=0.0)


def contains_gold(prediction: str, golds: list[str]) -> bool:
    """The normalized answer contains one normalized gold answer as whole words (short golds only
    make sense): the gold "0" is not in "2016", nor "one" in "someone"."""
    pred = f" {normalize(prediction)} "
    return any(normalize(g) and f" {normalize(g)} " in pred for g in golds)
