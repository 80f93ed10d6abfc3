from assistant.citations import cite, split_sentences
from assistant.index.chunking import Chunk


def passage(cid: str, text: str, source: str = "notes.md") -> Chunk:
    return Chunk(cid, source, None, None, 0, len(text), text, "h", 0.0)


PASSAGES = [
    passage("a", "Firmware 1402 adds a Dolby Vision gaming mode and fixes HDMI eARC dropouts."),
    passage("b", "The QN90 costs 1299 euros from 1 March 2026.", "prices.csv"),
]


def test_adds_missing_markers_where_a_passage_supports_the_sentence():
    cited = cite("Firmware 1402 fixes HDMI eARC dropouts. The QN90 costs 1299 euros.", PASSAGES)
    assert cited.text == "Firmware 1402 fixes HDMI eARC dropouts [1]. The QN90 costs 1299 euros [2]."
    assert cited.numbers == [1, 2]


def test_drops_markers_the_passage_does_not_support():
    cited = cite("The QN90 costs 1299 euros [1]. Bananas are yellow and sweet [2].", PASSAGES)
    assert cited.text == "The QN90 costs 1299 euros [2]. Bananas are yellow and sweet."
    assert cited.numbers == [2]


def test_out_of_range_markers_and_unsupported_sentences_get_nothing():
    cited = cite("Nothing here matches at all, sorry [7].", PASSAGES)
    assert cited.numbers == [] and "[" not in cited.text


def test_line_breaks_survive():
    assert [s for s, _ in split_sentences("1. First step.\n2. Second step.")] == ["1. First step.", "2. Second step."]
    cited = cite("Steps:\n- Firmware 1402 adds a Dolby Vision gaming mode.\n- Done", PASSAGES)
    assert cited.text.count("\n") == 2


def test_a_marker_copied_from_a_document_points_at_the_passage_that_supports_the_sentence():
    passages = [PASSAGES[1], passage("c", "Firmware 1402 is free; gaming accessories are sold separately.", "accessories.md"),
                PASSAGES[0]]  # fmt: skip
    # the document's own "[2]" (a footnote in its text) would cite accessories.md, which shares a few words
    cited = cite("Firmware 1402 adds a Dolby Vision gaming mode [2].", passages)
    assert cited.text == "Firmware 1402 adds a Dolby Vision gaming mode [3]." and cited.numbers == [3]


def test_an_initial_does_not_end_a_sentence():
    assert [s for s, _ in split_sentences("Boeing was founded by William E. Boeing. He was born in Detroit.")] == [
        "Boeing was founded by William E. Boeing.", "He was born in Detroit."]  # fmt: skip
