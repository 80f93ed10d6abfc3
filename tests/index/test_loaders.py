"""Extracted text is counted, not just bytes on disk: a file that expands past the cap is refused."""

import pytest

from assistant import grounding
from assistant.index import loaders
from assistant.index.loaders import Unreadable, load, load_within
from tests.documents import write_pdf, write_slow_pdf


def test_text_that_expands_past_the_cap_is_refused_with_the_fix(tmp_path):
    pages = ["Pair the remote. " * 60] * 30  # ~30 k characters from a few KB of compressed PDF
    pdf = write_pdf(tmp_path / "bomb.pdf", pages)
    assert pdf.stat().st_size < 20_000
    with pytest.raises(Unreadable, match="more than 10,000 characters of text .*ASSISTANT_MAX_FILE_CHARS"):
        load(pdf, max_chars=10_000)
    assert len(load(pdf, max_chars=100_000)) == 30


def pages_read(monkeypatch, pause_s: float = 0.0) -> list[int]:
    """Record (and optionally slow down) each page the PDF loader extracts."""
    import time

    extracted, real = [], loaders.load_pdf

    def counting(path):
        for section in real(path):
            time.sleep(pause_s)
            extracted.append(section.page)
            yield section

    monkeypatch.setitem(loaders.LOADERS, ".pdf", counting)
    return extracted


def test_a_pdf_stops_being_extracted_at_the_cap(tmp_path, monkeypatch):
    pdf = write_pdf(tmp_path / "long.pdf", ["Page text. " * 100] * 40)
    extracted = pages_read(monkeypatch)
    with pytest.raises(Unreadable):
        load(pdf, max_chars=3_000)
    assert len(extracted) < 5, "pages after the cap are never parsed"


def test_plain_text_counts_too(tmp_path):
    path = tmp_path / "big.md"
    path.write_text("# Title\n\n" + "word " * 5000)
    with pytest.raises(Unreadable, match="characters of text"):
        load(path, max_chars=1_000)
    assert load(path)  # no cap given: read whole


def test_a_file_that_reads_too_slowly_stops_at_the_time_limit(tmp_path, monkeypatch):
    """A pathological PDF (slow pages) is skipped with the fix, and its later pages are never parsed."""
    pdf = write_pdf(tmp_path / "slow.pdf", ["Page text. " * 20] * 40)
    extracted = pages_read(monkeypatch, pause_s=0.05)
    with pytest.raises(Unreadable, match="took more than 0.2 s .*ASSISTANT_MAX_FILE_SECONDS"):
        load(pdf, max_seconds=0.2)
    assert len(extracted) < 10


def test_one_endless_page_is_stopped_inside_it_and_other_files_still_load(tmp_path):
    """The clock between pages cannot stop a page that takes minutes: the parser runs in a child
    process that is killed at the limit."""
    import time

    slow = write_slow_pdf(tmp_path / "slow.pdf", 60_000)  # ~6 s of one page here, a few KB on disk
    assert slow.stat().st_size < 10_000
    started = time.monotonic()
    with pytest.raises(Unreadable, match="took more than 1 s .*inside a page.*ASSISTANT_MAX_FILE_SECONDS"):
        load_within(slow, max_seconds=1)
    assert time.monotonic() - started < 4.5  # fork server start included
    good = write_pdf(tmp_path / "good.pdf", ["Pair the remote.", "Reset the TV."])
    assert [s.page for s in load_within(good, max_seconds=30)] == [1, 2]
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(Unreadable, match="corrupt PDF"):
        load_within(tmp_path / "broken.pdf", max_seconds=30)
    with pytest.raises(FileNotFoundError):
        load_within(tmp_path / "gone.pdf", max_seconds=30)


def test_an_html_page_is_a_section_per_heading_titled_by_its_path(tmp_path):
    page = tmp_path / "notes.html"
    page.write_text(
        "<html><head><title>Tasklane</title><script>var hidden = 1;</script></head><body>"
        "<p>About these notes.</p><h1>Release notes</h1><h2>Version 4.2 (March 3, 2026)</h2>"
        "<p>Recurring tasks repeat on the last <b>working</b> day.</p><h2>Version 4.1 (January 19, 2026)</h2>"
        "<p>Added dark mode.</p><h3>Fixes</h3><ul><li>CSV imports keep due dates.</li></ul></body></html>"
    )
    sections = load(page)
    assert [s.heading for s in sections] == [
        "Tasklane",
        "Release notes › Version 4.2 (March 3, 2026)",
        "Release notes › Version 4.1 (January 19, 2026)",
        "Release notes › Version 4.1 (January 19, 2026) › Fixes",
    ]
    assert "dark mode" in sections[2].text and "4.2" not in sections[2].text
    assert "## Version 4.1 (January 19, 2026)" in sections[2].text  # a heading line, as in a Markdown file
    assert not any("hidden" in s.text for s in sections)


