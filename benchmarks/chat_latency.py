"""Chat latency in a real browser vs. the CLI, and 10 concurrent chat sessions.

    python -m benchmarks.chat_latency [--sessions 10] [--json]

Starts `assistant serve` (embedded model, demo knowledge folder) and drives Debian's Chromium with
Playwright. A: time from pressing Enter to the first answer token on the page, against
`assistant ask --json`'s own first-token time (turn start → first token, the same work without
the browser) on the same question, in the same run, prompt cache off for both. B: N sessions in separate browser contexts
send a question at once; all must finish without an error; first-token and total times reported.
Bounded: one question per session, a 300 s deadline.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks import report as report_cli

REPO = Path(__file__).resolve().parents[1]
QUESTION = "When is the Smart Hub maintenance scheduled?"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
ANSWER = "[data-step-type='assistant_message']"


def start_server(root: Path, env: dict, log_name: str = "serve.log") -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (root / log_name).open("w")
    proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(port)], cwd=REPO, env=env,
                            stdout=log, stderr=log)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(180):
        try:
            httpx.get(f"{url}/auth/config", timeout=2)
            return proc, url
        except httpx.HTTPError:
            time.sleep(1)
    proc.kill()
    raise SystemExit("server did not start")


def demo_world(prefix: str, **extra: str) -> tuple[Path, dict]:
    """A copy of the demo folder and the environment a benchmark's server and CLI share: embedded
    model, greedy, short answers, prompt cache off (else a server's repeat of a question skips its
    prompt and the comparison with a fresh CLI process is unfair)."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    shutil.copytree(REPO / "knowledge", root / "knowledge")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_KNOWLEDGE_DIR=str(root / "knowledge"), ASSISTANT_DATA_DIR=str(root / "data"),
               ASSISTANT_BACKEND="embedded", ASSISTANT_MAX_TOKENS="32", ASSISTANT_TEMPERATURE="0",
               ASSISTANT_PROMPT_CACHE="false", **extra)  # fmt: skip
    return root, env


def cli_first_token_ms(env: dict) -> float:
    """`assistant ask --json`'s own first-token time for QUESTION (turn start → first token)."""
    out = subprocess.run([sys.executable, "-m", "assistant", "ask", QUESTION, "--json"], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout)["timings"]["first_token_ms"]


def open_sessions(browser, url: str, n: int) -> list:
    """n chat sessions, each in its own browser context (its own cookie, its own Chainlit session),
    with their sockets up."""
    pages = []
    for _ in range(n):
        page = browser.new_context().new_page()
        page.goto(url)
        page.wait_for_selector("#chat-input", timeout=120_000)
        pages.append(page)
    time.sleep(1.5)  # the socket must be up before the first message
    return pages


def answer_texts(page) -> list[str]:
    return [e.inner_text() for e in page.query_selector_all(ANSWER)]


def ask_in_page(page, question: str, deadline: float) -> tuple[float, float]:
    """(ms to first answer token, ms to the finished answer) for one question."""
    before = len(answer_texts(page))
    page.fill("#chat-input", question)
    page.wait_for_timeout(200)
    started = time.perf_counter()
    page.press("#chat-input", "Enter")
    first = None
    while time.time() < deadline:
        texts = answer_texts(page)
        if len(texts) > before and texts[-1].strip():
            first = first or time.perf_counter()
            if " s" in texts[-1] and ("retrieval ·" in texts[-1] or "fine-tuned ·" in texts[-1]):
                return (first - started) * 1000, (time.perf_counter() - started) * 1000
        page.wait_for_timeout(20)
    raise TimeoutError(question)


def main() -> None:
    parser = report_cli.parser(__doc__)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    root, env = demo_world("chat-bench-")
    proc, url = start_server(root, env)
    try:
        cli_first = []
        browser_first = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for _ in range(args.repeats):  # interleaved so drift hits both equally
                cli_first.append(cli_first_token_ms(env))
                # A new session each time, as the CLI's is: asked again in one session, the question
                # carries the previous turns in its prompt (first token 2.3 → 3.1 → 4.0 s on the server).
                page = open_sessions(browser, url, 1)[0]
                browser_first.append(ask_in_page(page, QUESTION, time.time() + 120)[0])
                page.context.close()

            pages = open_sessions(browser, url, args.sessions)
            deadline = time.time() + 300
            started = {}
            for i, pg in enumerate(pages):
                pg.fill("#chat-input", f"{QUESTION} (session {i})")
                started[i] = time.perf_counter()
                pg.press("#chat-input", "Enter")
            firsts, totals, errors = {}, {}, 0
            while len(totals) < len(pages) and time.time() < deadline:
                for i, pg in enumerate(pages):
                    if i in totals:
                        continue
                    texts = answer_texts(pg)
                    if texts and texts[-1].strip():
                        firsts.setdefault(i, (time.perf_counter() - started[i]) * 1000)
                        if "retrieval ·" in texts[-1] or "fine-tuned ·" in texts[-1]:
                            totals[i] = (time.perf_counter() - started[i]) * 1000
                    errors += "Something went wrong" in pg.inner_text("body")
                time.sleep(0.05)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    med = statistics.median
    first_values = sorted(firsts.values())
    report = {
        "question": QUESTION,
        "browser_first_token_ms": round(med(browser_first)),
        "cli_first_token_ms": round(med(cli_first)),
        "ratio": round(med(browser_first) / med(cli_first), 2),
        "concurrent": {
            "sessions": args.sessions,
            "completed": len(totals),
            "errors": errors,
            "first_token_ms_p50": round(med(first_values)) if first_values else None,
            "first_token_ms_p95": round(report_cli.percentile(first_values, 95)) if first_values else None,
            "total_ms_max": round(max(totals.values())) if totals else None,
        },
    }
    if report_cli.save("chat_latency", report, as_json=args.json):
        a, c = report, report["concurrent"]
        print(f"first token: browser {a['browser_first_token_ms']} ms vs assistant ask {a['cli_first_token_ms']} ms "
              f"= {a['ratio']}× (goal ≤ 1.2×)")
        print(f"{c['sessions']} concurrent sessions: {c['completed']} completed, {c['errors']} errors, first token "
              f"p50 {c['first_token_ms_p50']} ms, p95 {c['first_token_ms_p95']} ms")


if __name__ == "__main__":
    main()
