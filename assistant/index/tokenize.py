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
