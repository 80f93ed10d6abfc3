"""One turn, end to end: check the question, pick a route, generate, collect citations and timings.

Both faces (CLI and chat) call `Conversation.ask`; it returns an `AnswerStream` so each face can
render tokens as they come and read the finished `TurnResult` (the `--json` shape) at the end.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from assistant.errors import BadInput
from assistant.services import Services

Route = Literal["finetuned", "retrieval"]
RouteChoice = Literal["auto", "finetuned", "retrieval"]

FINETUNED_SYSTEM = (
    "You are Crossroads, a support assistant. Answer the question directly and briefly, "
    "in one to three sentences."
)


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

    def to_json(self) -> dict:
        return asdict(self)


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

    def __init__(self, tokens: Iterator[str], result: TurnResult, started: float) -> None:
        self._tokens = tokens
        self.result = result
        self._started = started

    def __iter__(self) -> Iterator[str]:
        parts: list[str] = []
        for token in self._tokens:
            if self.result.timings.first_token_ms is None:
                self.result.timings.first_token_ms = _ms_since(self._started)
            parts.append(token)
            yield token
        self.result.answer = "".join(parts).strip()
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

    def decide(self, question: str, route: RouteChoice) -> Decision:
        adapters = [name for name, _ in self.services.adapters]
        adapter = adapters[0] if adapters else None
        if route == "retrieval":
            raise BadInput("the retrieval route is not available yet", "use --route finetuned")
        who = f"the fine-tuned model '{adapter}'" if adapter else "the base model (no fine-tuned domain is installed)"
        why = "you chose the fine-tuned route" if route == "finetuned" else "no router is configured yet"
        return Decision("finetuned", f"Answered by {who}: {why}.", 1.0 if route == "finetuned" else 0.5, adapter)

    def ask(self, text: str, route: RouteChoice = "auto") -> AnswerStream:
        started = time.perf_counter()
        question, notices = clean_question(text, self.services.settings.max_question_chars)
        decision = self.decide(question, route)
        route_ms = _ms_since(started)
        loading = time.perf_counter()
        model = self.services.chat_model(decision.adapter)  # loads the model once per process
        started += time.perf_counter() - loading  # a one-off load is not part of the turn's latency
        result = TurnResult(
            question=question,
            answer="",
            route=decision.route,
            reason=decision.reason,
            confidence=decision.confidence,
            model=self.services.model_label(decision.adapter),
            timings=Timings(route_ms=route_ms),
            notices=notices,
        )
        messages = [SystemMessage(FINETUNED_SYSTEM), *self._history_messages(), HumanMessage(question)]
        return AnswerStream(self._tokens(model, messages, decision.adapter), result, started)

    def _tokens(self, model: BaseChatModel, messages: Sequence[BaseMessage], adapter: str | None) -> Iterator[str]:
        with self.services.errors(adapter):
            for chunk in model.stream(list(messages)):
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


def _ms_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
