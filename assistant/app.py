"""The Chainlit chat: a thin face over `turn.Conversation`.

Run with `assistant serve`. Generation runs in a worker thread (llama.cpp releases the GIL), and
tokens are forwarded to the browser as they come. Errors become a friendly message; the session
stays usable.
"""

from __future__ import annotations

import asyncio
import logging

import chainlit as cl

from assistant.errors import AssistantError
from assistant.services import Services
from assistant.settings import Settings
from assistant.turn import Conversation

log = logging.getLogger(__name__)
SERVICES = Services(Settings())  # the app's wiring: one per server process, shared by sessions

_DONE = object()


@cl.on_chat_start
async def start() -> None:
    cl.user_session.set("conversation", Conversation(SERVICES))


@cl.on_message
async def on_message(message: cl.Message) -> None:
    conversation: Conversation = cl.user_session.get("conversation")
    reply = cl.Message(content="")
    try:
        stream = await asyncio.to_thread(conversation.ask, message.content)
        tokens = iter(stream)
        while (token := await asyncio.to_thread(next, tokens, _DONE)) is not _DONE:
            await reply.stream_token(token)
        result = stream.result
        for notice in result.notices:
            await cl.Message(content=f"ℹ️ {notice}", author="Crossroads").send()
        reply.content = result.answer
        reply.metadata = {"route": result.route, "reason": result.reason, "model": result.model}
        await reply.send()
        conversation.remember(result)
    except AssistantError as exc:
        await cl.ErrorMessage(content=f"{exc.message}\n\n**How to fix:** {exc.hint}" if exc.hint else exc.message).send()
    except Exception:
        log.exception("turn failed")
        await cl.ErrorMessage(content="Something went wrong while answering; please try again.").send()
