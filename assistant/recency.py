"""The newest section first when a question asks for the latest: release notes, changelogs, dated notices.

"What's new in the latest version?" matches every version's section about equally, and the search
put the oldest (4.0) first: the quote then told the user about a release two versions old. The
date or version a section's heading carries says which is newest; the question's words do not.
Only headings are read: a sentence's years (a Wikipedia page's history) say what it mentions, not
when it was written, and a section without a dated heading keeps its place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from assistant.retrieval import Hit

LATEST = re.compile(r"\b(latest|newest|most recent|current|last (release|update|version))\b|\bwhat'?s new\b", re.I)
MONTHS = {m: n for n, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
ISO = re.compile(r"\b(20\d\d|19\d\d)-(\d\d)-(\d\d)\b")
MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})\b")  # "March 3, 2026"
DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})\b")  # "3 March 2026"
VERSION = re.compile(r"\b(?:version|release|firmware|v)\s?(\d+(?:\.\d+)*)\b", re.I)


def asks_for_latest(question: str) -> bool:
    return bool(LATEST.search(question))


def heading_date(heading: str) -> tuple | None:
    """(date, version) a heading carries, comparable between headings of one kind, or None."""
    when = None
    if m := ISO.search(heading):
        when = _date(int(m[1]), int(m[2]), int(m[3]))
    elif m := MONTH_DAY_YEAR.search(heading):
        when = _date(int(m[3]), MONTHS.get(m[1].lower(), 0), int(m[2]))
    elif m := DAY_MONTH_YEAR.search(heading):
        when = _date(int(m[3]), MONTHS.get(m[2].lower(), 0), int(m[1]))
    version = VERSION.search(heading)
    numbers = tuple(int(n) for n in version[1].split(".")) if version else None
    return (when, numbers) if when or numbers else None


def newest_first(question: str, hits: Sequence[Hit]) -> list[Hit]:
    """`hits` with the sections of one file that carry a date or version in their heading put in
    newest-first order among the places they hold, when the question asks for the latest; else as
    they are."""
    hits = list(hits)
    if not asks_for_latest(question):
        return hits
    dates = [heading_date(h.chunk.section or "") for h in hits]
    by_file: dict[str, list[int]] = {}
    for i, hit in enumerate(hits):
        if dates[i]:
            by_file.setdefault(hit.chunk.source, []).append(i)
    ordered = list(hits)
    for places in by_file.values():
        kinds = {(dates[i][0] is not None, dates[i][1] is not None) for i in places}
        if len(places) < 2 or len(kinds) != 1:  # one section, or dates beside versions: nothing to compare
            continue
        newest = sorted(places, key=lambda i: _sort_key(dates[i]), reverse=True)
        for place, i in zip(places, newest, strict=True):
            ordered[place] = hits[i]
    return ordered


def newest_leads(question: str, hits: Sequence[Hit]) -> bool:
    """Is the first hit the newest of its file's dated sections, for a question that asks for the
    latest (after `newest_first`)? Then that section is the answer, whatever words it shares with
    the question: "Recurring tasks can now repeat…" under "Version 4.2", not "The minimum supported
    iOS version is now iOS 16" under 4.0, which holds "version"."""
    if not hits or not asks_for_latest(question) or not heading_date(hits[0].chunk.section or ""):
        return False
    same = [h for h in hits[1:] if h.chunk.source == hits[0].chunk.source and heading_date(h.chunk.section or "")]
    return bool(same) and newest_first(question, [hits[0], *same])[0] is hits[0]


def _sort_key(key: tuple) -> tuple:
    when, numbers = key
    return (when or date.min, numbers or ())


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
