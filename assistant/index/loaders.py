"""File → sections of text with provenance (page for PDFs, heading for Markdown/HTML/rows).

Parsing is done by LangChain's loaders and well-kept parsers (pypdf in `pdf`, BeautifulSoup, python-docx,
the csv and json modules); this module only picks one per extension and turns each loader's
Documents into `Section`s. Anything unreadable raises `Unreadable` with a reason the ingest
summary shows. `load_within` runs the parsers that a file's content can hold for minutes (PDF,
DOCX, HTML) in a child process that is killed at the file's time limit.
"""

from __future__ import annotations

import datetime
import functools
import json
import multiprocessing
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_ROW_TITLE = 120  # characters: a longer first cell is a row's text, not its name


class Unreadable(Exception):
    """The file cannot be indexed; the message is the reason shown to the user."""


@dataclass(frozen=True)
class Section:
    text: str
    page: int | None = None  # 1-based, PDFs only
    heading: str | None = None


def _text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise Unreadable("binary content, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("not valid UTF-8 text") from None


def load_text(path: Path) -> list[Section]:
    """A section per heading, when the text has headings in the shapes plain text gives them
    (`_plain_headings`, or underlined: `_markdown_blocks`); else the whole text, untitled."""
    text = _text(path)
    marked = _markdown_blocks(_plain_headings(text))
    return _markdown_sections(marked) if marked != text else [Section(text)]


QUESTION_LINE = re.compile(r"^\s*(?:Q|Question)\s*[:.)]\s*(?P<question>\S.*\?)\s*$", re.I)
ANSWER_LABEL = re.compile(r"^\s*(?:A|Answer)\s*[:.)]\s*", re.I)
NUMBERED = re.compile(r"^\d+(?:\.\d+)*\.?\s")  # "1. Getting started", "2.1 Claims"
HEADING_LINE = re.compile(r"^[A-Z0-9][^:]{0,79}(?<![.!?,;:])$")
HEADING_WORDS = 10


def _plain_headings(text: str) -> str:
    """The text with its plain headings written as Markdown ones, which the section splitter reads:
    a line that stands alone between blank lines, short and without a sentence's end ("Shipping",
    "3. HOW TO MAKE A CLAIM") — "##", "#" for the file's first line, "###" under a numbered one
    ("2.1 Claims"); an underlined one ("Returns\n-------", as in Markdown: `_markdown_blocks`); and a
    FAQ's "Q: …?" line, its "A:" label dropped. Unmarked, "2. WHAT IS NOT COVERED 2.1 Burrs and
    seals wear…" was one sentence to the quotes, a FAQ's answers began "A:", and a policy's
    clauses were cut into chunks by length, not by what they are about. Lines are not headings
    where no blank line sets them apart, nor in a text whose headings run straight into their
    paragraphs (a Wikipedia page's plain text: "\nEarly life\nElizabeth was born…"): there the few
    short lines that do stand alone are the page's tail ("External links" over a list of links —
    and over a second copy of the whole article that one of FreshQA's pages holds, which then
    answered "where can i list my vehicle for sell" above the folder's bar)."""
    lines, out = text.split("\n"), []
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)  # text follows a line before it

    def heading_like(i: int) -> bool:
        stripped = lines[i].strip()
        return bool(stripped) and (i == 0 or not lines[i - 1].strip()) and bool(HEADING_LINE.match(stripped)) \
            and len(stripped.split()) <= HEADING_WORDS  # fmt: skip

    candidates = [i for i in range(last - 1) if heading_like(i)]
    apart = {i for i in candidates if not lines[i + 1].strip()}
    if sum(not SETEXT.match(lines[i + 1]) for i in candidates if i not in apart) > len(apart):
        apart = set()  # its headings run into their text: the ones standing alone are not its structure
    for i, line in enumerate(lines):
        stripped = line.strip()
        if (question := QUESTION_LINE.match(line)) is not None:
            out.append(f"## {question['question']}")
        elif i and QUESTION_LINE.match(lines[i - 1]) and ANSWER_LABEL.match(line):  # the answer under a "Q:" line
            out.append(ANSWER_LABEL.sub("", line, count=1))
        elif i in apart:
            numbered = NUMBERED.match(stripped)
            level = "#" if i == 0 else "###" if numbered and "." in numbered.group().strip().rstrip(".") else "##"
            out.append(f"{level} {stripped}")
        else:
            out.append(line)
    return "\n".join(out)


