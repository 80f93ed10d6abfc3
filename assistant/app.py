"""The Chainlit chat: a thin face over `turn.TurnPipeline` (what it shows comes from `chat_view`).

Run with `assistant serve`. Per turn: the route (with the router's reason and signals) is a
collapsible step, the answer streams token by token, and each `[n]` marker is a Chainlit element
that opens its passage (PDFs at the page). Uploads land in `knowledge/uploads/` and are indexed
before the assistant says it is ready; the folder watcher picks up files dropped in by hand.
Everything is persisted by Chainlit's SQLAlchemy data layer, so a reload shows the same thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import chainlit as cl
from chainlit.input_widget import Select
from chainlit.server import app as chainlit_app

from assistant import chat_view
from assistant.accounts import LoginThrottle, parse_accounts, session_role
from assistant.api import build_router
from assistant.chat_db import async_url
from assistant.chat_store import (
    ChatDataLayer,
    LocalFileStorage,
    OfflinePage,
    ensure_sqlite_schema,
    mount_files_route,
    refuse_empty_uploads,
)
from assistant.desk import draft_reply
from assistant.errors import AssistantError
from assistant.escalations import EscalationStore
from assistant.services import Services
from assistant.settings import Settings
from assistant.turn import Citation, Conversation, TurnResult, replaced_by
from assistant.uploads import check_upload, drop_unindexed, save_upload

log = logging.getLogger("assistant.app")
turn_log = logging.getLogger("assistant.turns")  # one line per chat turn, like an access log
turn_log.setLevel(logging.INFO)

# --- the app's wiring: one of each per server process ---------------------------------------------
SETTINGS = Settings()
SERVICES = Services(SETTINGS)
DESK = EscalationStore(SETTINGS.data_dir / "desk.db")
STORAGE = LocalFileStorage(SETTINGS.data_dir / "files")
mount_files_route(chainlit_app, STORAGE)
refuse_empty_uploads()
chainlit_app.add_middleware(OfflinePage)
chainlit_app.router.routes[0:0] = build_router(lambda: SERVICES.pipeline, SETTINGS,
                                               ingest=lambda: SERVICES.ingestor().run()).routes  # before the UI's catch-all
_DONE = object()
# Waiting for an answer's next token holds a thread for as long as the model takes to reach this
# answer: minutes when twenty sessions queue for one model. On asyncio's default pool (six threads
# on two cores) those waits took every thread, and a turn that needs no model at all ("not found")
# waited 607 s behind them in the soak. Token waits get threads of their own.
_TOKEN_WAITS = ThreadPoolExecutor(max_workers=64, thread_name_prefix="crossroads-tokens")
_INGEST_LOCK = asyncio.Lock()


USERS = parse_accounts(SETTINGS.auth)
THROTTLE = LoginThrottle()
if USERS:
    secret_file = SETTINGS.data_dir / ".auth-secret"
    if "CHAINLIT_AUTH_SECRET" not in os.environ:
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(48))
            secret_file.chmod(0o600)
        os.environ["CHAINLIT_AUTH_SECRET"] = secret_file.read_text().strip()

    @cl.password_auth_callback
    async def login(username: str, password: str) -> cl.User | None:
        account = THROTTLE.check(USERS, username, password)
        if account is None:
            await asyncio.sleep(0.5)  # every wrong guess costs time; locked names are refused outright
            return None
        return cl.User(identifier=username, metadata={"role": account.role, "account": account.fingerprint})


@cl.data_layer
def data_layer() -> ChatDataLayer:
    url = async_url(SETTINGS.chat_db_url) if SETTINGS.chat_db_url else ensure_sqlite_schema(SETTINGS.data_dir / "chat.db")
    return ChatDataLayer(conninfo=url, storage_provider=STORAGE, keep_upload=keep_upload)


def keep_upload(element) -> bool:
    """Store an attachment with the thread only if the upload could be accepted: an agent's, of a
    supported type, within the size limit. Refused ones are never written anywhere."""
    if not _agent():
        return False
    try:
        check_upload(element.name or "", Path(element.path).stat().st_size, max_bytes=SETTINGS.max_file_bytes)
    except (AssistantError, OSError, TypeError):
        return False
    return True


# --- start-up: index the folder, watch it, load the model ---------------------------------------------
async def reindex() -> None:
    async with _INGEST_LOCK:
        try:
            summary = await asyncio.to_thread(SERVICES.ingestor().run)
            if summary.changed_anything:
                log.info("index updated: +%d ~%d -%d", len(summary.added), len(summary.changed), len(summary.deleted))
        except AssistantError as exc:
            log.warning("indexing failed, the previous index keeps serving: %s", exc)


_FIRST_INDEX: list[asyncio.Task] = []  # the start-up indexing, which questions may have to wait for


@cl.on_app_startup
async def startup() -> None:
    """Serve at once: the folder is indexed in the background (a big folder or a pathological file
    must not keep the login page down); the previous index answers meanwhile."""
    loop = asyncio.get_running_loop()
    log.info("OpenAI-compatible API at /v1: %s", "on" if SETTINGS.api_keys else "off (set ASSISTANT_API_KEYS='key:role' to open it)")
    _FIRST_INDEX.append(asyncio.create_task(reindex()))
    if SETTINGS.watch:
        from assistant.index.watch import FolderWatcher

        def changed() -> None:
            asyncio.run_coroutine_threadsafe(reindex(), loop).result()

        FolderWatcher(SETTINGS.knowledge_dir, changed).start()
    try:
        await asyncio.to_thread(warm_up)
    except AssistantError as exc:
        log.warning("model not ready: %s", exc)


@cl.on_app_shutdown
async def shutdown() -> None:
    """SIGTERM must not wait for a large folder's indexing to finish (nothing half-done is committed)."""
    SERVICES.stopping.set()