def test_a_saved_help_centre_page_is_its_article_without_the_sites_template(tmp_path):
    """Navigation, search, cookie banner, breadcrumbs, votes and related links are the site's, not the
    article's; the footer's support line is kept once, as its own section."""
    (tmp_path / "battery.html").write_text(
        '<html><head><title>Battery – Help Center</title></head><body><header><a href="/">Help Center</a>'
        '<nav><ul><li><a>Billing &amp; plans</a></li><li><a>Contact support</a></li></ul></nav>'
        '<form role="search"><input placeholder="Search"><button>Search</button></form></header>'
        '<div class="cookie-banner">We use cookies. <button>Accept all</button></div>'
        '<nav class="breadcrumbs"><a>Help Center</a> &gt; <a>Devices</a></nav>'
        "<main><article><h1>Battery and charging</h1><h2>Low battery alerts</h2>"
        "<p>The app sends a low battery alert at 20%.</p>"
        '<div class="article-votes">Was this article helpful? <button>Yes</button><span>41 out of 57 found this helpful</span></div>'
        '</article><aside class="related-articles"><h3>Related articles</h3><ul><li>Fix Wi-Fi problems</li></ul></aside></main>'
        "<footer><p>Still need help? Call 1-888-555-0142.</p></footer></body></html>"
    )
    sections = load(tmp_path / "battery.html")
    assert [s.heading for s in sections] == ["Battery and charging › Low battery alerts", "Battery and charging › Page footer"]
    text = " ".join(s.text for s in sections)
    for chrome in ("Billing", "Search", "cookies", "Devices", "helpful", "Related", "Wi-Fi", "Help Center"):
        assert chrome not in text
    assert "20%" in sections[0].text and "1-888-555-0142" in sections[1].text
    (tmp_path / "plain.html").write_text("<p>Hi.</p><nav><a>Home</a></nav><p>Bye.</p><footer>Call us.</footer>")
    assert [s.text.split() for s in load(tmp_path / "plain.html")] == [["Hi.", "Bye."], ["##", "Page", "footer", "Call", "us."]]


def test_a_table_row_is_a_sentence_that_names_its_values_by_their_columns(tmp_path):
    (tmp_path / "config.md").write_text(
        "# Settings\n\nSet these before you start.\n\n| Variable | Purpose | Default |\n|---|:--|--:|\n"
        "| LOG_LEVEL | debug, info or error | info |\n| HOME | where logs are kept | |\n\n"
        "```\na | b\n--|--\n```\nAfter the table.\n"
    )
    text = load(tmp_path / "config.md")[0].text
    assert "Variable: LOG_LEVEL; Purpose: debug, info or error; Default: info.\nVariable: HOME; Purpose: where" in text
    assert "|---|" not in text and "a | b\n--|--" in text and "After the table." in text  # code blocks stay code
    (tmp_path / "plans.html").write_text(
        "<h1>Plans</h1><p>Our plans.</p><table><tr><th>Plan</th><th>Users</th></tr><tr><td>Free</td><td>3</td></tr></table>"
        "<table><tr><td>Sales</td><td>sales@example.com</td></tr></table>"
    )
    text = load(tmp_path / "plans.html")[0].text
    assert "Plan: Free; Users: 3." in text and "Sales | sales@example.com." in text  # no header row: unnamed
    assert grounding._sentences(text)[-2:] == ["Plan: Free; Users: 3.", "Sales | sales@example.com."]  # as quoted


def test_a_docs_site_page_is_titled_by_its_front_matter_which_is_not_text(tmp_path):
    (tmp_path / "install.md").write_text(
        '---\ntitle: "Installing  Pipewright"\nsidebar_position: 2\n---\n\nRuns on Linux.\n\n## Requirements\n\nPython 3.10.\n'
    )
    sections = load(tmp_path / "install.md")
    assert [s.heading for s in sections] == ["Installing Pipewright", "Installing Pipewright › Requirements"]
    assert not any("sidebar" in s.text for s in sections)
    (tmp_path / "rules.md").write_text("---\n\nA page that opens with a rule.\n\n---\n\nText.\n")  # not front matter
    assert "A page that opens with a rule." in load(tmp_path / "rules.md")[0].text