def load_markdown(path: Path) -> list[Section]:
    text, title = _front_matter(_text(path))
    text = _markdown_blocks(text)
    if title and not re.search(r"^# ", text, re.M):  # a docs site's page: its title is its first heading
        text = f"# {title}\n\n{text}"
    return _markdown_sections(text, title)


FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def _front_matter(text: str) -> tuple[str, str | None]:
    """The text without the YAML block a docs site puts on top (Jekyll, Hugo, Docusaurus, MkDocs),
    and the `title` it gives, which titles the text before the first heading: "title: Install /
    sidebar_position: 2" is the page's settings, not something to quote."""
    match = FRONT_MATTER.match(text)
    if not match:
        return text, None
    import yaml

    try:
        meta = yaml.safe_load(match[1])
    except yaml.YAMLError:  # a "---" rule opening a page, not front matter
        return text, None
    if not isinstance(meta, dict):
        return text, None
    title = " ".join(str(meta.get("title") or "").split())
    return text[match.end() :], title or None


TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")  # |---|:--:| under a header
FENCE = re.compile(r"^\s*(```|~~~)")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")  # the line under a heading: "Install\n=======" is "# Install"
NOT_A_TITLE = re.compile(r"^\s*([-*+>|#]|\d+[.)]\s|$)")  # a list item, quote, table row, heading or blank line


def _markdown_blocks(text: str) -> str:
    """Each pipe table as one record per row (`table_records`), and each underlined ("setext")
    heading as a "#" one, which the section splitter reads (a README's "Installation\n====="
    was text of the section before it); code blocks left as they are."""
    lines, out, fenced, i = text.split("\n"), [], False, 0
    while i < len(lines):
        line = lines[i]
        fenced ^= bool(FENCE.match(line))
        underline = None if fenced or i + 1 == len(lines) else SETEXT.match(lines[i + 1])
        if underline and not NOT_A_TITLE.match(line) and (i == 0 or not lines[i - 1].strip()):
            out.append(f"{'#' if underline[1][0] == '=' else '##'} {line.strip()}")
            i += 2
            continue
        if not fenced and "|" in line and i + 1 < len(lines) and TABLE_DELIMITER.match(lines[i + 1]) and "|" in lines[i + 1]:
            rows, i = [], i + 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(_cells(lines[i]))
                i += 1
            out += table_records(_cells(line), rows)
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _cells(row: str) -> list[str]:
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [" ".join(c.replace("\\|", "|").split()) for c in re.split(r"(?<!\\)\|", row)]


def table_records(header: list[str], rows: list[list[str]]) -> list[str]:
    """A line per row that names each value by its column: "Variable: PIPEWRIGHT_LOG_LEVEL; Purpose:
    debug, info, warning or error; Default: info." Kept as cells in a row, a table is one sentence to
    the quotes (their text is read with its line breaks folded), and "Which variable sets the log
    level?" quoted the header and the first row; a record is a sentence of its own that says what
    its values are. Without a header row, a row's cells joined by " | ", a sentence all the same."""
    records = []
    for row in rows:
        names = header + [""] * (len(row) - len(header))
        fields = [f"{name}: {value}" if name else value for name, value in zip(names, row, strict=False) if value]
        if fields:
            record = ("; " if header else " | ").join(fields)
            records.append(record if record.endswith((".", "!", "?")) else f"{record}.")
    return records


