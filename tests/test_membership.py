from assistant.membership import coverage, knows

VOCABULARY = frozenset({"explain", "account", "smart", "hub", "search", "option", "tv"})


def test_a_one_letter_typo_is_still_a_known_word():
    assert knows("explian", VOCABULARY) and knows("acoount", VOCABULARY) and knows("accounts", VOCABULARY)
    assert knows("serch", VOCABULARY) and knows("searchh", VOCABULARY)


def test_short_and_foreign_words_are_not_forgiven():
    assert not knows("tb", VOCABULARY)  # one edit from "tv", but short terms must match exactly
    assert not knows("band", VOCABULARY) and not knows("watch", VOCABULARY)


def test_coverage_is_the_share_of_known_terms():
    assert coverage("Smart Hub: explian the serch option", VOCABULARY) == 1.0
    assert coverage("Pair the band", VOCABULARY) == 0.0
    assert coverage("Smart band", VOCABULARY) == 0.5
    assert coverage("?", VOCABULARY) == 0.0


def test_how_people_ask_does_not_count_against_the_domain():
    assert coverage("I want to know: please explain the Smart Hub search option", VOCABULARY) == 1.0
    assert coverage("Can you tell me what you know?", VOCABULARY) == 0.0  # nothing left to belong anywhere


def test_a_hyphenated_word_counts_by_its_parts_as_every_card_s_vocabulary_holds_them():
    assert coverage("Search the Smart-Hub", VOCABULARY) == 1.0  # "smarthub", BM25's joined form, is no card's word
