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
