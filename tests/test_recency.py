from assistant.index.chunking import Chunk
from assistant.recency import heading_date, newest_first, newest_leads
from assistant.retrieval import Hit


def hit(source: str, section: str | None) -> Hit:
    return Hit(Chunk(f"{source}{section}", source, None, section, 0, 1, "x", "h", 0.0), 1.0)


NOTES = [hit("notes.html", "Release notes › Version 4.0 (November 2, 2025)"), hit("faq.csv", "Is there an app?"),
         hit("notes.html", "Release notes › Version 4.2 (March 3, 2026)")]  # fmt: skip


def test_asked_for_the_latest_the_newest_dated_section_takes_the_first_of_its_file_s_places():
    ordered = newest_first("What's new in the latest version?", NOTES)
    assert [h.chunk.section for h in ordered] == [NOTES[2].chunk.section, NOTES[1].chunk.section, NOTES[0].chunk.section]


def test_other_questions_and_undated_sections_keep_the_search_s_order():
    assert newest_first("What changed in version 4.0?", NOTES) == NOTES
    undated = [hit("manual.md", "Picture settings"), hit("manual.md", "Sound settings")]
    assert newest_first("What is the current picture mode?", undated) == undated


def test_headings_carry_dates_and_versions_in_the_ways_people_write_them():
    assert heading_date("Firmware 1520 (released 2026-11-12)")[1] == (1520,)
    assert str(heading_date("Outage on 3 March 2026")[0]) == "2026-03-03"
    assert heading_date("v2.10")[1] > heading_date("v2.9")[1]
    assert heading_date("Picture settings") is None and heading_date("February 30, 2026") is None


def test_the_newest_section_leads_only_when_asked_for_the_latest_and_it_is_first():
    question = "What's new in the latest version?"
    assert newest_leads(question, newest_first(question, NOTES))
    assert not newest_leads(question, NOTES)  # the oldest first: the search's order, not the newest
    assert not newest_leads("What changed in version 4.0?", NOTES)
