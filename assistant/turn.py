"""One turn, end to end: check the question, pick a route, generate, collect citations and timings.

Both faces (CLI and chat) call `Conversation.ask`; it returns an `AnswerStream` so each face can
render tokens as they come and read the finished `TurnResult` (the `--json` shape) at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant.citations import cite
from assistant.errors import BadInput
from assistant.retrieval import Evidence, Hit
from assistant.router import RouteDecision, rewrite_follow_up
from assistant.services import Services

Route = Literal["finetuned", "retrieval"]
RouteChoice = Literal["auto", "finetuned", "retrieval"]

FINETUNED_SYSTEM = (
    "You are Crossroads, a support assistant. Answer the question directly and briefly, "
    "in one to three sentences."
)
RETRIEVAL_SYSTEM = (
    "You are Crossroads, a support assistant. Answer the question using only the numbered passages. "
    "Cite the passage you used with its number in brackets, like [1]. Answer in one to three sentences. "
    "If the passages do not answer the question, say that the knowledge base does not cover it."
)
NOT_FOUND = "I could not find this in the knowledge base."
RETRIEVAL_STOP = ["\nQuestion:", "\nPassages:"]  # small models echo the prompt's scaffolding


@dataclass
class Citation:
    n: int
    source: str
    page: int | None
    section: str | None
    snippet: str
    chunk_id: str


@dataclass
class Timings:
    route_ms: float = 0.0
    retrieve_ms: float = 0.0
    first_token_ms: float | None = None
    total_ms: float = 0.0


@dataclass
class TurnResult:
    question: str
    answer: str
    route: Route
    reason: str
    confidence: float
    model: str
    citations: list[Citation] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)
    notices: list[str] = field(default_factory=list)
    signals: dict | None = None  # the router's signals, when it ran

    def to_json(self) -> dict:
        return asdict(self)


def citation_of(n: int, hit: Hit) -> Citation:
    c = hit.chunk
    return Citation(n, c.source, c.page, c.section, " ".join(c.text.split())[:300], c.id)


@dataclass(frozen=True)
class Decision:
    route: Route
    reason: str
    confidence: float
    adapter: str | None = None


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
    """Tokens of one answer as they are generated; `result` is final once iteration ends."""

    def __init__(
        self,
        tokens: Iterator[str],
        result: TurnResult,
        started: float,
        finish: Callable[[str], tuple[str, list[Citation]]] | None = None,
    ) -> None:
        self._tokens = tokens
        self.result = result
        self._started = started
        self._finish = finish

    def __iter__(self) -> Iterator[str]:
        parts: list[str] = []
        for token in self._tokens:
            if self.result.timings.first_token_ms is None:
                self.result.timings.first_token_ms = _ms_since(self._started)
            parts.append(token)
            yield token
        answer = "".join(parts).strip()
        if self._finish:
            answer, self.result.citations = self._finish(answer)
        self.result.answer = answer
        self.result.timings.total_ms = _ms_since(self._started)

    def collect(self) -> TurnResult:
        for _ in self:
            pass
        return self.result


class Conversation:
    """A chat's turns so far; follow-ups are answered with the previous turns in view."""

    def __init__(self, services: Services, *, max_history_turns: int = 3) -> None:
        self.services = services
        self.history: list[tuple[str, str]] = []
        self.max_history_turns = max_history_turns

    def decide(
        self, question: str, route: RouteChoice, adapter: str | None = None
    ) -> tuple[RouteDecision, Decision, Evidence]:
        """One retrieval call (reused by the answer), the router's signals, and the route to take.

        The search runs even when the route is forced: it costs milliseconds, the router still
        names the nearest fine-tuned domain, and the decision log records what auto would have done.
        """
        settings = self.services.settings
        previous = self.history[-1][0] if self.history else None
        query, follow_up = rewrite_follow_up(question, previous)
        evidence = self.services.searcher.search(query, settings.passages)
        router = self.services.router
        routed = router.decide(router.signals(question, evidence, query, follow_up, evidence.vector))
        if route == "finetuned":
            adapter = adapter or routed.signals.domain
            who = f"the fine-tuned model '{adapter}'" if adapter else "the base model (no fine-tuned domain is installed)"
            return routed, Decision("finetuned", f"You chose the fine-tuned route: {who}.", 1.0, adapter), evidence
        if route == "retrieval":
            return routed, Decision("retrieval", "You chose the retrieval route.", 1.0), evidence
        return routed, Decision(routed.route, routed.reason, routed.confidence, routed.adapter), evidence

    def ask(self, text: str, route: RouteChoice = "auto", adapter: str | None = None) -> AnswerStream:
        """Answer one turn; `adapter` pins the fine-tuned route to that LoRA (`ask --adapter`)."""
        started = time.perf_counter()
        settings = self.services.settings
        question, notices = clean_question(text, settings.max_question_chars)
        routed, decision, evidence = self.decide(question, route, adapter)
        self.services.log_route(question, routed, forced=route != "auto")
        loading = time.perf_counter()
        # Loads the model once per process; a retrieval answer is grounded in passages.
        model = self.services.chat_model(decision.adapter, grounded=decision.route == "retrieval")
        started += time.perf_counter() - loading  # a one-off load is not part of the turn's latency
        result = TurnResult(
            question=question,
            answer="",
            route=decision.route,
            reason=decision.reason,
            confidence=round(decision.confidence, 3),
            model=self.services.model_label(decision.adapter),
            timings=Timings(
                route_ms=round(routed.route_ms, 2),
                retrieve_ms=round(evidence.embed_ms + evidence.search_ms, 1),
            ),
            notices=notices,
            signals=routed.signals.to_json(),
        )
        if decision.route == "finetuned":
            messages = finetuned_messages(question, self._history_messages())
            return AnswerStream(self._tokens(model, messages, decision.adapter), result, started)
        hits = evidence.hits
        if not is_answerable(evidence, settings.min_evidence):
            return self._not_found(result, hits, started)
        messages = retrieval_messages(question, hits, self._history_messages())

        def finish(answer: str) -> tuple[str, list[Citation]]:
            cited = cite(answer, [h.chunk for h in hits])
            return cited.text, [citation_of(n, hits[n - 1]) for n in cited.numbers]

        tokens = self._tokens(model, messages, None, stop=RETRIEVAL_STOP)
        return AnswerStream(tokens, result, started, finish)

    def _not_found(self, result: TurnResult, hits: list[Hit], started: float) -> AnswerStream:
        """Weak evidence: say so and show the closest passages instead of letting the model invent."""
        if hits:
            text = f"{NOT_FOUND} The closest passages are " + ", ".join(f"[{n}]" for n in range(1, len(hits) + 1)) + "."
        else:
            text = f"{NOT_FOUND} The knowledge folder is empty or has no matching passage."
        result.model = "none (not found)"

        def finish(answer: str) -> tuple[str, list[Citation]]:
            return answer, [citation_of(n, h) for n, h in enumerate(hits, 1)]

        return AnswerStream(iter([text]), result, started, finish)

    def _tokens(
        self, model: BaseChatModel, messages: Sequence[BaseMessage], adapter: str | None, stop: list[str] | None = None
    ) -> Iterator[str]:
        with self.services.errors(adapter):
            for chunk in model.stream(list(messages), stop=stop):
                if chunk.text:
                    yield chunk.text

    def remember(self, result: TurnResult) -> None:
        self.history.append((result.question, result.answer))
        del self.history[: -self.max_history_turns]

    def _history_messages(self) -> list[BaseMessage]:
        out: list[BaseMessage] = []
        for q, a in self.history:
            out += [HumanMessage(q), AIMessage(a)]
        return out


def finetuned_messages(question: str, history: Sequence[BaseMessage] = ()) -> list[BaseMessage]:
    return [SystemMessage(FINETUNED_SYSTEM), *history, HumanMessage(question)]


def retrieval_messages(question: str, hits: Sequence[Hit], history: Sequence[BaseMessage] = ()) -> list[BaseMessage]:
    passages = "\n\n".join(f"[{n}] ({_where(h)}) {h.chunk.text}" for n, h in enumerate(hits, 1))
    return [
        SystemMessage(RETRIEVAL_SYSTEM),
        *history,
        HumanMessage(f"Passages:\n{passages}\n\nQuestion: {question}"),
    ]


def is_answerable(evidence: Evidence, min_evidence: float) -> bool:
    """Enough evidence to answer from; below it the answer is 'not found' plus the closest passages."""
    return bool(evidence.hits) and evidence.best_dense >= min_evidence


def _where(hit: Hit) -> str:
    c = hit.chunk
    return c.source + (f", page {c.page}" if c.page else "") + (f", {c.section}" if c.section else "")


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
