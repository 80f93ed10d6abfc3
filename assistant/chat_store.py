"""Chat history and feedback: Chainlit's SQLAlchemy data layer on SQLite (PostgreSQL by URL).

Chainlit's `SQLAlchemyDataLayer` expects its tables to exist and persists elements (our citation
panels, cited PDFs) only through a blob storage client; for a single machine that is a folder on
disk, served back to the browser from one route. With PostgreSQL (`ASSISTANT_CHAT_DB_URL=
postgresql+asyncpg://…`) create Chainlit's schema there first; the SQLite file is created here.
"""

from __future__ import annotations

import asyncio
import gzip
import mimetypes
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from chainlit.data.storage_clients.base import BaseStorageClient

FILES_ROUTE = "/crossroads/files"
SQLITE_BUSY_TIMEOUT_S = 30

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  "id" TEXT PRIMARY KEY, "identifier" TEXT NOT NULL UNIQUE, "metadata" TEXT NOT NULL DEFAULT '{}', "createdAt" TEXT
);
CREATE TABLE IF NOT EXISTS threads (
  "id" TEXT PRIMARY KEY, "createdAt" TEXT, "name" TEXT, "userId" TEXT, "userIdentifier" TEXT, "tags" TEXT,
  "metadata" TEXT, FOREIGN KEY ("userId") REFERENCES users("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS steps (
  "id" TEXT PRIMARY KEY, "name" TEXT NOT NULL, "type" TEXT NOT NULL, "threadId" TEXT NOT NULL, "parentId" TEXT,
  "command" TEXT, "modes" TEXT, "streaming" BOOLEAN, "waitForAnswer" BOOLEAN, "isError" BOOLEAN, "metadata" TEXT,
  "tags" TEXT, "input" TEXT, "output" TEXT, "createdAt" TEXT, "start" TEXT, "end" TEXT, "generation" TEXT,
  "showInput" TEXT, "defaultOpen" BOOLEAN, "autoCollapse" BOOLEAN, "language" TEXT, "icon" TEXT,
  FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS elements (
  "id" TEXT PRIMARY KEY, "threadId" TEXT, "type" TEXT, "url" TEXT, "chainlitKey" TEXT, "name" TEXT NOT NULL,
  "display" TEXT, "objectKey" TEXT, "size" TEXT, "page" INTEGER, "language" TEXT, "forId" TEXT, "mime" TEXT,
  "props" TEXT, "autoPlay" BOOLEAN, "playerConfig" TEXT,
  FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS feedbacks (
  "id" TEXT PRIMARY KEY, "forId" TEXT NOT NULL, "threadId" TEXT NOT NULL, "value" INTEGER NOT NULL, "comment" TEXT,
  FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
);
"""


class ChatDataLayer(SQLAlchemyDataLayer):
    """Chainlit's layer, with two changes:
    - a thread's tags (the chat profile's name) are an array, which SQLite cannot bind — the thread
      was never saved and a reload of it was refused. On SQLite the tags are dropped; the profile
      stays in the metadata, which is what resuming a thread reads;
    - Chainlit stores a user's attachment with the thread before the app has looked at it, so a
      viewer's upload, a binary or an over-size file was kept and served. `keep_upload` decides
      first: an attachment it refuses is never stored (the chat still says why it was refused);
    - on SQLite its statements run one at a time. SQLite has one writer anyway, but each waiting
      statement held one of the pool's 15 connections: the soak's twenty first answers, written at
      once beside a busy model, exhausted the pool (105 "QueuePool limit … reached", history lost).
      A statement here takes milliseconds, so a queue in front of one connection loses nothing.
    """

    def __init__(self, *args, keep_upload: Callable[[Any], bool] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.keep_upload = keep_upload
        self._one_at_a_time = asyncio.Lock() if self._conninfo.startswith("sqlite") else None

    async def execute_sql(self, query: str, parameters: dict):
        if self._one_at_a_time is None:
            return await super().execute_sql(query, parameters)
        async with self._one_at_a_time:
            return await super().execute_sql(query, parameters)

    async def create_element(self, element):
        if element.chainlit_key and self.keep_upload is not None and not self.keep_upload(element):
            return None  # a user's attachment (ours carry no chainlit key) that the app would refuse
        return await super().create_element(element)

    async def update_thread(self, thread_id: str, name=None, user_id=None, metadata=None, tags=None):
        if self._conninfo.startswith("sqlite"):
            tags = None
        return await super().update_thread(thread_id, name=name, user_id=user_id, metadata=metadata, tags=tags)


def ensure_sqlite_schema(path: Path) -> str:
    """Create the tables if needed; return the async SQLAlchemy URL for Chainlit.

    Twenty sessions answering at once made Chainlit's writes fail with "database is locked" (the
    default journal blocks readers against the writer, and a writer waits 5 s): write-ahead logging
    lets reads go on beside the one writer, and a writer waits up to 30 s for its turn."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SQLITE_SCHEMA)
    return f"sqlite+aiosqlite:///{path}?timeout={SQLITE_BUSY_TIMEOUT_S}"


class LocalFileStorage(BaseStorageClient):
    """Element files (citation panels, cited PDFs) in a folder; URLs point at `FILES_ROUTE`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, object_key: str) -> Path | None:
        """The file for a key, or None if the key tries to leave the folder."""
        path = (self.root / object_key).resolve()
        return path if path.is_relative_to(self.root) and path.is_file() else None

    async def upload_file(
        self,
        object_key: str,
        data: bytes | str,
        mime: str = "application/octet-stream",
        overwrite: bool = True,
        content_disposition: str | None = None,
    ) -> dict[str, Any]:
        target = (self.root / object_key).resolve()
        if not target.is_relative_to(self.root):
            return {}
        if target.exists() and not overwrite:
            return {"object_key": object_key, "url": await self.get_read_url(object_key)}
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".partial")
        tmp.write_bytes(data.encode() if isinstance(data, str) else data)
        tmp.replace(target)
        return {"object_key": object_key, "url": await self.get_read_url(object_key)}

    async def delete_file(self, object_key: str) -> bool:
        path = self.path_of(object_key)
        if path:
            path.unlink()
        return path is not None

    async def get_read_url(self, object_key: str) -> str:
        return f"{FILES_ROUTE}/{object_key}"

    async def close(self) -> None:
        pass


# Served inline: shown in the page. Anything else (HTML, SVG, scripts, unknown) is a download, and
# every response is sandboxed, so a stored file can never run in the app's origin.
INLINE_TYPES = frozenset({"text/plain", "text/markdown", "text/csv", "application/json", "application/pdf",
                          "image/png", "image/jpeg", "image/gif", "image/webp"})  # fmt: skip


def chainlit_logged_in(request) -> bool:
    """Chainlit's own check: a valid session token (cookie or bearer) when login is on."""
    from chainlit.auth import require_login
    from chainlit.auth.cookie import get_token_from_cookies
    from chainlit.auth.jwt import decode_jwt

    if not require_login():
        return True
    token = get_token_from_cookies(request.cookies)
    scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
    token = token or (bearer if scheme.lower() == "bearer" else None)
    try:
        return bool(token) and decode_jwt(token) is not None
    except Exception:
        return False


CDN_LINK = re.compile(r'\s*<link\b[^>]*href="https://(fonts\.googleapis\.com|fonts\.gstatic\.com|cdn\.jsdelivr\.net)[^"]*"[^>]*>',
                      re.S)  # fmt: skip


class OfflinePage:
    """ASGI middleware: Chainlit's page without its CDN links (Google Fonts, KaTeX's stylesheet).
    An offline or locked-down deployment otherwise waits on them, and they tell a third party who
    opens the chat. The system font stands in for Inter; math is off in this app (`latex = false`).
    Only GET responses of type text/html are touched (the page is a few kilobytes)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        held: dict = {}
        body: list[bytes] = []

        async def rewrite(message) -> None:
            if message["type"] == "http.response.start":
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/html"):
                    held["start"] = message
                    return
            if "start" not in held:
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            raw = b"".join(body)
            gzipped = dict(held["start"]["headers"]).get(b"content-encoding", b"") == b"gzip"  # Chainlit's GZip
            page = CDN_LINK.sub("", (gzip.decompress(raw) if gzipped else raw).decode("utf-8", "replace")).encode()
            page = gzip.compress(page) if gzipped else page
            headers = [(k, v) for k, v in held["start"]["headers"] if k.lower() != b"content-length"]
            await send({**held["start"], "headers": [*headers, (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, rewrite)


def mount_files_route(app, storage: LocalFileStorage, logged_in=chainlit_logged_in) -> None:
    """Serve stored element files; placed before Chainlit's catch-all frontend route.

    Only to a logged-in user (when login is on), and never as active content: an uploaded `.html`
    opened from a citation must not read the user's threads.
    """
    from fastapi.responses import FileResponse, PlainTextResponse
    from starlette.routing import Route

    async def serve(request):
        if not logged_in(request):
            return PlainTextResponse("log in to open stored files", status_code=401)
        path = storage.path_of(request.path_params["key"])
        if path is None:
            return PlainTextResponse("not found", status_code=404)
        guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        inline = guessed in INLINE_TYPES
        headers = {
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'",
            "Cache-Control": "private, no-store",
        }
        return FileResponse(
            path, media_type=guessed if inline else "application/octet-stream", headers=headers,
            filename=path.name, content_disposition_type="inline" if inline else "attachment",
        )  # fmt: skip

    app.router.routes.insert(0, Route(f"{FILES_ROUTE}/{{key:path}}", serve, methods=["GET"]))


def refuse_empty_uploads() -> None:
    """Chainlit's upload endpoint hands an empty file to `persist_file`, whose ValueError became an
    HTTP 500 "Upload failed"; an empty file is the user's mistake, so it gets a 400 that says so.
    (Wraps the one method; Chainlit offers no hook before it.)"""
    from chainlit.session import WebsocketSession
    from fastapi import HTTPException

    persist = WebsocketSession.persist_file
    if getattr(persist, "refuses_empty", False):
        return

    async def persist_file(self, name, mime, path=None, content=None):
        if path is None and not content:
            raise HTTPException(status_code=400, detail=f"'{name}' is empty (0 bytes): upload a file with content")
        return await persist(self, name=name, mime=mime, path=path, content=content)

    persist_file.refuses_empty = True  # type: ignore[attr-defined]
    WebsocketSession.persist_file = persist_file  # type: ignore[method-assign]
