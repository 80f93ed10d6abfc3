from assistant.index.chunking import HEADINGS, Chunk, chunk_sections
from assistant.index.loaders import Section


def test_a_passage_is_called_by_its_heading_else_by_its_file_name():
    def chunk(source: str, section: str | None) -> Chunk:
        return Chunk("c", source, None, section, 0, 1, "x", "h", 0.0)

    assert chunk("galaxy-fit/section_28-weather.md", "Weather").title == "Weather"
    assert chunk("wiki/Airbus_A380.txt", None).title == "Airbus A380"
    assert chunk("reports/q3-results.pdf", None).title == "q3 results"


def _cut(text: str, heading: str | None = None) -> list[str]:
    return [c.text for c in chunk_sections("a.md", [Section(text, None, heading)], file_hash="h", mtime=0.0)]


def test_a_heading_cut_off_a_long_first_paragraph_stays_with_it():
    paragraph = "Press and hold the button on the Samsung Smart Remote, then say a command. " * 10
    cut = _cut(f"# Running Bixby\n\n{paragraph}", "Running Bixby")
    assert cut[0].startswith("# Running Bixby\n\nPress and hold")  # never "# Running Bixby" alone
    assert all(HEADINGS.sub("", text).strip() for text in cut)


def test_a_short_section_is_one_chunk_a_trailing_heading_joins_the_piece_before_a_short_sentence_stays():
    assert _cut("# Widgets\n\nHealth summary Exercise") == ["# Widgets\n\nHealth summary Exercise"]
    text = "A long sentence about the remote control and its batteries. " * 12 + "\n\n## See also"
    assert _cut(text)[-1].endswith("## See also") and _cut(text)[-1] != "## See also"
    assert _cut("# Notes\n\n" + "A long sentence about the remote control and its batteries. " * 12
                + "\n\nThe number one is Novak Djokovic.")[-1] == "The number one is Novak Djokovic."


def test_a_table_of_contents_is_not_glued_into_one_chunk():
    contents = "\n\n".join(f"## {n}. Chapter number {n} of the manual" for n in range(1, 120))
    cut = _cut(contents)
    assert len(cut) > 1 and max(len(text) for text in cut) <= 2 * 600
