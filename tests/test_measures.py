from assistant import measures
from assistant.grounding import answers_question, extract


def test_a_question_of_how_heavy_or_loud_asks_for_the_attribute_by_its_name():
    assert measures.search_query("How loud is it?") == "what noise level is it?"
    assert measures.search_query("So how heavy is the AP-40?") == "So what weight is the AP-40?"
    assert measures.search_query("How long is the warranty?") == "How long is the warranty?"  # mostly a time
    assert measures.search_query("How do I clean it?") == "How do I clean it?"


def test_the_quote_answers_how_loud_with_the_noise_level():
    passages = ["The purifier is quiet enough for a bedroom at night.", "Noise level: 24 dB (Sleep) to 52 dB (Turbo)."]
    assert extract("How loud is the purifier?", passages)[0] == (2, passages[1])
    assert answers_question("How loud is it?", [(2, passages[1])])