def _markdown_sections(text: str, untitled: str | None = None) -> list[Section]:
    """A section per heading (levels 1–3), titled by its heading path; text before the first
    heading is titled `untitled`."""
    from langchain_text_splitters import MarkdownHeaderTextSplitter

    splitter = MarkdownHeaderTextSplitter(
        headers_to_split_on=[("#", "h1"), ("##", "h2"), ("###", "h3")], strip_headers=False
    )
    sections = []
    for doc in splitter.split_text(text):
        heading = " › ".join(doc.metadata[h] for h in ("h1", "h2", "h3") if h in doc.metadata)
        sections.append(Section(doc.page_content, heading=heading or untitled))
    return sections


def load_pdf(path: Path) -> Iterator[Section]:
    from assistant.index.pdf import load_pdf  # imports this module's Section and Unreadable

    yield from load_pdf(path)


def load_html(path: Path) -> list[Section]:
    """A section per h1–h3, like a Markdown file's: a help-centre page or saved release notes is
    many topics under one <title>, and as one passage titled by it the question "When was version
    4.1 released?" was answered from version 4.2's paragraph. The headings become Markdown heading
    lines, so the chunker and the quotes treat them as they treat a Markdown file's."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_text(path), "lxml")  # `_text`: same binary/encoding checks as other text files
    for tag in soup(["script", "style", "noscript", "template", *CHROME_TAGS]):
        tag.decompose()
    for tag in soup.find_all(_chrome):
        if not tag.decomposed:
            tag.decompose()
    title = " ".join(soup.title.get_text(" ").split()) if soup.title else ""
    if soup.head:
        soup.head.decompose()
    footers = [f.extract() for f in soup.find_all("footer") if not f.find_parent(["article", "main"])]
    main = soup.find("main") or soup.find(attrs={"role": "main"})
    if main is not None:  # the page's own content: the site header's logo and links are not
        soup = main
    if text := " ".join(" ".join(f.get_text(" ").split()) for f in footers).strip():
        soup.append(f"\n\n## {PAGE_FOOTER}\n\n{text}\n")  # the support line every page repeats: kept, on its own
    for table in soup.find_all("table"):
        table.replace_with("\n" + "\n".join(_html_table(table)) + "\n")
    for tag in soup.find_all(["h1", "h2", "h3"]):
        heading = " ".join(tag.get_text(" ").split())
        tag.replace_with(f"\n\n{'#' * int(tag.name[1])} {heading}\n\n" if heading else "")
    text = "\n".join(line.strip() for line in soup.get_text("\n").splitlines())
    return _markdown_sections(re.sub(r"\n{3,}", "\n\n", text).strip(), title or None)


# What a help centre's or a website's template puts around an article: navigation, search, cookie
# banners, breadcrumbs, "Was this article helpful? Yes No", "Related articles". Saved from the browser,
# a page's every passage began with the site's menu, and "Yes No 41 out of 57 found this helpful"
# was quoted as the last sentence of five answers of 32 (session 19's help-centre folder).
PAGE_FOOTER = "Page footer"  # the section a web page's or a Word file's footer becomes
CHROME_TAGS = ("nav", "aside", "form", "button", "input", "select", "textarea", "dialog", "iframe", "svg")
CHROME_ROLES = frozenset({"navigation", "search", "banner", "complementary", "dialog", "alertdialog"})
CHROME_NAMES = re.compile(r"(^|[-_\s])(cookies?|consent|breadcrumbs?|skip-link|social|related|feedback|votes?|helpful|"
                          r"newsletter)([-_\s]|$)", re.I)


def _chrome(tag) -> bool:
    if tag.name in ("html", "body", "main", "article") or tag.attrs is None:
        return False
    names = " ".join([*tag.get("class", []), tag.get("id") or ""])
    return tag.get("role") in CHROME_ROLES or bool(names and CHROME_NAMES.search(names))


def _html_table(table) -> list[str]:
    """A table's rows as records named by its header row (`th` cells), or as "a | b." without one."""
    rows = [[" ".join(c.get_text(" ").split()) for c in tr.find_all(["th", "td"])] for tr in table.find_all("tr")]
    rows = [r for r in rows if any(r)]
    first = table.find("tr")
    if rows and first is not None and first.find("th") is not None and not first.find("td"):
        return table_records(rows[0], rows[1:])
    return table_records([], rows)


