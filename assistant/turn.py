"""One turn, end to end, in one place: check the question, route, retrieve, generate, verify, cite.

`TurnPipeline.answer` is the only code that builds prompts or decides answerability; the CLI, the
chat, `assistant eval answers`, `assistant eval routing` and `assistant router fit` all go
through it (or through `route`, its first half). It returns an `AnswerStream` so each face can
render tokens as they come and read the finished `TurnResult` (the `--json` shape) at the end.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant import grounding, measures, prompts, recency, spelling
from assistant.citations import cite
from assistant.errors import BadInput
from assistant.index.loaders import RECORD_FILES
from assistant.index.tokenize import QUESTION_WORDS, tokenize
from assistant.injection import instructions_in
from assistant.llm.embeddings import TurnEmbeddings
from assistant.retrieval import Evidence, Hit
from assistant.router import Route, RouteDecision, rewrite_follow_up
from assistant.settings import AnswerMode, QuoteFirst, Settings

Mode = Literal["auto", "base", "finetuned", "retrieval", "finetuned+retrieval", "not_found"]
MODES: tuple[str, ...] = ("auto", "base", "finetuned", "retrieval", "finetuned+retrieval", "not_found")
AnswerKind = Literal["generated", "extractive", "not_found", "closed_book"]
ASKING = re.compile(r"\b\w+n['’]t\b|\bmean(s|ing)?\b", re.I)  # "won't", "can't"; "What does E02 mean?"
CONTRACTED = frozenset(tokenize(" ".join(spelling.CONTRACTIONS)))  # "dont", typed without its apostrophe: how one asks
CLOSEST_RUNNER_UP = 2  # "the closest your documents come": first in one search, at worst second in the other
NOT_FOUND_QUOTE = 2  # sentences of the closest passage quoted under "not found"
MAX_TABLE_ROWS = 5000  # a spreadsheet compared whole for a superlative (`_superlative_rows`): larger ones as read


@dataclass
class Citation:
    n: int
    source: str
    page: int | None
    section: str | None
    snippet: str
    chunk_id: str
    warning: str | None = None  # the passage addresses its reader (`injection`): listed, never used


@dataclass
class Timings:
    route_ms: float = 0.0
    retrieve_ms: float = 0.0
    first_token_ms: float | None = None
    verify_ms: float | None = None
    total_ms: float = 0.0


@dataclass
class TurnResult:
    question: str
    answer: str
    route: str  # a Route, or "base" for the closed-book base model
    reason: str
    confidence: float
    model: str
    answer_kind: AnswerKind = "generated"
    citations: list[Citation] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    notices: list[str] = field(default_factory=list)
    signals: dict | None = None  # the router's signals and decision
    draft: str | None = None  # the generated answer an extractive one replaced, why, and what it cited
    replaced_because: str | None = None
    draft_citations: list[Citation] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def replaced_by(r: TurnResult) -> str:
    """What took the place of a draft that failed its check, in words for the faces."""
    return {"extractive": "a quote from the source", "not_found": "“not found” and the closest passages"}.get(
        r.answer_kind, "another answer")


def citation_of(n: int, hit: Hit) -> Citation:
    c = hit.chunk
    return Citation(n, c.source, c.page, c.section, " ".join(c.text.split())[:300], c.id, instructions_in(c.text))


def footnotes(citations: Sequence[Citation]) -> str:
    """'Sources:' lines under an answer for plain-text readers (API clients, a copied reply)."""
    lines = [f"[{c.n}] {c.source}" + (f", p. {c.page}" if c.page else "") + (f" — {c.section}" if c.section else "")
             for c in citations]  # fmt: skip
    return "\n\nSources:\n" + "\n".join(lines) if lines else ""


def clean_question(text: str, max_chars: int) -> tuple[str, list[str]]:
    """Strip, reject empty, truncate overlong (with a notice the user sees)."""
    question = text.strip()
    if not question:
        raise BadInput("the question is empty", "type a question, e.g. `assistant ask \"How do I reset the TV?\"`")
    notices = []
    if len(question) > max_chars:
        notices.append(
            f"Your question was {len(question):,} characters; only the first {max_chars:,} were used "
            "(raise ASSISTANT_MAX_QUESTION_CHARS to allow more)."
        )
        question = question[:max_chars]
    return question, notices


class AnswerStream:
    """Tokens of one answer as they are generated; `result` is final once iteration ends.

    `finish(text)` runs after the last token (citations, verification) and may replace the
    answer: faces then show `result.answer` in place of what streamed (`result.draft`).
    """

    def __init__(self, tokens: Iterator[str], result: TurnResult, started: float,
                 finish: Callable[[str, TurnResult], None] | None = None) -> None:  # fmt: skip
        self._tokens, self.result, self._started, self._finish = tokens, result, started, finish

    def __iter__(self) -> Iterator[str]:
        parts: list[str] = []
        try:
            for token in self._tokens:
                if self.result.timings.first_token_ms is None:
                    self.result.timings.first_token_ms = _ms_since(self._started)
                parts.append(token)
                yield token
        finally:  # a reader that stops early frees the model's slot now, not at garbage collection
            getattr(self._tokens, "close", lambda: None)()
        self.result.answer = "".join(parts).strip()
        if self._finish:
            self._finish(self.result.answer, self.result)
        self.result.timings.total_ms = _ms_since(self._started)

    def collect(self) -> TurnResult:
        for _ in self:
            pass
        return self.result


@dataclass(frozen=True)
class Routed:
    decision: RouteDecision
    evidence: Evidence
    question: str  # as searched and weighed: misspelt words corrected (`spelling`)
    misspelt: dict[str, str] = field(default_factory=dict)


class TurnPipeline:
    """Owns a turn. Its parts come in explicitly: a searcher, a router, a chat backend, settings."""

    def __init__(self, searcher, router, backend, settings: Settings, *,
                 on_route: Callable[..., None] | None = None) -> None:  # fmt: skip
        self.searcher, self.router, self.backend, self.settings = searcher, router, backend, settings
        self.on_route = on_route
        self._with_model = 0  # answers writing or queued for the model, across every session
        self._count = threading.Lock()

    def route(self, question: str, previous: str | None = None) -> Routed:
        """One retrieval call (reused by the answer) and the router's decision on it."""
        misspelt = self.searcher.misspelt(question) if self.settings.spelling else {}
        question = spelling.corrected(question, misspelt)
        query, follow_up = rewrite_follow_up(question, previous)
        query = measures.search_query(query)
        evidence = self.searcher.search(query, self.settings.passages)
        decision = self.router.decide(self.router.signals(question, evidence, query, follow_up, evidence.vector))
        return Routed(decision, evidence, question, misspelt)

    def answer(self, text: str, mode: Mode = "auto", *, history: Sequence[tuple[str, str]] = (),
               adapter: str | None = None, answer_mode: AnswerMode | None = None) -> AnswerStream:  # fmt: skip
        """Answer one turn in `mode` ("auto" = as the router decides); `adapter` pins the domain;
        `answer_mode` overrides ASSISTANT_ANSWER_MODE for this turn (the benchmarks compare them)."""
        if mode not in MODES:
            raise BadInput(f"unknown answer mode {mode!r}", f"use one of {', '.join(MODES)}")
        started = time.perf_counter()
        question, notices = clean_question(text, self.settings.max_question_chars)
        routed = self.route(question, history[-1][0] if history else None)
        decision, evidence, question = routed.decision, routed.evidence, routed.question
        if routed.misspelt:
            notices.append(spelling.notice(routed.misspelt))
        if self.on_route:
            self.on_route(question, decision, forced=mode != "auto")
        route, reason, domain = self._resolve(mode, decision, adapter)
        hits = self._superlative_rows(question, recency.newest_first(question, evidence.hits))
        table = self._table_answer(question, hits) if mode == "auto" and not decision.answerable else None
        if table is not None:
            route, domain = "retrieval", None
            reason = (f"The table {table.chunk.source} answers it: its rows compared on what the question asks "
                      f"for (no passage came close enough on its own: best match {decision.signals.evidence:.2f}, "
                      f"this folder's bar {decision.bar:.2f}).")  # fmt: skip
        loading = time.perf_counter()
        model = self.backend.chat_model(domain, grounded="retrieval" in route)  # loads once per process
        started += time.perf_counter() - loading  # a one-off load is not part of the turn's latency
        result = TurnResult(
            question=question, answer="", route=route, reason=reason,
            confidence=round(decision.confidence if mode == "auto" else 1.0, 3), model=self.backend.label(domain),
            timings=Timings(route_ms=round(decision.route_ms, 3), retrieve_ms=round(evidence.embed_ms + evidence.search_ms, 1)),
            notices=notices, signals=decision.to_json(),
        )  # fmt: skip
        past = _history_messages(history)
        if route in ("base", "finetuned"):
            result.answer_kind = "closed_book"
            system = prompts.FINETUNED_SYSTEM if domain else prompts.BASE_SYSTEM
            messages = [SystemMessage(system), *past, HumanMessage(question)]
            return AnswerStream(self._tokens(model, messages, domain), result, started,
                                lambda answer, r: self._no_bare_reply(answer, r, evidence))  # fmt: skip
        vectors = self._vectors(evidence)
        if table is None and (route == "not_found" or not decision.answerable):
            return self._not_found(result, hits, started, decision, vectors)
        answer_mode = answer_mode or self.settings.answer_mode
        foreign = any(m.name == domain and m.reads_others for m in decision.signals.domains)
        return self._grounded(model, question, hits, domain, past, result, started, answer_mode, vectors,
                              bar=decision.bar, foreign=foreign)  # fmt: skip

    def _vectors(self, evidence: Evidence) -> TurnEmbeddings:
        """The turn's embeddings, the search's query vector already among them."""
        known = {evidence.query: evidence.vector} if evidence.vector is not None else {}
        return TurnEmbeddings(self.searcher.embeddings, known)

    def _no_bare_reply(self, answer: str, r: TurnResult, evidence: Evidence) -> None:
        """A model answering alone that says only "Yes" or "No" to a how, what or why question
        (`grounding.bare_reply`) has not answered it: "not found" and the folder's closest passages
        instead, the reply kept as the draft."""
        if not grounding.bare_reply(r.question, answer):
            return
        hits = evidence.hits
        vectors = self._vectors(evidence)
        passages = self._usable_passages(r.question, hits, r) if hits else []
        r.draft, r.replaced_because = answer, f"“{answer}” does not answer a question that asks how, what or why"
        self._unsupported(r, hits, None, passages, vectors)  # "not found", as for a draft no passage supports
        r.reason += f" Its answer was only “{answer}”, so the closest passages are shown instead."

    def _superlative_rows(self, question: str, hits: list[Hit]) -> list[Hit]:
        """A spreadsheet's rows are passages of their own, and asked which has the most (or the least,
        the cheapest) of something, the row that has it may not be among those read: "Which model has
        the longest battery life?" compared three trackers and named the second-longest, with
        confidence. The file's rows are compared, and the row that has it takes the place of the
        file's first passage (read, not weighed: the route is decided)."""
        if not grounding.asks_superlative(question):
            return hits
        snapshot = self.searcher.store.snapshot()
        hits, compared = list(hits), set()
        for place, hit in enumerate(hits):
            source = hit.chunk.source
            if source in compared or not source.lower().endswith(RECORD_FILES) or not grounding.is_record(hit.chunk.text):
                continue
            compared.add(source)  # each table file once: two price lists' winners are then compared with each other
            rows = snapshot.chunks_of(source, MAX_TABLE_ROWS + 1) if snapshot is not None else []
            best = grounding.superlative_row(question, [row.text for row in rows]) if 2 <= len(rows) <= MAX_TABLE_ROWS else None
            if best is None:
                continue
            at = next((i for i, h in enumerate(hits) if h.chunk.id == rows[best].id), None)
            if at is None:
                hits[place] = Hit(rows[best], hit.score, added=True, compared=True)
            else:
                hits[at] = replace(hits[at], compared=True)
        return hits

    @staticmethod
    def _table_answer(question: str, hits: list[Hit]) -> Hit | None:
        """The compared table row (`_superlative_rows`) that answers a superlative the router found no
        passage close enough for (`grounding.table_answers`), or None. "What is the cheapest
        accessory?" got "not found" beside the price list's rows, the cheapest among them."""
        return next((h for h in hits if h.compared and grounding.table_answers(question, h.chunk.text, h.chunk.file_name)),
                    None)  # fmt: skip

    @staticmethod
    def _compared_row(question: str, hits: list[Hit], passages: list[str]) -> list[tuple[int, str]] | None:
        """The row `_superlative_rows` found, as a quote's one sentence (the winner of the winners when
        two tables were compared), or None. Read beside two passages of release notes, a price
        list's one row is no table to compare, and "Which TV is the cheapest?" quoted the notes'
        disclaimer as the closest they come."""
        rows = [(n, h.chunk.text) for n, (h, p) in enumerate(zip(hits, passages, strict=False), 1) if h.compared and p]
        if not rows:
            return None
        best = 0 if len(rows) == 1 else grounding.superlative_row(question, [text for _, text in rows])
        if best is None:
            return None
        n, text = rows[best]
        sentence = grounding.record_sentence(text)
        return [(n, sentence)] if sentence else None

    def _resolve(self, mode: Mode, decision: RouteDecision, adapter: str | None) -> tuple[str, str, str | None]:
        """(route, reason, domain adapter or None) for the requested mode."""
        if mode == "auto":
            return decision.route, decision.reason, adapter or decision.adapter if "finetuned" in decision.route else None
        if mode in ("finetuned", "finetuned+retrieval"):
            nearest = decision.signals.nearest
            domain = adapter or (nearest.name if nearest else None)
            if domain is None:
                return ("base" if mode == "finetuned" else "retrieval"), (
                    "You chose the fine-tuned route, but no fine-tuned domain is installed: the base model answers."
                ), None
            return mode, f"You chose the {mode.replace('+', ' + ')} route: the fine-tuned model '{domain}'.", domain
        labels = {"base": "the base model alone", "retrieval": "the retrieval route", "not_found": "'not found'"}
        return mode, f"You chose {labels[mode]}.", None

    def _grounded(self, model, question: str, hits: list[Hit], domain: str | None, past, result: TurnResult,
                  started: float, answer_mode: AnswerMode, vectors: TurnEmbeddings, *, bar: float,
                  foreign: bool = False) -> AnswerStream:  # fmt: skip
        """`foreign`: the fine-tuned model reads passages that are not its domain's documents (the
        demo's release notes): a quote replaces its unsupported answer only when it holds what the
        question asks for (`grounding.gives_what_is_asked`). Its answer came from what it was trained
        on; "What is Ambient Mode?" had become the release note "…fixed a bug where Ambient Mode
        showed a black screen after a power cut", which holds both its words and defines nothing."""
        passages = self._usable_passages(question, hits, result)
        if not any(passages):
            return self._not_found(result, hits, started, None, vectors)
        quotable = _quote_from(question, passages, hits)
        unmentioned = [] if domain or answer_mode is AnswerMode.GENERATED else \
            self.searcher.unmentioned(grounding.named_words(question))  # fmt: skip
        if unmentioned:
            return AnswerStream(iter([]), result, started,
                                lambda _, r: self._unmentioned(unmentioned, quotable, hits, r, vectors))  # fmt: skip
        row = None if answer_mode is AnswerMode.GENERATED else self._compared_row(question, hits, passages)
        if row:
            return AnswerStream(iter([]), result, started, lambda _, r: self._quote(row, hits, r))
        if answer_mode is AnswerMode.EXTRACTIVE:
            return AnswerStream(iter([]), result, started, lambda _, r: self._extractive(question, quotable, hits, r, vectors))
        ahead = self._with_model
        busy = 0 < self.settings.busy_after <= ahead
        # The base model gets a manual's steps, descriptions and yes/no answers wrong (on the unseen
        # manual's dev questions its verified drafts cited the right section for 14 of 21, the quotes
        # for 17, with no "not found" instead of 2): those are quoted. And when the model is busy, a
        # quote now beats an answer minutes later (the soak's 20 sessions queued past ten minutes).
        quoted = domain is None and self._quotes_first(question)
        if answer_mode is AnswerMode.AUTO and (quoted or busy):
            picked = grounding.extract(question, quotable, vectors, whole=[h.chunk.text for h in hits],
                                       closeness=[h.dense_score for h in hits])  # fmt: skip
            others = f"The model is busy with {ahead} other answer{'s' * (ahead != 1)}"
            if picked and self._answers(question, picked, hits):
                if busy and not quoted:
                    result.notices.append(f"{others}, so this answer quotes your documents instead of waiting.")
                return AnswerStream(iter([]), result, started, lambda _, r: self._quote(picked, hits, r))
            if picked:
                # No sentence holds the question's words: the closest ones, labelled as such, rather
                # than a draft the check mostly rejects (then "not found" beside the passage) or one
                # that waits minutes behind the others (the soak's queued drafts did both).
                if busy and not quoted:
                    result.notices.append(f"{others}: rather than make you wait, this is the closest your documents "
                                          "come. Ask again in a minute for a written answer.")  # fmt: skip
                return AnswerStream(iter([]), result, started,
                                    lambda _, r: self._quote(picked, hits, r, grounding.CLOSEST_PREFIX))  # fmt: skip
        warm = self._prefetch(question, quotable, passages, vectors) if answer_mode is AnswerMode.AUTO else None
        shown = [p or prompts.WITHHELD for p in passages]
        titles = [_title(h) if p else "" for h, p in zip(hits, passages, strict=False)]
        # A file without headings (a web page, an article) is about what its name says, and its
        # sentences call that "it" or "he": the model is told the name. A section's sentences name
        # their topic themselves; titling them too changed the small model's drafts at random.
        named = [t if not h.chunk.section else "" for h, t in zip(hits, titles, strict=False)]
        messages = [SystemMessage(prompts.grounded_system(shown, named)), *past, HumanMessage(question)]
        tokens = self._tokens(model, messages, domain, stop=prompts.GROUNDED_STOP)

        def finish(answer: str, r: TurnResult) -> None:
            tick = time.perf_counter()
            if warm is not None and warm.ident is not None:  # not started: no token came, nothing to wait for
                warm.join()
            answer = grounding.clean(answer, question)
            cited = cite(answer, [h.chunk for h in hits])
            r.answer, r.citations = cited.text, [citation_of(n, hits[n - 1]) for n in cited.numbers]
            if answer_mode is AnswerMode.AUTO:
                verdict = grounding.verify(answer, question, passages, cited.numbers, titles)
                if not verdict.ok:
                    r.draft, r.replaced_because, r.draft_citations = r.answer, verdict.why, r.citations
                    if not (self._extractive(question, quotable, hits, r, vectors, require_match=True, asked=foreign)
                            or (not domain and self._closest(question, passages, hits, r, vectors, bar))):  # fmt: skip
                        self._unsupported(r, hits, domain, passages, vectors)
            r.timings.verify_ms = _ms_since(tick)

        return AnswerStream(tokens if warm is None else self._starting_after_first(tokens, warm), result, started, finish)

    def _quotes_first(self, question: str) -> bool:
        """Is this a question the base model should not write the answer to (`Settings.quote_first`)?"""
        match self.settings.quote_first:
            case QuoteFirst.NEVER:
                return False
            case QuoteFirst.STEPS:
                return grounding.asks_for_steps(question)
        return not grounding.asks_for_fact(question)

    @staticmethod
    def _starting_after_first(tokens: Iterator[str], warm: threading.Thread) -> Iterator[str]:
        """Start `warm` once the first token is out: begun with the turn, it would share the cores
        with the model's prompt processing, which the first token waits for."""
        try:
            for n, token in enumerate(tokens):
                if n == 0:  # the prompt is processed: the model only writes from here
                    warm.start()
                yield token
        finally:
            getattr(tokens, "close", lambda: None)()

    @staticmethod
    def _prefetch(question: str, quotable: list[str], passages: list[str], vectors: TurnEmbeddings) -> threading.Thread:
        """Embed the sentences a fallback quote would weigh while the model writes, so checking the
        answer after it ends costs lexical scoring only (it cost 60–84 ms p50 when done after).
        Returned unstarted (see `_starting_after_first`)."""

        def work() -> None:
            try:
                grounding.extract(question, quotable, vectors)  # `_extractive`
                grounding.extract(question, passages[:1], vectors)  # `_closest`
            except Exception:  # noqa: BLE001 - the same call after the answer raises it where it is handled
                pass

        return threading.Thread(target=work, name="quote-prefetch", daemon=True)

    @staticmethod
    def _usable_passages(question: str, hits: list[Hit], result: TurnResult) -> list[str]:
        """The focused passages, with "" for any that addresses its reader (`injection`): those are
        never shown to the model or quoted, and the turn says which and why. Asked when, a
        passage whose heading carries the date begins with that heading: a changelog's "[2.3.0] -
        2026-10-02" or "Version 4.1 (January 19, 2026)" is the only place its date stands, and "When
        was version 2.3.0 released?" was answered with the closest text under 2.2.0's."""
        passages, when = [], grounding.asks_when(question)
        for n, hit in enumerate(hits, 1):
            what = instructions_in(hit.chunk.text)
            if what:
                result.notices.append(f"Source [{n}] ({hit.chunk.source}) {what}, so it was not used to answer.")
            dated = when and recency.heading_date(hit.chunk.section or "") and _title(hit)
            text = f"{dated}.\n{hit.chunk.text}" if dated else hit.chunk.text
            passages.append("" if what else grounding.focus(text, question))
        return passages

    def _unsupported(self, r: TurnResult, hits: list[Hit], domain: str | None, passages: list[str],
                     vectors: TurnEmbeddings) -> None:  # fmt: skip
        """Neither the answer nor any passage sentence answers the question. With a fine-tuned domain
        the model's own answer stands, labelled as such; without one, say "not found"."""
        if domain:
            r.route, r.answer_kind, r.citations = "finetuned", "closed_book", []
            r.reason += " The passages did not support an answer, so this is the fine-tuned model's own answer."
            r.draft = r.replaced_because = None
            return
        r.route, r.answer_kind, r.model = "not_found", "not_found", "none (not found)"
        r.answer = self._not_found_text(r.question, hits, passages, vectors)
        r.citations = [citation_of(n, h) for n, h in enumerate(hits, 1)]

    def _extractive(self, question: str, passages: list[str], hits: list[Hit], r: TurnResult,
                    vectors: TurnEmbeddings | None = None, require_match: bool = False,
                    prefix: str = grounding.QUOTE_PREFIX, asked: bool = False) -> bool:  # fmt: skip
        """Replace the answer by a quote of the best sentences of `passages` (`_quote_from`'s); False if there is none
        (or, with `require_match`, none that holds enough of the question's words; with `asked`, none
        that holds what it asks for: a number, a name, a definition)."""
        picked = grounding.extract(question, passages, vectors or self.searcher.embeddings,
                                   whole=[h.chunk.text for h in hits], closeness=[h.dense_score for h in hits])  # fmt: skip
        if not picked or (require_match and not self._answers(question, picked, hits)):
            return False
        if asked and not grounding.gives_what_is_asked(question, picked):
            return False
        self._quote(picked, hits, r, prefix)
        return True

    def _answers(self, question: str, picked: list[tuple[int, str]], hits: list[Hit]) -> bool:
        """`grounding.answers_question`, told which of the question's words the folder never holds (not
        the "won" of "It won't turn on", the "mean" of "What does E02 mean?" nor an apostrophe-less "dont": how
        it asks, not what about), and, when it lacks one, which names of the question every passage found holds."""
        words = tokenize(ASKING.sub(" ", question), exact_numbers=True)
        absent = self.searcher.unheld([t for t in dict.fromkeys(words) if t not in QUESTION_WORDS | CONTRACTED])
        names = set(tokenize(" ".join(grounding.named_words(question)))) if absent and len(hits) > 1 else set()
        everywhere = names.intersection(*(tokenize(h.chunk.search_text) for h in hits)) if names else set()
        return grounding.answers_question(question, picked, _titles(picked, hits), absent, everywhere)

    def _unmentioned(self, words: list[str], passages: list[str], hits: list[Hit], r: TurnResult,
                     vectors: TurnEmbeddings) -> None:  # fmt: skip
        """The question names what no passage of the folder holds ("Does the doorbell work with
        Alexa?" of a help centre that never says "Alexa"): whatever the passages say, they do not
        say that, and a sentence sharing the rest of its words ("The doorbell also works with
        existing doorbell wiring") was quoted as the answer. The closest sentences are quoted under
        what they lack, and no model writes an answer the folder cannot hold."""
        if not self._extractive(r.question, passages, hits, r, vectors, prefix=grounding.unmentioned_prefix(words)):
            self._unsupported(r, hits, None, passages, vectors)

    @staticmethod
    def _quote(picked: list[tuple[int, str]], hits: list[Hit], r: TurnResult,
               prefix: str = grounding.QUOTE_PREFIX) -> None:  # fmt: skip
        used = list(dict.fromkeys(n for n, _ in picked))  # passage numbers, renumbered 1.. in order of use
        renumber = {n: i for i, n in enumerate(used, 1)}
        if prefix == grounding.QUOTE_PREFIX and not grounding.names_what_is_asked(r.question, picked, _titles(picked, hits)):
            prefix = grounding.CLOSEST_PREFIX
        r.answer_kind = "extractive"
        r.answer = grounding.quote([(renumber[n], sentence) for n, sentence in picked], prefix,
                                   {renumber[n]: _besides(_title(hits[n - 1]), r.question) for n in used})
        r.citations = [citation_of(renumber[n], hits[n - 1]) for n in used]

    def _closest(self, question: str, passages: list[str], hits: list[Hit], r: TurnResult,
                 vectors: TurnEmbeddings | None = None, bar: float = float("inf")) -> bool:  # fmt: skip
        """The folder passed the router's bar but no sentence holds the question's words: rather
        than "not found" beside the passage both searches put on top (first in one, first or second
        in the other), or beside the one that cleared the folder's `bar` on its own (the vectors'
        first), quote that passage's best sentences — introduced as the closest the documents come,
        not as the answer. "How much can I spend on food when travelling?" found the meals section
        at 0.60 against a handbook's bar of 0.39, BM25 fourth ("travel" is everywhere), and its
        right sentence ("…claim up to 60 euros per day for meals") shares one word of four."""
        top = hits[0]
        cleared = top.dense_rank == 1 and (top.dense_score or 0.0) >= bar
        if not passages[0] or not (cleared or agreed(top)):
            return False
        picked = grounding.extract(question, passages[:1], vectors or self.searcher.embeddings, whole=[top.chunk.text])
        if not picked:
            return False
        r.answer_kind, r.answer = "extractive", grounding.quote(picked, grounding.CLOSEST_PREFIX, {1: _besides(_title(top), question)})
        r.citations = [citation_of(1, top)]
        return True

    def _not_found(self, result: TurnResult, hits: list[Hit], started: float,
                   decision: RouteDecision | None, vectors: TurnEmbeddings) -> AnswerStream:  # fmt: skip
        """Weak evidence: say so and show the closest passages instead of letting the model invent."""
        passages = self._usable_passages(result.question, hits, result) if hits else []
        text = self._not_found_text(result.question, hits, passages, vectors)
        result.route, result.answer_kind, result.model = "not_found", "not_found", "none (not found)"
        if decision is not None and result.reason.startswith("You chose") and not decision.answerable:
            result.reason += f" The folder does not answer it (best match {decision.signals.evidence:.2f} < bar {decision.bar:.2f})."

        def finish(answer: str, r: TurnResult) -> None:
            r.citations = [citation_of(n, h) for n, h in enumerate(hits, 1)]

        return AnswerStream(iter([text]), result, started, finish)

    def _not_found_text(self, question: str, hits: list[Hit], passages: list[str], vectors: TurnEmbeddings) -> str:
        """"Not found" and the closest passages — quoting the best sentences of the one both searches
        put on top (first in one, at worst second in the other: `agreed`), when there is one.
        Listed by number only, they hid what stood under the bar: "How far from the wall should I
        put it?" fell under a purifier manual's bar beside the page that says "at least 30 cm away
        from walls". Measured over seven folders, of the answerable questions under the bar 12 of
        22 have such a passage, of CLINC's out-of-scope questions 252 of 2,051: any closest passage
        quoted Elizabeth II's speeches to "how long do i have to wait to get my refund"."""
        if not hits:
            return f"{prompts.NOT_FOUND} The knowledge folder is empty or has no matching passage."
        listed = ", ".join(f"[{n}]" for n in range(1, len(hits) + 1))
        n = next((n for n, (hit, text) in enumerate(zip(hits, passages, strict=False), 1) if text and agreed(hit)), None)
        picked = grounding.extract(question, [text if m == n else "" for m, text in enumerate(passages, 1)], vectors,
                                   limit=NOT_FOUND_QUOTE, whole=[h.chunk.text for h in hits]) if n else []  # fmt: skip
        if not picked:
            return f"{prompts.NOT_FOUND} The closest passages are {listed}."
        others = [f"[{m}]" for m in range(1, len(hits) + 1) if m != n]
        text = grounding.quote(picked, prompts.NOT_FOUND_CLOSEST, _titles(picked, hits))
        return text + (f" Also close: {', '.join(others)}." if others else "")

    def _tokens(self, model, messages: Sequence[BaseMessage], adapter: str | None,
                stop: list[str] | None = None) -> Iterator[str]:  # fmt: skip
        with self._count:
            self._with_model += 1
        try:
            with self.backend.errors(adapter):
                for chunk in model.stream(list(messages), stop=stop):
                    if chunk.text:
                        yield chunk.text
        finally:
            with self._count:
                self._with_model -= 1


