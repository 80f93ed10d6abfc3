"""The Ollama backend: real Ollama servers at `OLLAMA_HOST`, through `langchain-ollama`.

Beyond building `ChatOllama`/`OllamaEmbeddings`, this module turns the client's exceptions into
messages that say what to do (start the server, pull the model), and spreads requests over
several hosts (`OLLAMA_HOST=http://a:11434,http://b:11434`): each answer starts on the next host in
turn and moves to another when its host refuses the connection before the first token (LangChain's
`with_fallbacks`); a host that failed is tried last for a while. An answer whose host dies after
it started streaming ends with the one-line error, and the conversation's next turn goes elsewhere.
"""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from assistant.errors import BackendUnavailable

DOWN_FOR_S = 30.0  # a host that refused a connection is tried last this long


def parse_hosts(value: str) -> list[str]:
    """`OLLAMA_HOST` as one host or a comma-separated list; Ollama's own bare `host:port` gets http://."""
    hosts = [h.strip().rstrip("/") for h in value.split(",") if h.strip()]
    return [h if "://" in h else f"http://{h}" for h in hosts]


class HostPool:
    """The hosts in turn, those that failed lately last."""

    def __init__(self, hosts: Sequence[str], *, down_for_s: float = DOWN_FOR_S) -> None:
        self.hosts = list(hosts)
        self.down_for_s = down_for_s
        self._turn = itertools.count()
        self._down_until: dict[str, float] = {}
        self._lock = threading.Lock()

    @property
    def label(self) -> str:
        return ", ".join(self.hosts)

    def order(self) -> list[str]:
        with self._lock:
            start = next(self._turn) % len(self.hosts)
            now = time.monotonic()
            rotated = self.hosts[start:] + self.hosts[:start]
            return sorted(rotated, key=lambda h: self._down_until.get(h, 0.0) > now)  # stable: the turn order stays

    def mark_down(self, host: str) -> None:
        with self._lock:
            self._down_until[host] = time.monotonic() + self.down_for_s


@dataclass(frozen=True)
class OllamaStatus:
    host: str
    models: tuple[str, ...] = ()
    error: str | None = None

    @property
    def reachable(self) -> bool:
        return self.error is None

    def has(self, model: str) -> bool:
        return any(name == model or name == f"{model}:latest" for name in self.models)


def probe(host: str, timeout_s: float) -> OllamaStatus:
    """Which models the server has, or why it cannot be reached; never raises. With several hosts:
    the first that answers (the others are tried in turn by every request anyway)."""
    import ollama

    errors = []
    for one in parse_hosts(host) or [host]:
        try:
            listing = ollama.Client(host=one, timeout=timeout_s).list()
        except Exception as exc:  # connection refused, DNS, timeout, HTTP error: all mean "not usable"
            errors.append(_describe(exc, one) if "," not in host else f"{one}: {_describe(exc, one)}")
            continue
        return OllamaStatus(one, tuple(m.model for m in listing.models if m.model))
    return OllamaStatus(host, error="; ".join(errors))


def unreachable(host: str, detail: str = "") -> BackendUnavailable:
    return BackendUnavailable(
        f"Ollama at {host} is unreachable" + (f" ({detail})" if detail else ""),
        "start it with `ollama serve`, point OLLAMA_HOST at it, or use ASSISTANT_BACKEND=embedded",
    )


def not_pulled(model: str, host: str) -> BackendUnavailable:
    return BackendUnavailable(f"model '{model}' is not pulled on Ollama at {host}", f"run `ollama pull {model}`")


def _describe(exc: BaseException, host: str) -> str:
    import httpx

    if isinstance(exc, ConnectionError | httpx.ConnectError):
        return "connection refused"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def translated_errors(host: str, model: str) -> Iterator[None]:
    """Map the ollama client's exceptions to `BackendUnavailable` with a fix."""
    import httpx
    import ollama

    try:
        yield
    except ollama.ResponseError as exc:
        if exc.status_code == 404 or "not found" in str(exc.error).lower():
            raise not_pulled(model, host) from exc
        raise BackendUnavailable(f"Ollama at {host} answered an error: {exc.error}", "see the Ollama server log") from exc
    except httpx.TimeoutException as exc:
        raise BackendUnavailable(
            f"Ollama at {host} did not answer in time", "raise ASSISTANT_OLLAMA_TIMEOUT_S or check the server load"
        ) from exc
    except (ConnectionError, httpx.ConnectError, httpx.RemoteProtocolError) as exc:
        raise unreachable(host, _describe(exc, host)) from exc


def chat_model(
    pool: HostPool, model: str, *, timeout_s: float, max_tokens: int, temperature: float, repeat_penalty: float
):
    """`ChatOllama` on the pool's next host, falling back to the others in turn."""
    models = [
        _pooled_chat_class()(model=model, base_url=host, num_predict=max_tokens, temperature=temperature,
                             repeat_penalty=repeat_penalty, client_kwargs={"timeout": timeout_s}, pool=pool)  # fmt: skip
        for host in pool.order()
    ]
    if len(models) == 1:
        return models[0]
    return models[0].with_fallbacks(models[1:], exceptions_to_handle=connect_errors())


def connect_errors() -> tuple[type[BaseException], ...]:
    import httpx

    return (ConnectionError, httpx.ConnectError, httpx.ConnectTimeout)  # the ollama client raises ConnectionError


@functools.cache
def _pooled_chat_class():
    from typing import Any

    from langchain_ollama import ChatOllama
    from pydantic import Field

    class PooledChatOllama(ChatOllama):
        """`ChatOllama` that tells its pool when its host refused, so the next answers start elsewhere."""

        pool: Any = Field(default=None, exclude=True)

        def _stream(self, *args, **kwargs):
            try:
                yield from super()._stream(*args, **kwargs)
            except connect_errors():
                self.pool.mark_down(self.base_url or "")
                raise

        def _generate(self, *args, **kwargs):
            try:
                return super()._generate(*args, **kwargs)
            except connect_errors():
                self.pool.mark_down(self.base_url or "")
                raise

    return PooledChatOllama


def embeddings(host: str, model: str, *, timeout_s: float):
    from langchain_ollama import OllamaEmbeddings

    return OllamaEmbeddings(model=model, base_url=host, client_kwargs={"timeout": timeout_s})