def test_underlined_headings_are_sections_like_hash_headings(tmp_path):
    (tmp_path / "README.md").write_text(
        "Pipewright\n==========\n\nA runner.\n\nInstall\n-------\n\nRun pip.\n\n- a list item\n---\n\n```\ncode\n---\n```\n"
    )
    sections = load(tmp_path / "README.md")
    assert [s.heading for s in sections] == ["Pipewright", "Pipewright › Install"]
    assert "- a list item\n---" in sections[1].text and "code\n---" in sections[1].text  # not headings


def test_a_csv_row_is_titled_by_its_first_cell_when_that_column_names_the_rows(tmp_path):
    faq = tmp_path / "faq.csv"
    faq.write_text('question,answer\nHow do I reset my password?,"Open the sign-in page."\nIs there an app?,Yes.\n')
    assert [s.heading for s in load(faq)] == ["How do I reset my password?", "Is there an app?"]
    prices = tmp_path / "prices.csv"  # the same model on two rows, and ids that are numbers: no names
    prices.write_text("model,size,price\nQN90F,55,1299\nQN90F,65,1799\n")
    ids = tmp_path / "ids.csv"
    ids.write_text("id,name\n1,Alpha\n2,Beta\n")
    assert [s.heading for s in load(prices)] == ["row 1", "row 2"]
    assert [s.heading for s in load(ids)] == ["row 1", "row 2"]


def test_a_csv_row_leaves_its_empty_cells_out(tmp_path):
    """A remote in a TV price list has no screen size: "screen_size_in: " ended no field, and the
    row read as one run-on field (`grounding._as_record` folds only "name: value" lines)."""
    prices = tmp_path / "prices.csv"
    prices.write_text("model,screen_size_in,price_eur\nQ60F,50,649\nSmart Remote (solar),,39\n")
    assert [s.text for s in load(prices)] == ["model: Q60F\nscreen_size_in: 50\nprice_eur: 649",
                                              "model: Smart Remote (solar)\nprice_eur: 39"]  # fmt: skip


def test_an_excel_workbook_is_read_a_row_a_passage_each_visible_sheet(tmp_path):
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    tvs = book.active
    tvs.title = "TVs"
    tvs.append(["Model", "Screen (in)", "Price (EUR)", "Valid from"])
    tvs.append(["QN90F", 55, 1299.0, datetime.datetime(2026, 10, 1)])
    tvs.append([None, None, None])  # a blank row between blocks
    tvs.append(["Smart Remote (solar)", None, 39, datetime.datetime(2026, 11, 1)])
    book.create_sheet("Accessories").append(["Wall mount WMN-1", "fits 50–65 in", 89])  # no header row
    hidden = book.create_sheet("Old prices")
    hidden.append(["QN90F", 1499])
    hidden.sheet_state = "hidden"
    book.save(tmp_path / "prices.xlsx")
    sections = load(tmp_path / "prices.xlsx")
    assert [s.heading for s in sections] == ["TVs › QN90F", "TVs › Smart Remote (solar)", "Accessories › Wall mount WMN-1"]
    assert sections[0].text == "Model: QN90F\nScreen (in): 55\nPrice (EUR): 1299\nValid from: 2026-10-01"
    assert sections[1].text == "Model: Smart Remote (solar)\nPrice (EUR): 39\nValid from: 2026-11-01"  # no empty cell
    assert sections[2].text == "Wall mount WMN-1 | fits 50–65 in | 89"
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(Unreadable, match="corrupt .xlsx"):
        load(tmp_path / "broken.xlsx")


