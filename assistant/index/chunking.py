"""Sections → overlapping chunks with stable ids and provenance.

A chunk's id hashes its file path, page, heading and text, so re-ingesting an unchanged passage
gives the same id (citations and cached vectors stay valid) while any edit gives a new one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from assistant.index.loaders import Section

SECTION_GAP = 2  # sections are joined with "\n\n" when offsets are counted across the file
HEADINGS = re.compile(r"^\s*#{1,6}\s.*$", re.M)  # Markdown heading lines: a title, never a passage or a quote
CHUNKING = "15"  # bump when the same file would be read, cut or tokenized differently: indexes made the old way are re-read


@dataclass(frozen=True)
class Chunk:
    id: str
    source: str  # path relative to the knowledge folder, with "/" separators
    page: int | None
    section: str | None
    start: int  # character offsets in the file's extracted text
    end: int
    text: str
    file_hash: str
    mtime: float  # the file's modification time: its freshness

    @property
    def file_name(self) -> str:
        """The file's name as words: "wiki/Airbus_A380.txt" → "Airbus A380"."""
        return " ".join(PurePosixPath(self.source).stem.replace("-", " ").replace("_", " ").split())

    @property
    def title(self) -> str:
        """What a reader calls the passage: its heading, else its file's name."""
        return self.section or self.file_name

    @property
    def search_text(self) -> str:
        """What BM25 and the embedder see: the passage plus where it sits (file name, heading)."""
        context = " · ".join(part for part in (self.file_name, self.section) if part)
        return f"{context}\n{self.text}" if context else self.text

    def to_json(self) -> dict:
        return dict(self.__dict__)  # flat fields: 10x faster than dataclasses.asdict at 100k chunks


def chunk_sections(
    source: str,
    sections: list[Section],
    *,
    file_hash: str,
    mtime: float,
    chunk_size: int = 600,
    overlap: int = 100,
) -> list[Chunk]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap, add_start_index=True)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    offset = 0
    for section in sections:
        pieces = [(d.metadata["start_index"], d.metadata["start_index"] + len(d.page_content))
                  for d in splitter.create_documents([section.text])]  # fmt: skip
        for begin, end in _joined(pieces, section.text, 2 * chunk_size):
            text = section.text[begin:end]
            start = offset + begin
            key = f"{source}\x00{section.page}\x00{section.heading}\x00{text}"
            digest = hashlib.sha256(key.encode()).hexdigest()[:16]
            seen[digest] = seen.get(digest, 0) + 1  # the same passage twice in one file stays distinct
            chunk_id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
            chunks.append(
                Chunk(chunk_id, source, section.page, section.heading, start, start + len(text), text, file_hash, mtime)
            )
        offset += len(section.text) + SECTION_GAP
    return chunks


def _joined(pieces: list[tuple[int, int]], text: str, limit: int) -> list[tuple[int, int]]:
    """(start, end) of each piece, a piece that is only Markdown headings joined to the next (the
    last to the one before). The splitter cuts "# Running Bixby" off a first paragraph too long to
    share its chunk, and a passage that is only a title is what the vectors match best to "How do I
    use Bixby?" yet has no sentence to answer with: 119 of the TV manual's 648 chunks were a
    heading alone, and the turn said "not found" with the section that answers it one chunk away.
    A short piece with words of its own stays itself ("The current world number one is Novak
    Djokovic." is the best passage there is), and so does a run of headings longer than `limit`
    (a table of contents is not glued into one chunk)."""
    joined: list[tuple[int, int]] = []
    waiting: tuple[int, int] | None = None  # a heading-only piece (or run of them) waiting for the next
    for start, end in pieces:
        if waiting is not None:
            if end - waiting[0] <= limit:
                start = waiting[0]
            else:
                joined.append(waiting)
            waiting = None
        if not HEADINGS.sub("", text[start:end]).strip():
            waiting = (start, end)
            continue
        joined.append((start, end))
    if waiting is not None:
        if joined and waiting[1] - joined[-1][0] <= limit:
            joined[-1] = (joined[-1][0], waiting[1])
        else:
            joined.append(waiting)
    return joined
