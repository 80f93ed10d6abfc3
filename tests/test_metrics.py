from assistant.metrics import best_f1, contains_gold


def test_a_reference_counts_only_as_whole_words():
    assert contains_gold("The 1975 film was directed by Steven Spielberg.", ["Steven Spielberg"])
    assert contains_gold("There are 1,261 confirmed tornadoes.", ["1,261"])
    assert not contains_gold("Schiaparelli EDM (2016) failed to land.", ["0", "zero"])
    assert not contains_gold("Someone has to go first.", ["one"])
    assert not contains_gold("They won the 2022 World Series [2].", ["two", "2"])  # "[2]" cites, it does not count


def test_token_f1_ignores_case_punctuation_and_articles():
    assert best_f1("The Airbus A380.", ["airbus a380", "A380"]) == 1.0
