"""End to end in a real browser: Debian's Chromium driven by Playwright against `assistant serve`.

The app runs as a user would start it (subprocess, embedded model, the demo knowledge folder,
password login on so chat history is kept per user). Screenshots of every step are saved under
test-artifacts/browser/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
SHOTS = REPO / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
FOOTER = re.compile(r"(retrieval|fine-tuned|fine-tuned \+ retrieval|not found|base model) · [^\n]+ · \d+\.\d s")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip

if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is installed by ./dev test", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen, log_path: Path) -> None:
    """Until the app answers its login page (3 min), else fail with the end of its log."""
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/auth/config", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(1)
    proc.kill()
    pytest.fail("the app did not start: " + log_path.read_text()[-2000:])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("app")
    shutil.copytree(REPO / "knowledge", root / "knowledge")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k != "OLLAMA_HOST"}
    env.update(
        ASSISTANT_KNOWLEDGE_DIR=str(root / "knowledge"),
        ASSISTANT_DATA_DIR=str(root / "data"),
        ASSISTANT_ADAPTERS_DIR=str(REPO / "adapters"),
        ASSISTANT_BACKEND="embedded",
        ASSISTANT_MAX_TOKENS="40",
        ASSISTANT_TEMPERATURE="0",
        ASSISTANT_AUTH="agent:agent-pw:agent,viewer:viewer-pw:viewer",
    )
    log = (root / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=REPO, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    wait_up(url, proc, root / "serve.log")
    yield {"url": url, "root": root}
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        pg.goto(server["url"])
        pg.fill("#email", "agent")
        pg.fill("#password", "agent-pw")
        pg.click("button[type=submit]")
        pg.wait_for_selector("#chat-input", timeout=60_000)
        yield pg
        browser.close()


def footers(pg) -> int:
    return len(FOOTER.findall(pg.inner_text("body")))


def ask(pg, text: str, shot: str, timeout_s: float = 120) -> str:
    """Type a question, send it, wait until the answer's footer appears; return the page text."""
    before = footers(pg)
    pg.fill("#chat-input", text)
    pg.wait_for_timeout(300)
    pg.click("#chat-submit")
    deadline = time.time() + timeout_s
    while footers(pg) <= before:
        assert time.time() < deadline, f"no answer to {text!r}"
        pg.wait_for_timeout(300)
    pg.wait_for_timeout(500)
    pg.screenshot(path=str(SHOTS / shot), full_page=True)
    return pg.inner_text("body")


def test_starter_question_streams_an_answer_with_a_route_badge(page):
    page.get_by_text("Smart Hub maintenance").click()  # a "when" question: the model writes it
    seen_partial = False
    deadline = time.time() + 120
    while footers(page) == 0:
        assert time.time() < deadline
        body = page.inner_text("body")
        seen_partial |= "Retrieval ·" in body  # the badge and partial text show before the answer ends
        page.wait_for_timeout(200)
    page.screenshot(path=str(SHOTS / "1-starter.png"), full_page=True)
    assert seen_partial
    assert "Used Retrieval" in page.inner_text("body") or "Retrieval ·" in page.inner_text("body")


def test_citation_opens_the_passage(page):
    body = ask(page, "What is the latest firmware version and what does it fix?", "2-quoted.png")
    assert "quoted from the source" in body  # not a who / when / how many question: the notes are quoted
    link = page.locator("a.element-link").last
    link.wait_for(timeout=10_000)
    link.click()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "2-citation.png"))
    assert "firmware-release-notes.md" in page.inner_text("body")


def test_uploaded_document_is_cited_right_after(page, server, tmp_path):
    doc = tmp_path / "zephyr-x9.md"
    doc.write_text(
        "# Zephyr X9 remote\n\nThe Zephyr X9 remote control is teal and charges over USB-C in 40 minutes.\n"
    )
    page.set_input_files("input[type=file]", str(doc))
    page.wait_for_timeout(1000)
    body = ask_after_upload(page, "/rag What colour is the Zephyr X9 remote control?")
    assert "added to the knowledge base" in body
    assert (server["root"] / "knowledge" / "uploads" / "zephyr-x9.md").exists()
    links = page.locator("a.element-link")
    opened = []
    for i in range(links.count() - 1, -1, -1):  # the newest answer's markers come last
        links.nth(i).click()
        page.wait_for_timeout(700)
        opened.append(page.inner_text("body"))
        if "uploads/zephyr-x9.md" in opened[-1]:
            break
    page.screenshot(path=str(SHOTS / "3-upload-cited.png"))
    assert "uploads/zephyr-x9.md" in opened[-1], "no citation opens the uploaded document"


def ask_after_upload(page, text: str) -> str:
    return ask(page, text, "3-upload-answer.png", timeout_s=180)


def test_prefix_overrides_the_route(page):
    body = ask(page, "/ft What is the latest firmware version?", "4-override.png")
    assert "fine-tuned ·" in body.split("What is the latest firmware version?")[-1]


def test_html_in_a_message_is_inert(page):
    ask(page, "<img src=x onerror=\"document.title='pwned'\"> <b>bold?</b> what are the support hours?", "5-html.png")
    assert page.title() != "pwned"
    assert page.locator("img[src=x]").count() == 0


def test_executable_upload_is_refused_and_the_chat_goes_on(page, tmp_path):
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ\x90\x00" * 10)
    page.set_input_files("input[type=file]", str(exe))
    page.wait_for_timeout(1000)
    body = page.inner_text("body")
    page.screenshot(path=str(SHOTS / "6-exe-refused.png"))
    # Chainlit's accept list (.chainlit/config.toml) rejects it before it is sent; the server checks again.
    assert "File type must be" in body
    body = ask(page, "When is the Smart Hub maintenance scheduled?", "6-after-refusal.png")
    assert "service-notice" in body or "Smart Hub" in body