def warm_up() -> None:
    """Load the model and the router's exemplars now rather than on the first question."""
    SERVICES.llm.chat_model()
    _ = SERVICES.router  # embeds the domains' exemplars once
    SERVICES.evidence_bar.null_scores()  # the folder's "not found" bar


CHAT, AGENT_DESK = "Chat", "Agent desk"


@cl.set_chat_profiles
async def chat_profiles(user: cl.User | None = None, language: str | None = None) -> list[cl.ChatProfile] | None:
    """Agents get a second profile in which every message is a customer's ticket (`desk`)."""
    if USERS and session_role(USERS, user) != "agent":
        return None
    return [
        cl.ChatProfile(name=CHAT, markdown_description="Ask about your documents; the router picks where the answer "
                       "comes from.", default=True),
        cl.ChatProfile(name=AGENT_DESK, markdown_description="Paste a customer's message: Crossroads drafts a cited reply "
                       "to check, rewrite and copy, and escalates what the documents do not answer.",
                       starters=[cl.Starter(label="A customer's ticket", message=SAMPLE_TICKET)]),
    ]  # fmt: skip


SAMPLE_TICKET = ("Hello, I got my TV last week and cannot get the remote to work. How do I pair it? "
                 "Also, is Smart Hub going to be down for maintenance soon? Thanks, Sam")  # fmt: skip


@cl.set_starters
async def starters(user: cl.User | None = None, language: str | None = None) -> list[cl.Starter]:
    return [
        cl.Starter(label="Pair the remote", message="How do I pair the Samsung Smart Remote with my TV?"),
        cl.Starter(label="Caption language", message="How do I select the caption language?"),
        cl.Starter(label="Latest firmware", message="What is the latest firmware version and what does it fix?"),
        cl.Starter(label="Smart Hub maintenance", message="When is the Smart Hub maintenance scheduled?"),
    ]


