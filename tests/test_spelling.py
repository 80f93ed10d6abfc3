"""Misspelt question words corrected toward the folder's own words (`assistant/spelling.py`)."""

from assistant.index.tokenize import tokenize
from assistant.spelling import corrected, corrections, notice

FOLDER = {t for w in "search channels account benefits exercise explain option pipewright remote songs".split()
          for t in tokenize(w)}  # fmt: skip


def held(terms):
    return [t in FOLDER for t in terms]


def test_a_typo_becomes_the_folders_word_and_the_user_is_told():
    fixes = corrections("How do I serch for channels and create an acoount?", held)
    assert fixes == {"serch": "search", "acoount": "account"}
    assert corrected("How do I serch for channels?", fixes) == "How do I search for channels?"
    assert notice(fixes) == "Searched with “search” for “serch”, “account” for “acoount”."
    assert corrections("Can you explian the otion?", held) == {"explian": "explain", "otion": "option"}  # a swap is one edit
    assert corrections("pick out an excerise outfit", held) == {"excerise": "exercise"}  # two edits in a long word


def test_words_the_folder_holds_names_contractions_and_short_words_stay():
    assert corrections("What is pipewright.toml for?", held) == {}
    assert corrections("Does it work with Sonos?", held) == {}  # capitalised: a name
    assert corrections("I dont know what to do", held) == {}  # "dont" is "don't", not "done"
    assert corrections("what is the current price of tsla", held) == {}  # four letters: as often an abbreviation
    assert corrections("can the knicks play the lakers", held) == {}  # MiniLM's vocabulary knows them


def test_only_a_word_the_folder_holds_is_a_correction():
    assert corrections("How do I serch?", lambda terms: [False] * len(terms)) == {}
    assert corrections("Is therre an app?", lambda terms: [False] * len(terms)) == {"therre": "there"}  # every folder's
    assert corrections("Wie kann ich die Fernbedienung koppeln?", held) == {}  # not English: left alone