def test_a_pdf_s_pages_are_titled_by_the_bookmarks_in_force_on_them(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for title, level, body in [("Getting started", 0, "Create a workspace."), ("Invitations", 1, "They expire after 7 days."),
                               (None, 0, "Guests see only their projects."), ("Integrations", 0, "Connect Slack.")]:  # fmt: skip
        pdf.add_page()
        if title:
            pdf.start_section(title, level=level)
        pdf.multi_cell(0, 8, body)
    pdf.output(str(tmp_path / "guide.pdf"))
    sections = load(tmp_path / "guide.pdf")
    assert [(s.page, s.heading) for s in sections] == [
        (1, "Getting started"), (2, "Getting started › Invitations"), (3, "Getting started › Invitations"), (4, "Integrations")
    ]
    plain = write_pdf(tmp_path / "plain.pdf", ["No bookmarks here."])  # no outline: pages stay untitled
    assert [s.heading for s in load(plain)] == [None]


def test_a_word_document_is_a_section_per_heading_with_its_tables_in_place(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Meals", 1)
    document.add_paragraph("You may claim up to 60 euros per day for meals.")
    document.add_heading("Hotels", 2)
    table = document.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "City", (0, 1): "Limit", (1, 0): "Paris", (1, 1): "180 euros"}.items():
        table.cell(r, c).text = text
    document.add_heading("Flights", 1)
    document.add_paragraph("Economy class for flights under six hours.")
    document.save(str(tmp_path / "travel.docx"))
    sections = load(tmp_path / "travel.docx")
    assert [s.heading for s in sections] == ["Meals", "Meals › Hotels", "Flights"]
    assert "City: Paris; Limit: 180 euros." in sections[1].text and "60 euros" in sections[0].text
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not a real archive")
    with pytest.raises(Unreadable, match="corrupt .docx"):
        load(tmp_path / "broken.docx")


def test_a_word_tables_first_row_names_its_columns_only_when_it_reads_as_names_and_the_footer_is_kept(tmp_path):
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.sections[0].footer.paragraphs[0].text = "Service hotline +49 30 5550 1234"
    document.add_heading("Modes", 1)
    for rows in ([["Mode", "Range"], ["Eco", "up to 120 km"], ["Turbo", "up to 40 km"]],  # names: no digits, short
                 [["E01", "Speed sensor not detected"], ["E02", "Battery overheated"]],  # data from the first row
                 [["Code 1", "Meaning"], ["E05", "Motor overload"]]):  # a digit, but marked to repeat as the header
        table = document.add_table(rows=len(rows), cols=2)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = value
        if rows[0][0] == "Code 1":
            table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    document.save(str(tmp_path / "guide.docx"))
    modes, footer = load(tmp_path / "guide.docx")
    assert "Mode: Turbo; Range: up to 40 km." in modes.text and "E02 | Battery overheated." in modes.text
    assert "Code 1: E05; Meaning: Motor overload." in modes.text
    assert footer.heading == "Page footer" and "+49 30 5550 1234" in footer.text


def test_plain_text_headings_in_the_shapes_plain_text_gives_them_make_sections(tmp_path):
    """Unmarked, "2. WHAT IS NOT COVERED 2.1 Burrs and seals wear…" was one sentence to the quotes
    and a FAQ's answers began "A:"."""
    policy = tmp_path / "warranty.txt"
    policy.write_text("SHOP WARRANTY\n\n1. WHAT IS COVERED\n\n1.1 Grinders carry a two-year warranty.\n\n"
                      "2. Claims\n\n2.1 Email us the serial number.\nIt is under the base.\n")  # fmt: skip
    sections = load(policy)
    assert [s.heading for s in sections] == ["SHOP WARRANTY › 1. WHAT IS COVERED", "SHOP WARRANTY › 2. Claims"]
    assert "1.1 Grinders carry a two-year warranty." in sections[0].text
    shipping = tmp_path / "shipping.txt"
    shipping.write_text("Shipping\n--------\n\nLast updated: 3 March\n\nWe ship to Ireland.\n\nReturns\n-------\n\nWithin 30 days.\n")
    assert [s.heading for s in load(shipping)] == ["Shipping", "Returns"]  # "Last updated: …" is a line of text
    faq = tmp_path / "faq.txt"
    faq.write_text("Q: Do you sell gift cards?\nA: Yes, from 10 pounds.\n\nQ: Can I cancel?\nA: Within one hour.\n")
    sections = load(faq)
    assert [s.heading for s in sections] == ["Do you sell gift cards?", "Can I cancel?"]
    assert sections[0].text.splitlines()[-1] == "Yes, from 10 pounds."
    article = tmp_path / "article.txt"  # no blank lines set a short line apart: a paragraph of its own, not a heading
    article.write_text("Title: Tesla\nTesla makes cars.\nEarly life\nIt was founded in 2003.\n")
    assert [(s.heading, s.text) for s in load(article)] == [(None, article.read_text())]
    page = tmp_path / "page.txt"  # its headings run into their text: the one standing alone is its tail
    page.write_text("Tesla makes cars and batteries in several countries.\n\nHistory\nTesla was founded in 2003 by "
                    "a group of engineers in California.\n\nProducts\nIt sells cars, batteries and solar panels to "
                    "homes and companies.\n\nExternal links\n\nOfficial website\n")  # fmt: skip
    assert [s.heading for s in load(page)] == [None]