# --- a chat -----------------------------------------------------------------------------------
@cl.on_chat_start
async def start() -> None:
    cl.user_session.set("conversation", Conversation(SERVICES.pipeline))
    cl.user_session.set("route", "auto")
    await cl.ChatSettings(
        [Select(id="route", label="Answer from", items=chat_view.ROUTE_CHOICES, initial_value="auto",
                description="Auto lets the router pick per question; /ft or /rag before a question also override.")]
    ).send()  # fmt: skip
    if cl.user_session.get("chat_profile") == AGENT_DESK:
        await cl.Message(content="**Agent desk** — paste a customer's message. You get a draft reply with its sources "
                         "to check, rewrite and copy; questions the documents do not answer become escalations.",
                         author="Crossroads").send()  # fmt: skip
    for warning in [*SERVICES.warnings, *([SERVICES.store.warning] if SERVICES.store.warning else [])]:
        await cl.Message(content=f"⚠️ {warning}", author="Crossroads").send()


@cl.on_chat_resume
async def resume(thread: dict) -> None:
    """A reopened thread keeps its context: rebuild the conversation from the stored messages."""
    conversation = Conversation(SERVICES.pipeline)
    question = None
    for step in sorted(thread.get("steps", []), key=lambda s: s.get("createdAt") or ""):
        if step.get("type") == "user_message":
            question = step.get("output")
        elif step.get("type") == "assistant_message" and question and step.get("output"):
            conversation.history.append((question, chat_view.strip_footer(step["output"])))
            question = None
    del conversation.history[: -conversation.max_history_turns]
    cl.user_session.set("conversation", conversation)
    cl.user_session.set("route", "auto")


@cl.on_settings_update
async def settings_update(values: dict) -> None:
    cl.user_session.set("route", values.get("route", "auto"))


@cl.on_message
async def on_message(message: cl.Message) -> None:
    if USERS and _role() is None:
        await cl.ErrorMessage(content="This session has ended: the account was changed or removed. Log out and log in again.",
                              author="Crossroads").send()  # fmt: skip
        return
    try:
        files = [e for e in (message.elements or []) if getattr(e, "path", None)]
        if files:
            await handle_uploads(files)
        head, _, ticket = (message.content or "").strip().partition(" ")
        if head.lower() == DESK_PREFIX:
            await desk(ticket)
            return
        if cl.user_session.get("chat_profile") == AGENT_DESK and (message.content or "").strip():
            await desk(message.content)
            return
        text, route = chat_view.split_prefix(message.content or "", cl.user_session.get("route") or "auto")
        if text.strip():
            await answer(text, route)
        elif not files:
            await cl.Message(content="Type a question, or attach a document to add it to the knowledge base.").send()
    except AssistantError as exc:
        await cl.ErrorMessage(content=_friendly(exc), author="Crossroads").send()
    except Exception:
        log.exception("turn failed")
        await cl.ErrorMessage(
            content="Something went wrong while answering. Please try again; the details are in the server log.",
            author="Crossroads",
        ).send()


async def answer(text: str, route: str) -> None:
    conversation: Conversation = cl.user_session.get("conversation")
    if SERVICES.store.current_name() is None and _FIRST_INDEX and not _FIRST_INDEX[0].done():
        async with cl.Step(name="Indexing the knowledge folder for the first time", type="tool", show_input=False):
            await asyncio.shield(_FIRST_INDEX[0])
    clock = TurnClock()
    stream = await asyncio.to_thread(conversation.ask, text, route)
    result = stream.result
    clock.lap("ask")
    await route_step(result)
    for notice in result.notices:
        await cl.Message(content=f"ℹ️ {notice}", author="Crossroads").send()
    clock.lap("badge")
    reply = cl.Message(content="", author="Crossroads")
    tokens = iter(stream)
    loop = asyncio.get_running_loop()
    while (token := await loop.run_in_executor(_TOKEN_WAITS, next, tokens, _DONE)) is not _DONE:
        clock.first("first_token")
        await reply.stream_token(token)
    clock.lap("stream")
    if result.draft is not None:  # a check replaced the streamed draft (with a quote, or "not found")
        async with cl.Step(name=f"Draft replaced by {replaced_by(result)}", type="tool", show_input=False) as step:
            step.output = f"The generated draft was not used: {result.replaced_because}.\n\n> {chat_view.escape(result.draft)}"
    reply.content = result.answer + chat_view.footer(result)
    reply.elements = citation_elements(result.citations, result.question)
    reply.metadata = {
        "route": result.route,
        "answer_kind": result.answer_kind,
        "reason": result.reason,
        "confidence": result.confidence,
        "model": result.model,
        "citations": [c.__dict__ for c in result.citations],
        "timings": result.timings.__dict__,
    }
    await reply.send()
    clock.lap("send")
    turn_log.info("turn timings route=%s kind=%s retrieve_ms=%.0f %s", result.route, result.answer_kind,
                  result.timings.retrieve_ms, clock)
    conversation.remember(result)


