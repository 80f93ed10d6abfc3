"""A PDF → sections: a section per heading, as a Markdown file's, with the page it is on.

An exported manual has no Markdown headings and often no bookmarks, and its pages are not its
topics: one page held "What is in the box" and "Control panel", another the end of "Using the
purifier" and all of "Connecting to the app". As one passage per page (cut at 600 characters),
"How far from the wall should I put it?" matched its own page at cosine 0.07 (the answer's line
among four other steps and the running header), and 10 of 32 answerable questions got "not
found" beside their page. So a line set in larger type than the body is a heading (the reader
sees one), and the text under it, to the next one and across page breaks, is its section; the
heading line becomes a Markdown one ("# Control panel"), which the chunker and the quotes know.

What a page repeats on every page — the running header, "Page 3 of 11" — is not text of any
section (it was quoted as the answer's last sentence), and a contents page's dot-leader lines
("Filter care ........ 7") are not the topics they name ("What's in the box?" quoted them).

pypdf reads the text and, through its visitor, the size each piece of it is set in. Pages are
read one at a time, a few ahead of the first one returned (`LOOKAHEAD`: enough to tell what
repeats), so the loader's character and time limits still stop a PDF after a few pages.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.index.loaders import Section, Unreadable

OUTLINE_DEPTH = 2  # bookmark levels that title a PDF's pages: chapter › section
LOOKAHEAD = 4  # pages read before the first is returned, to learn the lines every page repeats
HEADING_SCALE = 1.15  # a line set this much larger than the body text is a heading
HEADING_WORDS = 12  # … and short: a larger-type paragraph (a cover's blurb) is not one
RUNNING_SHARE = 0.6  # a first or last line on this share of the pages (at least two) repeats on every page
EDGE_LINES = 2  # lines at the top and at the bottom of a page where a running header or footer stands
DOT_LEADER = re.compile(r"(?:\.\s*){4,}\d+\s*$|(?:\.\s*){8,}")  # "Filter care ........ 7"
DIGITS = re.compile(r"\d+")
# A line that goes on with a lower-case word continues the line before: the layout wrapped it ("…yellow
# means moderate and red\nmeans poor."). Joined, so the chunker, which cuts at line breaks first, cuts
# between sentences (it had cut that one after "red", and the quote ended there).
WRAPPED = re.compile(r"^\s*[a-z]")


@dataclass
class _Page:
    number: int  # 0-based
    lines: list[str]  # the text pypdf extracts, line by line
    sizes: Counter  # type size → characters set in it
    set_in: list[tuple[float, str]]  # (type size, a line of the text set in it)

    def headings(self, body: float) -> set[str]:
        return {line for size, line in self.set_in if body and size >= HEADING_SCALE * body and _is_title(line)}

    def filled(self) -> list[int]:
        """Numbers of the lines that hold text."""
        return [n for n, line in enumerate(self.lines) if line.strip()]

    def edge_lines(self) -> list[int]:
        """Numbers of the lines where a running header or footer stands: the first and last few with text."""
        filled = self.filled()
        return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))

    def edges(self) -> set[str]:
        return {_shape(self.lines[n]) for n in self.edge_lines()}


def load_pdf(path: Path) -> Iterator[Section]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    any_text = False
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise Unreadable("encrypted PDF (remove the password and drop it in again)")
        outline = _outline_headings(reader)
        pages = (_read(n, page) for n, page in enumerate(reader.pages))
        ahead: list[_Page] = []
        seen_edges: Counter = Counter()
        sizes: Counter = Counter()
        heading = chapter = None

        def flush(pages_read: int) -> Iterator[Section]:
            nonlocal heading, chapter
            running = _running(seen_edges, pages_read)
            for ready in ahead:
                sections, heading, chapter = _sections(ready, running, _body(sizes), outline, heading, chapter)
                yield from sections
            ahead.clear()

        for page in pages:
            any_text = any_text or any(line.strip() for line in page.lines)
            ahead.append(page)
            seen_edges.update(page.edges())
            sizes.update(page.sizes)
            if page.number + 1 >= LOOKAHEAD:
                yield from flush(page.number + 1)
        yield from flush(len(reader.pages))
    except Unreadable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise Unreadable(f"corrupt PDF ({type(exc).__name__}: {exc})") from None
    if not any_text:
        raise Unreadable("PDF has no extractable text (scanned images need OCR first)")


def _read(number: int, page) -> _Page:
    """A page's lines, the characters set in each type size, and the runs of text in each size."""
    runs: list[tuple[float, str]] = []

    def visit(text: str, cm, tm, font, size) -> None:
        scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])  # Tf 1 scaled by the text matrix is common
        size = round(float(size or 0) * (scale or 1.0), 1)
        if runs and runs[-1][0] == size:
            runs[-1] = (size, runs[-1][1] + text)
        elif text:
            runs.append((size, text))

    text = page.extract_text(visitor_text=visit) or ""
    sizes = Counter()
    for size, run in runs:
        sizes[size] += sum(not c.isspace() for c in run)
    set_in = [(size, _plain(line)) for size, run in runs for line in run.splitlines() if line.strip()]
    return _Page(number, text.splitlines(), sizes, set_in)


