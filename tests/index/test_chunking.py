from assistant.index.chunking import Chunk


def test_a_passage_is_called_by_its_heading_else_by_its_file_name():
    def chunk(source: str, section: str | None) -> Chunk:
        return Chunk("c", source, None, section, 0, 1, "x", "h", 0.0)

    assert chunk("galaxy-fit/section_28-weather.md", "Weather").title == "Weather"
    assert chunk("wiki/Airbus_A380.txt", None).title == "Airbus A380"
    assert chunk("reports/q3-results.pdf", None).title == "q3 results"
