"""Stored files (citation panels, uploads) are served only to a logged-in user, and never as active content."""

import asyncio

import pytest

from assistant.chat_store import FILES_ROUTE, LocalFileStorage, mount_files_route


@pytest.fixture
def client(tmp_path):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    storage = LocalFileStorage(tmp_path / "files")
    asyncio.run(storage.upload_file("u1/e1/evil.html", "<script>fetch('/project/threads')</script>"))
    asyncio.run(storage.upload_file("u1/e2/passage.txt", "Hold Back and Play for 3 seconds."))
    app = FastAPI()
    mount_files_route(app, storage, logged_in=lambda request: request.headers.get("Authorization") == "Bearer ok")
    return TestClient(app)


def test_logged_out_clients_get_nothing(client):
    response = client.get(f"{FILES_ROUTE}/u1/e2/passage.txt")
    assert response.status_code == 401 and "Hold Back" not in response.text


def test_html_is_a_sandboxed_download_and_text_stays_inline(client):
    auth = {"Authorization": "Bearer ok"}
    html = client.get(f"{FILES_ROUTE}/u1/e1/evil.html", headers=auth)
    assert html.status_code == 200
    assert html.headers["content-type"] == "application/octet-stream"
    assert html.headers["content-disposition"].startswith("attachment")
    assert html.headers["content-security-policy"].startswith("sandbox")
    text = client.get(f"{FILES_ROUTE}/u1/e2/passage.txt", headers=auth)
    assert text.headers["content-type"].startswith("text/plain") and text.text.startswith("Hold Back")
    assert text.headers["content-disposition"].startswith("inline") and text.headers["x-content-type-options"] == "nosniff"
    assert client.get(f"{FILES_ROUTE}/../../etc/passwd", headers=auth).status_code == 404


def test_the_chat_allows_no_cross_origin_reads():
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).parents[1] / ".chainlit" / "config.toml").read_text())
    assert config["project"]["allow_origins"] == []


def test_the_page_is_served_without_cdn_links_and_streams_pass_untouched():
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse, StreamingResponse
    from fastapi.testclient import TestClient

    from assistant.chat_store import OfflinePage

    app = FastAPI()
    page = ('<html><head><link rel="preconnect" href="https://fonts.googleapis.com" />\n<link href="https://cdn.jsdelivr'
            '.net/npm/katex@0.16.22/dist/katex.min.css" rel="stylesheet"/></head><body><div id="root"></div></body></html>')  # fmt: skip
    app.get("/")(lambda: HTMLResponse(page))
    app.get("/events")(lambda: StreamingResponse(iter([b"data: 1\n\n", b"data: 2\n\n"]), media_type="text/event-stream"))
    app.add_middleware(OfflinePage)
    client = TestClient(app)
    served = client.get("/")
    assert "googleapis" not in served.text and "jsdelivr" not in served.text and '<div id="root">' in served.text
    assert int(served.headers["content-length"]) == len(served.content)
    assert client.get("/events").text == "data: 1\n\ndata: 2\n\n"
    from fastapi.middleware.gzip import GZipMiddleware

    zipped = FastAPI()
    zipped.get("/")(lambda: HTMLResponse(page + " " * 2000))  # big enough for GZip to compress it
    zipped.add_middleware(GZipMiddleware)
    zipped.add_middleware(OfflinePage)  # outside Chainlit's GZip, as in the app
    served = TestClient(zipped).get("/", headers={"Accept-Encoding": "gzip"})
    assert served.headers["content-encoding"] == "gzip" and "googleapis" not in served.text and "<div" in served.text


def test_an_attachment_the_app_refuses_is_never_stored(tmp_path):
    """Chainlit persists a user's attachment before the app sees it; `keep_upload` decides first."""
    import chainlit as cl
    from chainlit.context import init_http_context
    from chainlit.user import User

    from assistant.chat_store import ChatDataLayer, ensure_sqlite_schema

    storage = LocalFileStorage(tmp_path / "files")
    layer = ChatDataLayer(conninfo=ensure_sqlite_schema(tmp_path / "chat.db"), storage_provider=storage,
                          keep_upload=lambda element: element.name.endswith(".md"))  # fmt: skip
    (tmp_path / "evil.html").write_text("<script>alert(1)</script>")
    (tmp_path / "notes.md").write_text("# Notes")

    async def attach():
        init_http_context()
        user = await layer.create_user(User(identifier="viewer"))
        await layer.update_thread("t1", user_id=user.id)
        for name in ("evil.html", "notes.md"):  # as Chainlit builds an uploaded file: with a chainlit key
            element = cl.File(name=name, path=str(tmp_path / name), chainlit_key=f"key-{name}", for_id="m1")
            element.thread_id = "t1"
            await layer.create_element(element)
        panel = cl.Text(name="[1]", content="Hold Back and Play.", for_id="m2")  # the app's own element
        panel.thread_id = "t1"
        await layer.create_element(panel)

    asyncio.run(attach())
    stored = sorted(p.name for p in (tmp_path / "files").rglob("*") if p.is_file())
    assert stored == ["[1]", "notes.md"]


def test_an_empty_upload_is_a_400_that_says_so_not_a_500():
    from chainlit.session import WebsocketSession
    from fastapi import HTTPException

    from assistant.chat_store import refuse_empty_uploads

    refuse_empty_uploads()
    refuse_empty_uploads()  # once is enough: a second call does not wrap it twice
    with pytest.raises(HTTPException) as caught:
        asyncio.run(WebsocketSession.persist_file(object(), name="notes.md", mime="text/markdown", content=b""))
    assert caught.value.status_code == 400 and "empty (0 bytes)" in caught.value.detail


def test_sqlite_history_writes_wait_in_line_instead_of_draining_the_pool(tmp_path):
    """Twenty sessions writing at once each held a pooled connection while SQLite let one write
    (the soak: 105 "QueuePool limit reached" in its first minute). One connection at a time now."""
    from sqlalchemy import event

    from assistant.chat_store import ChatDataLayer, ensure_sqlite_schema

    layer = ChatDataLayer(conninfo=ensure_sqlite_schema(tmp_path / "chat.db"))
    held = {"now": 0, "most": 0}

    @event.listens_for(layer.engine.sync_engine, "checkout")
    def out(*_):
        held["now"] += 1
        held["most"] = max(held["most"], held["now"])

    @event.listens_for(layer.engine.sync_engine, "checkin")
    def back(*_):
        held["now"] -= 1

    async def burst():
        await asyncio.gather(*(layer.update_thread(f"t{i}", name=f"chat {i}") for i in range(40)))
        return await layer.execute_sql('SELECT COUNT(*) AS n FROM threads', {})

    rows = asyncio.run(burst())
    assert rows == [{"n": 40}] and held["most"] == 1

