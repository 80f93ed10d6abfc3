"""The BM25 tokenizer: lowercase, Unicode word split, stop words, Snowball stemming.

A change here changes every passage's terms: bump `chunking.CHUNKING` so indexes are re-read.

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
# A version or decimal ("2.3.0", "3.10") is one word, and so is a hyphenated one ("Wi-Fi", "AP-40").
WORD = re.compile(r"\d+(?:\.\d+)+|\w+(?:-\w+)*", re.UNICODE)


# A question's number written against its unit is also the two: "Does it work with 5GHz wifi?" and the
# help centre's "5 GHz networks are not supported" shared only "wifi". Not a model name ("QN90F", "H13"),
# an ordinal or a decade ("21st", "1990s"). A question's only: split in the passages too, the TV manual's
# "4K" and "120Hz" became "4", "k", "120" and "hz", and its section came first for 2 fewer of 49 test
# questions (`./dev bench section_rank`).
NUMBER_AND_UNIT = re.compile(r"(\d+)([^\W\d_]+)")
NOT_UNITS = frozenset({"st", "nd", "rd", "th", "s"})  # "21st", "1990s": an ordinal, a decade


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str, *, exact_numbers: bool = False) -> list[str]:
    """`exact_numbers` for what a question asks: a version it names is that version, not its parts."""
    words = [w for word in WORD.findall(text.lower()) for w in _with_parts(word, exact_numbers) if w not in STOP_WORDS]
    return _stemmer().stemWords(words)


def _with_parts(word: str, exact_numbers: bool) -> list[str]:
    """A version, a decimal, a question's number and its unit ("5ghz") or a snake_case name, then
    its parts: "Python 3.10" is not "3.9", and
    "Which variable sets the log level?" finds PIPEWRIGHT_LOG_LEVEL (Lucene's standard tokenizer
    keeps both whole). A version's leading parts count too, so "version 2.3" finds "2.3.0". A
    question's version is itself and its leading parts only: by its single numbers "2", "3" and
    "0", "2.3.0" matched 2.2.0's heading ("2", "0") beside "Python 3.9" ("3") as well as its own;
    "Python 3" still finds a passage's "3.10" by that passage's parts."""
    if "-" in word:
        return _hyphenated(word, exact_numbers)
    if "." not in word and "_" not in word:  # nearly every word: no split to pay for (2.4x the tokenizing time)
        if exact_numbers and word[0].isdigit() and not word.isdigit() and (unit := NUMBER_AND_UNIT.fullmatch(word)) \
                and unit[2] not in NOT_UNITS:  # fmt: skip
            return [word, unit[1], unit[2]]
        return [word]
    parts = [p for p in re.split(r"[._]", word) if p]
    if len(parts) < 2:
        return parts
    if not word[0].isdigit():  # a snake_case name
        return [word, *parts]
    leading = [".".join(parts[:k]) for k in range(len(parts) - 1, 1, -1)]  # "2.3.0" → "2.3"
    return [word, *leading] if exact_numbers else [word, *leading, *parts]


def _hyphenated(word: str, exact_numbers: bool) -> list[str]:
    """Its parts and, when it has letters, the parts joined: a manual's "Wi-Fi" is the user's
    "wifi" ("How do I connect it to my wifi?" found its section eleventh by BM25), "e-mail" is
    "email" and "AP-40" is "ap40"."""
    parts = [w for part in word.split("-") if part for w in _with_parts(part, exact_numbers)]
    joined = word.replace("-", "")
    return [joined, *parts] if any(c.isalpha() for c in joined) and len(parts) > 1 else parts


# How people ask, not what they ask about (the tokenizer keeps these words): coverage and quote
# checks leave them out, so "I want to know how to…" is judged on the rest — and "What happens when
# my trial ends?" on "trial" and "ends".
QUESTION_WORDS = frozenset(set(tokenize("how do does did i we you my me what which who whom whose where when why can could "
                                    "should would will shall may might want need know tell please explain happens so"))
                           # what an apostrophe leaves ("can't" is "can" and "t", "TV's" "tv" and "s"): no word of a
                           # passage, yet "How do I lock the buttons so my kids can't start it?" had "t" and "so"
                           # for two of its six content words, and its answer was labelled the closest
                           | {"t", "s", "d", "ll", "m", "re", "ve", "don", "doesn", "didn", "isn", "aren", "wasn",
                              "weren", "couldn", "shouldn", "wouldn", "hasn", "haven", "hadn"})  # fmt: skip