class TurnClock:
    """Wall time of each phase of a chat turn, as the server saw it, for one log line per turn. The
    footer's seconds (measured inside the pipeline) could not say what held a slow turn: the soak's
    slow "not found" turns were drafts that had queued for the model and were then rejected."""

    def __init__(self) -> None:
        self.start = self._last = time.perf_counter()
        self.phases: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[f"{name}_ms"] = (now - self._last) * 1000
        self._last = now

    def first(self, name: str) -> None:
        self.phases.setdefault(f"{name}_ms", (time.perf_counter() - self.start) * 1000)

    def __str__(self) -> str:
        total = (time.perf_counter() - self.start) * 1000
        return " ".join(f"{k}={v:.0f}" for k, v in {**self.phases, "total_ms": total}.items())


async def route_step(result: TurnResult) -> None:
    """The route badge: a collapsible step named after the route, with the reason inside."""
    async with cl.Step(name=chat_view.badge_title(result), type="tool", show_input=False) as step:
        step.output = chat_view.badge_body(result)


def citation_elements(citations: list[Citation], question: str) -> list:
    elements = []
    for c in citations:
        path = SETTINGS.knowledge_dir / c.source
        if path.suffix.lower() == ".pdf" and path.is_file():
            elements.append(cl.Pdf(name=f"[{c.n}]", path=str(path), page=c.page or 1, display="side"))
        else:
            elements.append(cl.Text(name=f"[{c.n}]", content=chat_view.passage_markdown(c, question), display="side"))
    return elements


# --- the agent desk: "/desk <customer message>" ------------------------------------------------------
DESK_PREFIX = "/desk"
DESK_ACTIONS = [
    cl.Action(name="desk_copy", payload={}, label="Copy reply", tooltip="Clean text with the sources as footnotes"),
    cl.Action(name="desk_rewrite", payload={"short": True}, label="Shorter"),
    cl.Action(name="desk_rewrite", payload={"style": "friendly"}, label="Friendlier"),
    cl.Action(name="desk_rewrite", payload={"style": "formal"}, label="More formal"),
    cl.Action(name="desk_escalate", payload={}, label="Escalate", tooltip="Hand the whole ticket to a colleague"),
    cl.Action(name="desk_sent", payload={}, label="Save the reply I sent",
              tooltip="Paste your edited reply: it becomes a correction for the next fine-tune"),
]


def _role() -> str | None:
    """The session user's role as ASSISTANT_AUTH says now (None: no such account any more)."""
    user = cl.user_session.get("user")
    return session_role(USERS, user)


def _agent() -> bool:
    return not USERS or _role() == "agent"


async def desk(ticket: str) -> None:
    """Draft a cited reply to a customer's message; questions the folder cannot answer are escalated."""
    if not _agent():
        await cl.ErrorMessage(content="The agent desk is for agents.", author="Crossroads").send()
        return
    if not ticket.strip():
        await cl.Message(content="Paste the customer's message after `/desk`.", author="Crossroads").send()
        return
    async with cl.Step(name="Answering each question in the message", type="tool", show_input=False) as step:
        draft = await asyncio.to_thread(draft_reply, ticket, SERVICES.pipeline)
        step.output = "\n".join(f"- {chat_view.escape(p.question)} → {p.result.route}" for p in draft.parts)
    for part in (p for p in draft.parts if p.escalate):
        DESK.open(part.result, ticket)
    cl.user_session.set("desk_draft", draft)
    await _send_draft(draft)


