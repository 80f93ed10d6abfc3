from assistant.index.chunking import Chunk
from assistant.index.proximity import best_sentence_share, sentence_terms
from assistant.index.tokenize import tokenize


def chunk(text: str, cid: str = "c") -> Chunk:
    return Chunk(cid, "manual.md", None, None, 0, len(text), text, "h", 0.0)


def test_the_words_together_in_one_sentence_beat_the_same_words_apart():
    together = chunk(
        "Find My Band helps locate the band. To stop the band vibrating at night, turn on Good night mode.", "a"
    )
    apart = chunk("The band can vibrate. It also has a screen. Night mode dims the screen.", "b")
    shares = best_sentence_share([apart, together], tokenize("stop the band vibrating at night"))
    assert shares[1] > shares[0]


def test_a_word_every_candidate_holds_weighs_least():
    common = chunk("Galaxy Fit weather widget.", "a")  # "galaxy" and "fit" are everywhere
    rare = chunk("Weather on the Galaxy Fit.", "b")
    other = chunk("Galaxy Fit alarm.", "c")
    shares = best_sentence_share([common, rare, other], tokenize("galaxy fit weather"))
    assert shares[0] == shares[1] > shares[2] > 0


def test_headings_are_not_sentences_and_no_terms_mean_no_scores():
    assert sentence_terms(chunk("# Weather\n\nSwipe left for the widget.")) == (
        frozenset(tokenize("Swipe left for the widget")),
    )
    assert list(best_sentence_share([chunk("Anything.")], [])) == [0.0]
    assert len(best_sentence_share([], tokenize("weather"))) == 0
