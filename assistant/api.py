"""OpenAI-compatible API over the same turn the chat runs: `/v1/models`, `/v1/chat/completions`,
and `/v1/knowledge` to add a document.

Other tools (a help-desk plug-in, a script, any OpenAI client) reach the router, retrieval and
the fine-tuned domains without losing what makes an answer trustworthy: each response carries a
`crossroads` object with the route, the reason, the answer kind and the citations (file, page,
section, snippet), and the citations are also listed under the answer text as footnotes.

Models: `crossroads` lets the router decide; `crossroads-<mode>` forces a route (retrieval,
finetuned, finetuned+retrieval, base, not_found) and `crossroads-finetuned:<domain>` a fine-tuned
domain (`crossroads/<mode>` is accepted too). Streaming sends the answer as it is generated; when
verification replaces an unsupported draft, a last delta says so and gives the quote, so a client
that only concatenates deltas still shows the correction.

Access: bearer keys with roles from ASSISTANT_API_KEYS ('key:role,…'; agents may upload, viewers
may only ask). Without keys the API is off — it must not be an open door beside the chat — and the
server says so at start-up.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from fastapi import APIRouter, Request  # FastAPI resolves handler annotations from module globals
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.errors import AssistantError, BadInput
from assistant.settings import Settings
from assistant.turn import MODES, Conversation, TurnPipeline, TurnResult, footnotes

MODEL = "crossroads"
ROUTES = [m for m in MODES if m != "auto"]


def model_ids(domains: list[str] = ()) -> list[str]:
    return [MODEL, *(f"{MODEL}-{m}" for m in ROUTES), *(f"{MODEL}-finetuned:{d}" for d in domains)]


def mode_of(model: str, domains: list[str] = ()) -> tuple[str, str | None] | None:
    """(mode, pinned domain) for a model id, or None for an unknown one."""
    if model == MODEL:
        return "auto", None
    for separator in ("-", "/"):
        prefix, _, rest = model.partition(separator)
        mode, _, domain = rest.partition(":")
        if prefix == MODEL and mode in ROUTES and (not domain or (mode.startswith("finetuned") and domain in domains)):
            return mode, domain or None
    return None


def parse_keys(spec: str) -> dict[str, str]:
    """'key:role,…' → {key: role}; the role defaults to agent."""
    keys = {}
    for entry in filter(None, (e.strip() for e in spec.split(","))):
        key, _, role = entry.partition(":")
        keys[key.strip()] = role.strip() or "agent"
    return keys


def metadata(result: TurnResult) -> dict:
    return {
        "route": result.route, "reason": result.reason, "answer_kind": result.answer_kind,
        "confidence": result.confidence, "model": result.model, "notices": result.notices,
        "citations": [c.__dict__ for c in result.citations],
        "replaced_draft": result.draft, "replaced_because": result.replaced_because,
    }  # fmt: skip


def _error(status: int, message: str, kind: str = "invalid_request_error"):
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)


def _turn_input(body: dict) -> tuple[str, list[tuple[str, str]]]:
    """(question, history) from OpenAI messages: the last user message is the question; earlier
    user/assistant pairs are the conversation so far (system messages are ignored: the route
    decides the prompt)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError("'messages' must be a non-empty list")
    turns = [(m.get("role"), m.get("content")) for m in messages if isinstance(m, dict)]
    if not turns or turns[-1][0] != "user" or not isinstance(turns[-1][1], str):
        raise ValueError("the last message must be a user message with text content")
    history, pending = [], None
    for role, content in turns[:-1]:
        if role == "user" and isinstance(content, str):
            pending = content
        elif role == "assistant" and isinstance(content, str) and pending is not None:
            history.append((pending, content))
            pending = None
    return turns[-1][1], history