async def _send_draft(draft) -> None:
    await cl.Message(content=chat_view.desk_markdown(draft), author="Crossroads", actions=DESK_ACTIONS,
                     elements=citation_elements(draft.citations, draft.message)).send()  # fmt: skip


@cl.action_callback("desk_copy")
async def desk_copy(action: cl.Action) -> None:
    if draft := cl.user_session.get("desk_draft"):
        await cl.Message(content=f"```text\n{draft.copy_text()}\n```", author="Crossroads").send()


@cl.action_callback("desk_rewrite")
async def desk_rewrite(action: cl.Action) -> None:
    if draft := cl.user_session.get("desk_draft"):
        draft = dataclasses.replace(draft, style=action.payload.get("style", draft.style),
                                    short=action.payload.get("short", draft.short))  # fmt: skip
        cl.user_session.set("desk_draft", draft)
        await _send_draft(draft)


@cl.action_callback("desk_escalate")
async def desk_escalate(action: cl.Action) -> None:
    if (draft := cl.user_session.get("desk_draft")) and _agent():
        opened = [DESK.open(p.result, draft.message) for p in draft.parts if not p.escalate]
        ids = ", ".join(e.id for e in opened) or "nothing new (already escalated)"
        await cl.Message(content=f"Escalated: {ids}. `assistant escalations` lists them with the hand-off notes.",
                         author="Crossroads").send()  # fmt: skip


@cl.action_callback("desk_sent")
async def desk_sent(action: cl.Action) -> None:
    """The agent's edited, sent reply is what the assistant should have written: keep it."""
    if not ((draft := cl.user_session.get("desk_draft")) and _agent()):
        return
    asked = await cl.AskUserMessage(content="Paste the reply you sent to the customer.", author="Crossroads",
                                    timeout=900).send()  # fmt: skip
    reply = (asked or {}).get("output", "").strip()
    if not reply:
        await cl.Message(content="Nothing saved.", author="Crossroads").send()
        return
    saved = DESK.save_correction(draft.message, reply, draft.copy_text())
    await cl.Message(content=f"Saved as correction {saved}; `assistant feedback export --finetune FILE` includes it.",
                     author="Crossroads").send()  # fmt: skip


# --- uploads ------------------------------------------------------------------------------------
async def handle_uploads(files: list) -> None:
    if not _agent():
        await cl.ErrorMessage(content="Only agents may add documents to the knowledge base.").send()
        return
    saved: list[Path] = []
    problems: list[str] = []
    for f in files:
        try:
            saved.append(save_upload(Path(f.path), f.name, SETTINGS.knowledge_dir,
                                     max_bytes=SETTINGS.max_file_bytes))  # fmt: skip
        except AssistantError as exc:
            problems.append(_friendly(exc))
    for problem in problems:
        await cl.ErrorMessage(content=problem, author="Crossroads").send()
    if not saved:
        return
    names = ", ".join(p.name for p in saved)
    progress = cl.Message(content=f"⏳ Indexing {names}…", author="Crossroads")
    await progress.send()
    async with _INGEST_LOCK:
        summary = await asyncio.to_thread(SERVICES.ingestor().run)
    unindexed = drop_unindexed(saved, SETTINGS.knowledge_dir, summary.skipped)
    ready = [p.name for p in saved if p not in unindexed]
    failed = [f"{p.name}: {reason}" for p, reason in unindexed.items()]
    lines = []
    if ready:
        lines.append(f"✅ {', '.join(ready)} added to the knowledge base ({summary.chunks_total} passages in all). Ask away.")
    lines += [f"❌ Could not index {f}" for f in failed]
    progress.content = "\n".join(lines)
    await progress.update()


def _friendly(exc: AssistantError) -> str:
    return f"{exc.message[:1].upper()}{exc.message[1:]}." + (f"\n\n**How to fix:** {exc.hint}" if exc.hint else "")