LABEL_WORDS = 3  # a column's name in a table's first row is this short


def load_docx(path: Path) -> list[Section]:
    """A section per Heading 1–3 (or Title) paragraph, like a Markdown file's: a policy written in
    Word is many topics under one file name. Tables are read in place, a sentence per row
    (`table_records`; by the first row's names when it is marked to repeat as a header or reads as
    column names — `_labels` — else unnamed). The page footer, where a support line or an address
    stands, is a section of its own, as a web page's is."""
    import docx

    try:
        document = docx.Document(str(path))
        lines = []
        for block in document.iter_inner_content():
            if isinstance(block, docx.table.Table):
                cells = [list(dict.fromkeys(" ".join(c.text.split()) for c in row.cells)) for row in block.rows]
                named = len(cells) > 1 and (_repeats_as_header(block.rows[0]) or _labels(cells[0]))
                lines += table_records(cells[0], cells[1:]) if named else table_records([], cells)
                continue
            text = " ".join(block.text.split())
            level = _heading_level(block.style.name if block.style is not None else "")
            lines.append(f"\n{'#' * level} {text}\n" if level and text else text)
        footers = dict.fromkeys(" ".join(p.text.split()) for section in document.sections
                                for p in section.footer.paragraphs if not section.footer.is_linked_to_previous)  # fmt: skip
        if footer := " ".join(f for f in footers if f):  # the support line or the address, printed on every page
            lines.append(f"\n# {PAGE_FOOTER}\n\n{footer}")
    except FileNotFoundError:
        raise
    except Exception as exc:  # python-docx raises zipfile/KeyError/lxml errors on damaged files
        raise Unreadable(f"corrupt .docx ({type(exc).__name__})") from None
    return _markdown_sections("\n".join(line for line in lines if line.strip()))


def _repeats_as_header(row) -> bool:
    """Word's "Repeat as header row at the top of each page": the one header mark a Word table has."""
    properties = row._tr.trPr
    return properties is not None and bool(properties.xpath("./w:tblHeader"))


def _labels(row: list[str]) -> bool:
    """A first row of short names without digits ("Mode | Assistance | Range") names its columns;
    one that starts the data ("E01 | Speed sensor not detected | Check…") does not. Read as one more
    row, "Which mode gives the most assistance?" quoted "Mode | Assistance | Range. Eco | 50% |…"."""
    return len(row) > 1 and len(set(row)) == len(row) and all(
        cell and len(cell.split()) <= LABEL_WORDS and not any(c.isdigit() for c in cell) for cell in row)


def _heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = re.fullmatch(r"Heading ([1-3])", style)
    return int(match[1]) if match else 0


def load_csv(path: Path) -> list[Section]:
    """A section per row, titled by its first cell when that column names each row (its values
    are distinct words, like a FAQ's questions or a glossary's terms), else "row N": a quote and a
    citation then say "How do I reset my password?" rather than "row 1"."""
    from langchain_community.document_loaders import CSVLoader

    _text(path)
    docs = CSVLoader(str(path), encoding="utf-8-sig").load()
    keys = [d.page_content.split("\n", 1)[0].partition(": ")[2].strip() for d in docs]
    named = _names_rows(keys)
    return [Section(_filled(d.page_content), heading=key if named else f"row {d.metadata.get('row', i) + 1}")
            for i, (d, key) in enumerate(zip(docs, keys, strict=True))]  # fmt: skip


def _names_rows(keys: list[str]) -> bool:
    """Does a table's first column name its rows — distinct, with letters, short enough for a title?"""
    return len(set(keys)) == len(keys) and all(re.search(r"[^\W\d_]", k) and len(k) <= MAX_ROW_TITLE for k in keys)


def _filled(record: str) -> str:
    """A row's "column: value" lines without the empty cells: "screen_size_in: " (a remote in a
    TV price list has no screen size) ended no field, and the row read "model: Smart Remote (solar)
    screen_size_in: price_eur: 39" — one run-on field instead of a record (`table_records` too
    leaves empty cells out)."""
    return "\n".join(line for line in record.splitlines() if not re.fullmatch(r"[^:\n]*:\s*", line))