def test_huge_message_is_truncated_with_a_notice(page):
    body = ask(page, "What are the holiday support hours? " + "padding " * 13_000, "8-huge-message.png", timeout_s=180)
    assert "only the first 4,000 were used" in body


def test_twenty_files_at_once_are_refused_by_the_limit(page, tmp_path):
    files = []
    for i in range(20):
        f = tmp_path / f"note-{i}.md"
        f.write_text(f"# Note {i}\n\nText {i}.")
        files.append(str(f))
    page.set_input_files("input[type=file]", files)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "9-twenty-files.png"))
    assert "Too many files" in page.inner_text("body")  # max_files = 5 in .chainlit/config.toml


def test_viewers_may_not_upload(page, server, tmp_path):
    doc = tmp_path / "viewer-note.md"
    doc.write_text("# Viewer note\n\nViewers should not be able to add this.")
    context = page.context.browser.new_context(viewport={"width": 1280, "height": 900})  # a second user
    try:
        pg = context.new_page()
        pg.goto(server["url"])
        pg.fill("#email", "viewer")
        pg.fill("#password", "viewer-pw")
        pg.click("button[type=submit]")
        pg.wait_for_selector("#chat-input", timeout=60_000)
        pg.wait_for_timeout(1500)
        assert "Agent desk" not in pg.inner_text("body")  # the desk profile is offered to agents only
        pg.set_input_files("input[type=file]", str(doc))
        pg.wait_for_timeout(1000)
        pg.fill("#chat-input", "Please add this note.")
        pg.click("#chat-submit")
        pg.get_by_text("Only agents may add documents").wait_for(timeout=60_000)
        pg.screenshot(path=str(SHOTS / "10-viewer-refused.png"))
    finally:
        context.close()
    assert not (server["root"] / "knowledge" / "uploads" / "viewer-note.md").exists()


def test_reload_keeps_history_and_citations(page):
    url = page.url
    assert "/thread/" in url
    page.reload()
    page.wait_for_selector("#chat-input", timeout=60_000)
    page.get_by_text("What is the latest firmware version and what does it fix?").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "7-reloaded.png"), full_page=True)
    assert footers(page) >= 3
    assert page.locator("a.element-link").count() >= 1


def test_openai_api_is_mounted_before_the_ui_and_closed_while_login_is_on(server):
    response = httpx.get(f"{server['url']}/v1/models", timeout=10)
    assert response.status_code == 403 and "ASSISTANT_API_KEY" in response.json()["error"]["message"]
    cross = httpx.get(f"{server['url']}/auth/config", headers={"Origin": "http://127.0.0.1:9"}, timeout=10)
    assert "access-control-allow-origin" not in cross.headers
    for path in ("/", "/thread/abc"):  # the page asks no third party for fonts or stylesheets
        page = httpx.get(f"{server['url']}{path}", timeout=10).text
        assert '<div id="root">' in page and "googleapis" not in page and "jsdelivr" not in page


def test_agent_desk_drafts_a_cited_reply_and_rewrites_it(page):
    page.fill("#chat-input", "/desk Hello! When is the Smart Hub maintenance scheduled? Can I pay with bitcoin?")
    page.wait_for_timeout(300)
    page.click("#chat-submit")
    page.wait_for_selector("text=Draft reply", timeout=180_000)
    page.wait_for_selector("button:has-text('Friendlier')", timeout=30_000)
    body = page.inner_text("body")
    page.screenshot(path=str(SHOTS / "10-desk-draft.png"), full_page=True)
    assert "Thank you for contacting us" in body and "Escalated" in body and "bitcoin" in body
    page.locator("button:has-text('Friendlier')").last.click()
    page.wait_for_selector("text=Thanks so much for reaching out", timeout=30_000)
    page.locator("button:has-text('Copy reply')").last.click()
    page.wait_for_selector("pre:has-text('Hi there!')", timeout=30_000)  # the clean text, in a copyable block
    page.screenshot(path=str(SHOTS / "11-desk-friendlier-copy.png"), full_page=True)


def test_agents_have_a_desk_profile_where_every_message_is_a_ticket(page, server):
    page.goto(server["url"])
    page.wait_for_selector("#chat-input", timeout=60_000)
    page.get_by_text("Chat", exact=True).first.click()  # the profile picker in the header
    page.get_by_text("Agent desk", exact=True).first.click()
    confirm = page.locator("button:has-text('Confirm')")
    if confirm.count():
        confirm.first.click()
    page.get_by_text("paste a customer's message", exact=False).first.wait_for(timeout=60_000)
    page.fill("#chat-input", "Hi! When is the Smart Hub maintenance scheduled? Thanks")
    page.wait_for_timeout(300)
    page.click("#chat-submit")
    page.wait_for_selector("text=Draft reply", timeout=180_000)
    page.wait_for_selector("button:has-text('Copy reply')", timeout=30_000)
    page.screenshot(path=str(SHOTS / "12-desk-profile.png"), full_page=True)
    assert "Thank you for contacting us" in page.inner_text("body")
    page.locator("button:has-text('Escalate')").last.click()  # the agent hands the whole ticket on
    page.wait_for_selector("text=assistant escalations", timeout=30_000)
    page.screenshot(path=str(SHOTS / "13-desk-escalated.png"), full_page=True)
