"""The BM25 tokenizer: lowercase, Unicode word split, stop words, Snowball stemming.

Whitespace splitting would keep "TV," and "tv" apart and miss "settings" for "setting"; this is
the analysis Lucene's English analyzer does, with PyStemmer's C Snowball stemmer (fast enough to
tokenize 100k chunks in seconds).
"""

from __future__ import annotations

import re
from functools import lru_cache

# Lucene's classic English stop set (also Elasticsearch's `_english_` default before 8.x):
# short on purpose, so negations and question words still count.
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with".split()
)
WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    words = [w for w in WORD.findall(text.lower()) if w not in STOP_WORDS and w != "_"]
    return _stemmer().stemWords(words)


# How people ask, not what they ask about (the tokenizer keeps these words): coverage and quote
# checks leave them out, so "I want to know how to…" is judged on the rest.
QUESTION_WORDS = frozenset(tokenize("how do does did i we you my me what which who whom whose where when why can could "
                                    "should would will shall may might want need know tell please explain"))