def load_xlsx(path: Path) -> list[Section]:
    """A section per row of each sheet, as a CSV's (`load_csv`): "column: value" lines under the
    sheet's first row when it names the columns (`_labels`), else the cells joined by " | "; titled
    by the row's first cell when that column names every row, else "row N" (after the sheet's name
    when there are several). A price list or a spec sheet is kept in Excel far more often than as
    CSV, and was skipped as an unsupported type. Formulas are read as their last computed values."""
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:  # a damaged or mislabelled file
        raise Unreadable(f"corrupt .xlsx ({type(exc).__name__})") from None
    try:
        sheets = [(sheet.title, [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)])
                  for sheet in book.worksheets if sheet.sheet_state == "visible"]  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - openpyxl raises assorted errors on damaged sheets
        raise Unreadable(f"corrupt .xlsx ({type(exc).__name__})") from None
    finally:
        book.close()
    sections = []
    for name, rows in sheets:
        rows = [row for row in rows if any(row)]
        width = max((max(i + 1 for i, v in enumerate(row) if v) for row in rows), default=0)  # trailing blanks out
        rows = [row[:width] + [""] * (width - len(row)) for row in rows]
        header = rows[0] if rows and all(rows[0]) and _labels(rows[0]) else []
        body = rows[1:] if header else rows
        named = bool(body) and _names_rows([row[0] for row in body])
        for n, row in enumerate(body, 1):
            text = ("\n".join(f"{h}: {v}" for h, v in zip(header, row, strict=True) if v) if header
                    else " | ".join(v for v in row if v))  # fmt: skip
            title = row[0] if named else f"row {n}"
            sections.append(Section(text, heading=f"{name} › {title}" if len(sheets) > 1 else title))
    return sections