def build_router(pipeline: Callable[[], TurnPipeline], settings: Settings, ingest: Callable[[], object] | None = None):
    """FastAPI routes; `pipeline()` gives the process's turn pipeline (built lazily by the app) and
    `ingest()` indexes the knowledge folder (the app's, which keeps its lock)."""
    router = APIRouter(prefix="/v1")
    keys = parse_keys(settings.api_keys)

    def role_of(request: Request) -> str | JSONResponse:
        if not keys:
            return _error(403, "the API is off: set ASSISTANT_API_KEYS='key:role,…' to open it", "permission_error")
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        for known, role in keys.items():
            if scheme.lower() == "bearer" and secrets.compare_digest(key.encode(), known.encode()):
                return role
        return _error(401, "missing or wrong API key: send 'Authorization: Bearer <key from ASSISTANT_API_KEYS>'",
                      "authentication_error")  # fmt: skip

    def domains() -> list[str]:
        return [d.name for d in pipeline().router.domains]

    @router.get("/models")
    async def models(request: Request):
        if isinstance(role := role_of(request), JSONResponse):
            return role
        return {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "crossroads"}
                                           for m in model_ids(domains())]}  # fmt: skip

    @router.post("/chat/completions")
    async def completions(request: Request):
        if isinstance(role := role_of(request), JSONResponse):
            return role
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "the body must be JSON")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object")
        model = body.get("model") or MODEL
        chosen = mode_of(model, domains())
        if chosen is None:
            return _error(400, f"unknown model {model!r}; use one of: {', '.join(model_ids(domains()))}", "not_found_error")
        mode, domain = chosen
        try:
            question, history = _turn_input(body)
        except ValueError as exc:
            return _error(400, str(exc))
        conversation = Conversation(pipeline())
        conversation.history = history[-conversation.max_history_turns :]
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if body.get("stream"):
            return StreamingResponse(
                _stream(conversation, question, mode, domain, model, completion_id), media_type="text/event-stream"
            )
        try:
            result = await asyncio.to_thread(lambda: conversation.ask(question, mode, domain).collect())
        except BadInput as exc:
            return _error(400, str(exc))
        except AssistantError as exc:
            return _error(503, str(exc), "server_error")
        return {
            "id": completion_id, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": result.answer + footnotes(result.citations)}}],
            "crossroads": metadata(result),
        }  # fmt: skip

    @router.post("/knowledge")
    async def knowledge(request: Request):
        """Add a document (multipart field `file`), with the chat upload's checks; indexed before
        the reply, which says whether it can be cited."""
        from assistant.uploads import drop_unindexed, save_upload

        if isinstance(role := role_of(request), JSONResponse):
            return role
        if role != "agent":
            return _error(403, "only agent keys may add documents", "permission_error")
        if ingest is None:
            return _error(503, "this server does not index uploads", "server_error")
        try:
            form = await request.form()
        except Exception:  # not multipart, or a broken body
            return _error(400, "send the document as multipart/form-data in a field named 'file'")
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            return _error(400, "send the document as multipart/form-data in a field named 'file'")
        with tempfile.TemporaryDirectory() as tmp:
            staged = Path(tmp) / "upload"
            staged.write_bytes(await upload.read())
            try:
                saved = save_upload(staged, upload.filename or "upload", settings.knowledge_dir,
                                    max_bytes=settings.max_file_bytes)  # fmt: skip
            except AssistantError as exc:
                return _error(400, str(exc))
        try:
            summary = await asyncio.to_thread(ingest)
        except AssistantError as exc:
            saved.unlink(missing_ok=True)
            return _error(503, str(exc), "server_error")
        if problem := drop_unindexed([saved], settings.knowledge_dir, summary.skipped).get(saved):
            return _error(422, f"{saved.name} could not be indexed: {problem}", "invalid_request_error")
        rel = saved.relative_to(settings.knowledge_dir).as_posix()
        return {"object": "knowledge.file", "file": rel, "indexed": True, "chunks_total": summary.chunks_total}

    return router


def _stream(conversation: Conversation, question: str, mode: str, domain: str | None, model: str,
            completion_id: str) -> Iterator[str]:  # fmt: skip
    """Server-sent events in OpenAI's chunk format (a sync generator: Starlette runs it in a thread)."""
    created = int(time.time())

    def chunk(delta: dict, finish: str | None = None, extra: dict | None = None) -> str:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}  # fmt: skip
        if extra:
            payload["crossroads"] = extra
        return f"data: {json.dumps(payload)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    try:
        stream = conversation.ask(question, mode, domain)
        tokens: list[str] = []
        for token in stream:
            tokens.append(token)
            yield chunk({"content": token})
        result = stream.result
        streamed = "".join(tokens)
        tail = ""
        if result.answer != streamed:  # verification replaced the draft, or "not found" was decided after
            tail = f"\n\n---\n{result.answer}" if streamed.strip() else result.answer
        tail += footnotes(result.citations)
        if tail:
            yield chunk({"content": tail})
        yield chunk({}, "stop", metadata(result))
    except AssistantError as exc:
        yield chunk({"content": f"\n\n[error] {exc}"}, "stop", {"error": str(exc)})
    yield "data: [DONE]\n\n"
