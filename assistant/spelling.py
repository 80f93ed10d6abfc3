"""Misspelt words in a question, corrected toward the knowledge folder's own words.

Real users type "serch", "acoount", "bebefits" (E-Manual QA's questions about the TV manual and the
Galaxy S10 hold each): BM25 finds no such term and the vector of a misspelt word is another word's.
A lower-case word of five letters or more that is in neither SymSpell's English frequency list
(82,765 words, with symspellpy), MiniLM's vocabulary nor the folder becomes the closest English
word — one edit away, two for a word of eight letters or more, the most frequent first — that the
folder holds (or a function word: "therre"). A word the folder holds ("pipewright") or a capitalised
one (a name: "Sonos") is never changed, nor is a question most of whose words are unknown (another
language, code). With one typo in each of our scenarios' questions, the right file is quoted for
0.41 → 0.71 of the band's, 0.50 → 0.86 of the phone's (`./dev bench typos`, test split).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cache

from assistant.index.tokenize import tokenize

# Lower case, five letters or more: not "couldn" of "couldn't", nor "toml" of "a.toml", nor a four-letter word, as
# often an abbreviation as a typo and one edit from a dozen words ("tsla", a ticker, became "tesla").
WORD = re.compile(r"(?<![\w'’.-])[a-z]{5,}(?![\w'’-])")
FOREIGN_SHARE = 0.5  # more unknown words than this share of the question's: not English, left alone
# Contractions typed without their apostrophe are words, not typos ("I dont know" is not "I done know").
CONTRACTIONS = frozenset("dont doesnt didnt cant couldnt wouldnt shouldnt wont isnt arent wasnt werent havent hasnt "
                         "hadnt youre theyre thats whats wheres hows theres heres lets youve weve theyve youll well "
                         "itll shes hes youd theyd mustnt neednt aint".split())  # fmt: skip


@cache
def _wordpieces() -> frozenset[str]:
    """MiniLM's whole words (its WordPiece vocabulary, the embedder's tokenizer): names and plurals
    the frequency list lacks ("lakers", "centers") that were being "corrected" ("layers", "enters")."""
    from tokenizers import Tokenizer

    from assistant.llm.embeddings import MINILM_TOKENIZER

    vocab = Tokenizer.from_file(str(MINILM_TOKENIZER)).get_vocab()
    return frozenset(w for w in vocab if w.isalpha())


def _word_list():
    from importlib.resources import files

    return files("symspellpy") / "frequency_dictionary_en_82_765.txt"


@cache
def _english_words() -> frozenset[str]:
    """The frequency list's words (50 ms): is a word English? Every question asks."""
    return frozenset(line.split(" ", 1)[0] for line in _word_list().read_text(encoding="utf-8").splitlines())


@cache
def _speller():
    """SymSpell over the frequency list, once, when a question first holds an unknown word: 0.8 s and
    ~36 MB with deletes over five-letter prefixes (2.3 s and ~135 MB over symspellpy's default seven,
    the same corrections for every typo of `./dev bench typos`)."""
    from symspellpy import SymSpell

    speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=5)
    speller.load_dictionary(str(_word_list()), 0, 1)
    return speller


def corrections(question: str, held: Callable[[list[str]], Sequence[bool]]) -> dict[str, str]:
    """{misspelt word: its correction} for `question`; `held(terms)` says which index terms the
    folder holds (`Snapshot.mentions`)."""
    words = list(dict.fromkeys(WORD.findall(question)))
    if not words:
        return {}
    from symspellpy import Verbosity

    english, pieces = _english_words(), _wordpieces()
    known = lambda word: word in english or word in CONTRACTIONS or word in pieces  # noqa: E731
    unknown = {w: term[0] for w in words if not known(w) and (term := tokenize(w))}  # word → its index term
    every = [w.lower() for w in re.findall(r"[A-Za-z]{2,}", question)]
    if not unknown or sum(not known(w) for w in every) > FOREIGN_SHARE * len(every):
        return {}
    in_folder = dict(zip(unknown, held(list(unknown.values())), strict=True))
    suggested = {w: [s.term for s in _speller().lookup(w, Verbosity.CLOSEST, 2 if len(w) >= 8 else 1)]
                 for w in unknown if not in_folder[w]}  # fmt: skip
    terms = {t: tokenize(t) for options in suggested.values() for t in options}
    indexed = [t for t, term in terms.items() if term]
    found = dict(zip(indexed, held([terms[t][0] for t in indexed]), strict=True)) if indexed else {}
    found |= {t: True for t, term in terms.items() if not term}  # "there": no index term, every folder's
    return {w: next(t for t in options if found[t]) for w, options in suggested.items() if any(found[t] for t in options)}


def corrected(question: str, fixes: dict[str, str]) -> str:
    return WORD.sub(lambda m: fixes.get(m.group(), m.group()), question) if fixes else question


def notice(fixes: dict[str, str]) -> str:
    said = ", ".join(f"“{right}” for “{wrong}”" for wrong, right in fixes.items())
    return f"Searched with {said}."
