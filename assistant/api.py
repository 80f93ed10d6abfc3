"""OpenAI-compatible API over the same turn the chat runs: `/v1/models`, `/v1/chat/completions`.

Other tools (a help-desk plug-in, a script, any OpenAI client) reach the router, retrieval and
the fine-tuned domains without losing what makes an answer trustworthy: each response carries a
`crossroads` object with the route, the reason, the answer kind and the citations (file, page,
section, snippet), and the citations are also listed under the answer text as footnotes.

Models: `crossroads` lets the router decide; `crossroads/<mode>` forces a route (retrieval,
finetuned, finetuned+retrieval, base, not_found). Streaming sends the answer as it is generated;
when verification replaces an unsupported draft, a last delta says so and gives the quote, so a
client that only concatenates deltas still shows the correction.

Access: with ASSISTANT_API_KEY set, requests need `Authorization: Bearer <key>`. With chat login
on (ASSISTANT_AUTH) and no API key, the API is closed: it must not be the open door next to a
locked chat.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import uuid
from collections.abc import Callable, Iterator

from fastapi import APIRouter, Request  # FastAPI resolves handler annotations from module globals
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.errors import AssistantError, BadInput
from assistant.settings import Settings
from assistant.turn import MODES, Conversation, TurnPipeline, TurnResult, footnotes

MODEL = "crossroads"


def model_ids() -> list[str]:
    return [MODEL, *(f"{MODEL}/{m}" for m in MODES if m != "auto")]


def mode_of(model: str) -> str | None:
    if model == MODEL:
        return "auto"
    prefix, _, mode = model.partition("/")
    return mode if prefix == MODEL and mode in MODES and mode != "auto" else None


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


def build_router(pipeline: Callable[[], TurnPipeline], settings: Settings):
    """FastAPI routes; `pipeline()` gives the process's turn pipeline (built lazily by the app)."""
    router = APIRouter(prefix="/v1")

    def refused(request: Request):
        if settings.api_key:
            scheme, _, key = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not secrets.compare_digest(key.encode(), settings.api_key.encode()):
                return _error(401, "missing or wrong API key: send 'Authorization: Bearer <ASSISTANT_API_KEY>'",
                              "authentication_error")  # fmt: skip
        elif settings.auth:
            return _error(403, "the API is closed while chat login is on: set ASSISTANT_API_KEY to open it",
                          "permission_error")  # fmt: skip
        return None

    @router.get("/models")
    async def models(request: Request):
        if (no := refused(request)) is not None:
            return no
        return {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "crossroads"} for m in model_ids()]}

    @router.post("/chat/completions")
    async def completions(request: Request):
        if (no := refused(request)) is not None:
            return no
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "the body must be JSON")
        if not isinstance(body, dict):
            return _error(400, "the body must be a JSON object")
        model = body.get("model") or MODEL
        mode = mode_of(model)
        if mode is None:
            return _error(404, f"unknown model {model!r}; use one of: {', '.join(model_ids())}", "not_found_error")
        try:
            question, history = _turn_input(body)
        except ValueError as exc:
            return _error(400, str(exc))
        conversation = Conversation(pipeline())
        conversation.history = history[-conversation.max_history_turns :]
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if body.get("stream"):
            return StreamingResponse(
                _stream(conversation, question, mode, model, completion_id), media_type="text/event-stream"
            )
        try:
            result = await asyncio.to_thread(lambda: conversation.ask(question, mode).collect())
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

    return router


def _stream(conversation: Conversation, question: str, mode: str, model: str, completion_id: str) -> Iterator[str]:
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
        stream = conversation.ask(question, mode)
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