def _cell(value: object) -> str:
    """A cell as it reads: 1299 not 1299.0, a date without midnight."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    return " ".join(str(value).split())


def _record_text(record: object) -> str:
    if isinstance(record, dict):
        return "\n".join(f"{k}: {_record_text(v)}" for k, v in record.items())
    if isinstance(record, list):
        return "\n".join(_record_text(v) for v in record)
    return str(record)


def load_json(path: Path) -> list[Section]:
    try:
        data = json.loads(_text(path))
    except json.JSONDecodeError as exc:
        raise Unreadable(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    records = data if isinstance(data, list) else [data]
    return [Section(_record_text(r), heading=f"item {i + 1}") for i, r in enumerate(records)]


def load_jsonl(path: Path) -> list[Section]:
    sections = []
    for n, line in enumerate(_text(path).splitlines(), 1):
        if line.strip():
            try:
                sections.append(Section(_record_text(json.loads(line)), heading=f"line {n}"))
            except json.JSONDecodeError as exc:
                raise Unreadable(f"invalid JSON on line {n}: {exc.msg}") from None
    return sections


# The types read a record a section (`load_csv`, `load_json`, `load_jsonl`): a spreadsheet's rows, each its own passage.
RECORD_FILES = (".csv", ".xlsx", ".json", ".jsonl")

# Formats people keep documents in that are not read, and what to save them as instead.
CONVERT_TO = {".xls": ".xlsx or .csv", ".ods": ".xlsx or .csv", ".numbers": ".xlsx or .csv", ".doc": ".docx or PDF",
              ".odt": ".docx or PDF", ".rtf": ".docx or PDF", ".pages": ".docx or PDF", ".ppt": "PDF", ".pptx": "PDF",
              ".odp": "PDF", ".key": "PDF", ".epub": "PDF", ".xml": ".html or .txt"}  # fmt: skip


def unsupported(name: str) -> str:
    """Why a file of this type is not read, and what to do about it."""
    suffix = Path(name).suffix.lower()
    fix = CONVERT_TO.get(suffix)
    return f"unsupported file type '{suffix or name}'" + (f": save it as {fix}" if fix else "")


LOADERS: dict[str, Callable[[Path], list[Section]]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".pdf": load_pdf,
    ".html": load_html,
    ".htm": load_html,
    ".docx": load_docx,
    ".csv": load_csv,
    ".xlsx": load_xlsx,
    ".json": load_json,
    ".jsonl": load_jsonl,
}


def too_slow(max_seconds: float, where: str) -> Unreadable:
    return Unreadable(
        f"reading it took more than {max_seconds:g} s ({where}); split it, or raise ASSISTANT_MAX_FILE_SECONDS if it is genuine"
    )


def load(path: Path, max_chars: int | None = None, max_seconds: float | None = None) -> list[Section]:
    """Sections of `path`; more than `max_chars` of extracted text, or reading for longer than
    `max_seconds`, makes it Unreadable.

    The byte limit cannot see a compressed PDF or DOCX that expands a thousandfold (a 29 KB PDF
    held 6.4 M characters); counting extracted text stops it before it is chunked and embedded.
    The clock is read between sections (a PDF's pages): a file of slow pages stops at the first
    page past the limit, so other files do not wait behind it.
    """
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise Unreadable(f"unsupported file type '{path.suffix or '(none)'}' (supported: {', '.join(LOADERS)})")
    sections, total, started = [], 0, time.monotonic()
    for section in loader(path):
        total += len(section.text)
        if max_chars is not None and total > max_chars:
            raise Unreadable(
                f"more than {max_chars:,} characters of text (from {path.stat().st_size:,} bytes); "
                "split it, or raise ASSISTANT_MAX_FILE_CHARS if it is genuine"
            )
        if max_seconds is not None and time.monotonic() - started > max_seconds:
            raise too_slow(max_seconds, f"{len(sections) + 1} sections in")
        if section.text.strip():
            sections.append(section)
    if not sections:
        raise Unreadable("no text in the file")
    return sections


ISOLATED = frozenset({".pdf", ".docx", ".xlsx", ".html", ".htm"})  # parsers whose time a file's content decides
KILL_GRACE_S = 1.0  # the child stops itself between pages; the kill is for a page that never ends


def load_within(path: Path, max_chars: int | None = None, max_seconds: float | None = None) -> list[Section]:
    """`load`, with the time limit held inside a page too.

    `load` reads the clock between pages, but one page can hold pypdf for minutes (a 6 KB PDF of
    100,000 text operators on a page took 10 s; ten times that, 100 s, all under the character cap).
    So those formats are read in a child process forked from a clean fork server (no model threads
    in it) and killed at the limit; the indexer goes on with the next file.
    """
    if max_seconds is None or path.suffix.lower() not in ISOLATED:
        return load(path, max_chars, max_seconds)
    ctx = _fork_server()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_load_for_parent, args=(send, path, max_chars, max_seconds), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(max_seconds + KILL_GRACE_S):
            raise too_slow(max_seconds, "stopped inside a page")
        kind, value = receive.recv()
    except EOFError:  # the parser died: out of memory, a crash in native code
        child.join(5)
        raise Unreadable(f"the parser stopped without an answer (exit code {child.exitcode})") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if kind == "missing":
        raise FileNotFoundError(value)
    if kind == "unreadable":
        raise Unreadable(value)
    return value


@functools.cache
def _fork_server():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["assistant.index.loaders", "assistant.index.pdf", "pypdf", "langchain_community.document_loaders"])
    return ctx


def _load_for_parent(conn, path: Path, max_chars: int | None, max_seconds: float | None) -> None:
    try:
        conn.send(("ok", load(path, max_chars, max_seconds)))
    except FileNotFoundError as exc:
        conn.send(("missing", str(exc)))
    except Unreadable as exc:
        conn.send(("unreadable", str(exc)))
    except Exception as exc:  # noqa: BLE001 - a parser bug is this file's problem, told as such
        conn.send(("unreadable", f"could not be read ({type(exc).__name__}: {exc})"))
    finally:
        conn.close()