class Conversation:
    """A chat's turns so far; follow-ups are answered with the previous turns in view."""

    def __init__(self, pipeline: TurnPipeline, *, max_history_turns: int = 3) -> None:
        self.pipeline = pipeline
        self.history: list[tuple[str, str]] = []
        self.max_history_turns = max_history_turns

    def ask(self, text: str, mode: Mode = "auto", adapter: str | None = None) -> AnswerStream:
        return self.pipeline.answer(text, mode, history=self.history, adapter=adapter)

    def remember(self, result: TurnResult) -> None:
        self.history.append((result.question, result.answer))
        del self.history[: -self.max_history_turns]


def _history_messages(history: Sequence[tuple[str, str]]) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    for q, a in history:
        out += [HumanMessage(q), AIMessage(a)]
    return out


def agreed(hit: Hit) -> bool:
    """Both searches put it on top: first in one, at worst second (`CLOSEST_RUNNER_UP`) in the other."""
    ranks = sorted(rank or CLOSEST_RUNNER_UP + 1 for rank in (hit.bm25_rank, hit.dense_rank))
    return ranks[0] == 1 and ranks[1] <= CLOSEST_RUNNER_UP


def _quote_from(question: str, passages: list[str], hits: Sequence[Hit]) -> list[str]:
    """The passages a quote may take its sentences from: the first alone when BM25 and the vectors
    both rank it first. Two searches agreeing on a passage know more than one sentence elsewhere
    that shares more of the question's words ("How do I record a workout?" quoted Health settings,
    "record workouts automatically", over the Exercise section both searches put first). Not for
    who / when / how many: there the sentence holding a name or a number is evidence the searches
    did not weigh ("1,261 confirmed tornadoes" stands in the page's second passage). Measured over
    cached searches, quotes only: TV questions as a new manual's, right section cited 0.622 → 0.643
    (286) and 0.673 → 0.694 (98 paraphrased), the band's dev 0.810 → 0.857, its test unchanged.
    The first alone too when it is the newest dated section asked for (`recency.newest_leads`)."""
    agreed = hits and hits[0].bm25_rank == 1 and hits[0].dense_rank == 1 and not grounding.asks_for_fact(question)
    if passages and passages[0] and (agreed or recency.newest_leads(question, hits)):
        return [passages[0]] + [""] * (len(passages) - 1)
    return passages


def _titles(picked: Sequence[tuple[int, str]], hits: Sequence[Hit]) -> dict[int, str]:
    return {n: _title(hits[n - 1]) for n, _ in picked}


def _title(hit: Hit) -> str:
    """The passage's title as the model and a quote may show it: plain, and none at all when it
    addresses the reader (a file named "ignore your instructions.txt" names nothing)."""
    title = grounding.plain(hit.chunk.title)
    return "" if instructions_in(title) else title


def _besides(title: str, question: str) -> str:
    """The title less its last part when that is the question itself: a FAQ entry is titled by its
    question, and asked just that, "Frequently asked questions › Do you sell gift cards? — Digital
    gift cards…" repeats the user's words before the answer."""
    *path, last = title.split(" › ")
    same = " ".join(last.split()).rstrip("?").casefold() == " ".join(question.split()).rstrip("?").casefold()
    return " › ".join(path) if same else title


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


__all__ = ["AnswerStream", "Citation", "Conversation", "Route", "TurnPipeline", "TurnResult", "clean_question"]
