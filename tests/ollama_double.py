"""A protocol double of the Ollama server, for tests only.

Ollama itself cannot be installed from the package registries (no PyPI or Debian package ships it), so the Ollama backend is
tested against this small HTTP server on 127.0.0.1 that speaks the parts of Ollama's real API the
app uses — `/api/tags`, `/api/show`, `/api/chat` and `/api/generate` (NDJSON streaming ending in
`done: true`), `/api/embed`, `/api/blobs/sha256:…` (HEAD/POST, digest checked) and `/api/create`
(from a model + adapter blobs, streamed status lines), errors as `{"error": ...}` with Ollama's
status codes. Answers are
real: they come from the embedded llama.cpp model and the MiniLM embeddings, not canned text.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assistant.llm.embedded import EmbeddedRuntime
from assistant.llm.embeddings import MiniLMEmbeddings


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class OllamaDouble:
    """Serves `chat_models` from one `EmbeddedRuntime` and `embed_models` from MiniLM."""

    def __init__(
        self,
        runtime: EmbeddedRuntime,
        embeddings: MiniLMEmbeddings,
        *,
        chat_models: tuple[str, ...] = ("smollm2:135m",),
        embed_models: tuple[str, ...] = ("all-minilm:latest",),
    ) -> None:
        self.runtime, self.embeddings = runtime, embeddings
        self.chat_models, self.embed_models = list(chat_models), list(embed_models)
        self.requests: list[tuple[str, str]] = []
        self.blobs: dict[str, bytes] = {}
        self.created: dict[str, dict] = {}  # model name → the /api/create request
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                double.requests.append(("GET", self.path))
                if self.path in ("/", "/api/version"):
                    return self._json(200, {"version": "0.12.0"} if self.path != "/" else "Ollama is running")
                if self.path == "/api/tags":
                    return self._json(200, {"models": [double._model_entry(m) for m in double._all_models()]})
                self._json(404, {"error": "404 page not found"})

            def do_HEAD(self) -> None:
                double.requests.append(("HEAD", self.path))
                digest = self.path.removeprefix("/api/blobs/")
                self.send_response(200 if self.path.startswith("/api/blobs/") and digest in double.blobs else 404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                double.requests.append(("POST", self.path))
                length = int(self.headers.get("Content-Length") or 0)
                if self.path.startswith("/api/blobs/"):
                    return double._blob(self, self.path.removeprefix("/api/blobs/"), self.rfile.read(length))
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError as exc:
                    return self._json(400, {"error": f"invalid JSON: {exc}"})
                route = {
                    "/api/show": double._show,
                    "/api/chat": double._chat,
                    "/api/generate": double._generate,
                    "/api/embed": double._embed,
                    "/api/create": double._create,
                }.get(self.path)
                if route is None:
                    return self._json(404, {"error": "404 page not found"})
                route(self, body)

            def _json(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _ndjson(self, lines) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for line in lines:
                    data = (json.dumps(line) + "\n").encode()
                    self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> OllamaDouble:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- API ---------------------------------------------------------------------------------
    def _all_models(self) -> list[str]:
        return self.chat_models + self.embed_models

    def _model_entry(self, name: str) -> dict[str, Any]:
        return {
            "name": name,
            "model": name,
            "modified_at": _now(),
            "size": self.runtime.model_path.stat().st_size,
            "digest": "0" * 64,
            "details": {"format": "gguf", "family": "llama", "parameter_size": "135M", "quantization_level": "Q4_1"},
        }

    def _find(self, handler, name: str, pool: list[str]) -> bool:
        if name in pool or f"{name}:latest" in pool:
            return True
        handler._json(404, {"error": f"model '{name}' not found"})
        return False

    def _show(self, handler, body: dict[str, Any]) -> None:
        name = body.get("model") or body.get("name") or ""
        if self._find(handler, name, self._all_models()):
            entry = self._model_entry(name)
            handler._json(
                200,
                {
                    "modelfile": f"FROM {self.runtime.model_path}",
                    "parameters": "",
                    "template": "{{ .Prompt }}",
                    "details": entry["details"],
                    "model_info": {"general.architecture": "llama"},
                    "capabilities": ["completion"] if name in self.chat_models else ["embedding"],
                },
            )

    def _openai_body(self, body: dict[str, Any], messages: list[dict[str, str]]) -> dict[str, Any]:
        options = body.get("options") or {}
        out: dict[str, Any] = {"messages": messages, "max_tokens": options.get("num_predict") or 128}
        if "temperature" in options:
            out["temperature"] = options["temperature"]
        return out

    def _run(self, handler, body: dict[str, Any], messages: list[dict[str, str]], wrap) -> None:
        started = time.perf_counter_ns()
        request = self._openai_body(body, messages)
        if body.get("stream", True):

            def lines():
                count = 0
                for chunk in self.runtime.stream(request):
                    delta = (chunk.get("choices") or [{}])[0].get("delta") or {}
                    if delta.get("content"):
                        count += 1
                        yield {"model": body["model"], "created_at": _now(), **wrap(delta["content"]), "done": False}
                yield {
                    "model": body["model"],
                    "created_at": _now(),
                    **wrap(""),
                    "done": True,
                    "done_reason": "stop",
                    "total_duration": time.perf_counter_ns() - started,
                    "eval_count": count,
                }

            handler._ndjson(lines())
        else:
            result = self.runtime.complete(request)
            text = result["choices"][0]["message"]["content"] or ""
            usage = result.get("usage") or {}
            handler._json(
                200,
                {
                    "model": body["model"],
                    "created_at": _now(),
                    **wrap(text),
                    "done": True,
                    "done_reason": "stop",
                    "total_duration": time.perf_counter_ns() - started,
                    "prompt_eval_count": usage.get("prompt_tokens", 0),
                    "eval_count": usage.get("completion_tokens", 0),
                },
            )

    def _chat(self, handler, body: dict[str, Any]) -> None:
        if self._find(handler, body.get("model", ""), self.chat_models):
            messages = [{"role": m["role"], "content": m.get("content", "")} for m in body.get("messages", [])]
            self._run(handler, body, messages, lambda text: {"message": {"role": "assistant", "content": text}})

    def _generate(self, handler, body: dict[str, Any]) -> None:
        if self._find(handler, body.get("model", ""), self.chat_models):
            messages = [{"role": "user", "content": body.get("prompt", "")}]
            self._run(handler, body, messages, lambda text: {"response": text})

    def _blob(self, handler, digest: str, data: bytes) -> None:
        import hashlib

        if digest != "sha256:" + hashlib.sha256(data).hexdigest():
            return handler._json(400, {"error": "digest mismatch"})
        self.blobs[digest] = data
        handler.send_response(201)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _create(self, handler, body: dict[str, Any]) -> None:
        name, base = body.get("model", ""), body.get("from", "")
        if not self._find(handler, base, self.chat_models):
            return
        missing = [d for d in (body.get("adapters") or {}).values() if d not in self.blobs]
        if missing:
            return handler._json(400, {"error": f"blob {missing[0]} not found"})
        self.created[name] = body
        self.chat_models.append(name)
        handler._ndjson([{"status": "using existing layer"}, {"status": "writing manifest"}, {"status": "success"}])

    def _embed(self, handler, body: dict[str, Any]) -> None:
        if self._find(handler, body.get("model", ""), self.embed_models):
            inputs = body.get("input", [])
            inputs = [inputs] if isinstance(inputs, str) else list(inputs)
            vectors = self.embeddings.embed_array(inputs).tolist()
            handler._json(200, {"model": body["model"], "embeddings": vectors})
