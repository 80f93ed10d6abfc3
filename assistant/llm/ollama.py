"""The Ollama backend: a real Ollama server at `OLLAMA_HOST`, through `langchain-ollama`.

The one job of this module beyond building `ChatOllama`/`OllamaEmbeddings` is turning the
client's exceptions into messages that say what to do (start the server, pull the model).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from assistant.errors import BackendUnavailable


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
    """Which models the server has, or why it cannot be reached; never raises."""
    import ollama

    try:
        listing = ollama.Client(host=host, timeout=timeout_s).list()
    except Exception as exc:  # connection refused, DNS, timeout, HTTP error: all mean "not usable"
        return OllamaStatus(host, error=_describe(exc, host))
    return OllamaStatus(host, tuple(m.model for m in listing.models if m.model))


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
    host: str, model: str, *, timeout_s: float, max_tokens: int, temperature: float, repeat_penalty: float
):
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=model,
        base_url=host,
        num_predict=max_tokens,
        temperature=temperature,
        repeat_penalty=repeat_penalty,
        client_kwargs={"timeout": timeout_s},
    )


def embeddings(host: str, model: str, *, timeout_s: float):
    from langchain_ollama import OllamaEmbeddings

    return OllamaEmbeddings(model=model, base_url=host, client_kwargs={"timeout": timeout_s})