def _body(sizes: Counter) -> float:
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _running(edges: Counter, pages: int) -> set[str]:
    """The top and bottom lines (digits ignored: "Page 3 of 11") that most pages repeat."""
    if pages < 2:
        return set()
    return {shape for shape, n in edges.items() if n >= 2 and n >= RUNNING_SHARE * pages}


def _sections(page: _Page, running: set[str], body: float, outline, heading: str | None,
              chapter: str | None) -> tuple[list[Section], str | None, str | None]:  # fmt: skip
    """The page cut at its headings; the text before its first one belongs to `heading`, the
    section the page before ended in (unless the bookmarks start a new chapter here)."""
    chapter_here = _heading_at(outline, page.number)
    if chapter_here != chapter:
        heading, chapter = None, chapter_here
    headings = page.headings(body)
    sections, lines = [], []

    def close() -> None:
        text = "\n".join(lines).strip()
        if text and text != f"# {heading}":  # a heading alone is no section
            within = heading and heading != (chapter or "").rsplit(" › ", 1)[-1]  # a bookmark's own title
            title = " › ".join(t for t in (chapter, heading if within else None) if t) or None
            sections.append(Section(text, page=page.number + 1, heading=title))

    edges = {n for n in page.edge_lines() if _shape(page.lines[n]) in running}
    if len(edges) == len(page.filled()):  # pages that repeat all they hold ("Page text." on every one) keep it
        edges = set()
    for n, line in enumerate(page.lines):
        if n in edges or DOT_LEADER.search(line):
            continue
        plain = _plain(line)
        if plain in headings:
            close()
            heading, lines = plain, [f"# {plain}"]  # as a Markdown file's: the chunker and quotes know it
            continue
        if lines and WRAPPED.match(line) and not lines[-1].startswith("# "):
            lines[-1] = lines[-1].rstrip() + ("" if lines[-1].endswith("-") else " ") + line.strip()
            continue
        lines.append(line)
    close()
    return sections, heading, chapter


def _is_title(line: str) -> bool:
    return bool(re.search(r"[^\W\d_]", line)) and len(line.split()) <= HEADING_WORDS and not line.endswith((".", ",", ";", ":"))


def _plain(line: str) -> str:
    return " ".join(line.split())


def _shape(line: str) -> str:
    return DIGITS.sub("#", _plain(line)).lower()


def _outline_headings(reader) -> list[tuple[int, int, str]]:
    """(first page, depth, title) of each bookmark of the PDF's outline, in page order; none when it
    has no outline or a damaged one (the pages still load, untitled)."""
    found: list[tuple[int, int, str]] = []

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            elif depth < OUTLINE_DEPTH and (title := " ".join(str(item.title or "").split())):
                found.append((reader.get_destination_page_number(item), depth, title))

    try:
        walk(reader.outline, 0)
    except Exception:  # noqa: BLE001 - pypdf raises many kinds on a damaged outline; it only titles pages
        return []
    return sorted((page, depth, title) for page, depth, title in found if page is not None and page >= 0)


def _heading_at(headings: list[tuple[int, int, str]], page: int) -> str | None:
    """The bookmarks in force on a 0-based page, as a path like a Markdown section's: "Connections ›
    Bluetooth". A manual's page is then found by its chapter's words and cited by its title, not
    only by "page 42"."""
    path: dict[int, str] = {}
    for first, depth, title in headings:
        if first > page:
            break
        path = {d: t for d, t in path.items() if d < depth} | {depth: title}
    return " › ".join(path[d] for d in sorted(path)) or None
