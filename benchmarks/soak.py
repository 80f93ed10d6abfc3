"""Soak: chat sessions asking without pause while the knowledge folder churns under them.

    python -m benchmarks.soak [--minutes 30] [--sessions 20] [--json]

Bounded and loopback only. Starts `assistant serve` (embedded model, a copy of the demo folder),
opens N chat sessions in Chromium (separate browser contexts) that each ask the next question as
soon as the last answer is finished, and meanwhile adds, changes and deletes Markdown files in the
folder, drops in a corrupt PDF and a PDF "bomb" (a few KB that extract past the server's character
cap). The watcher indexes all of it while the sessions read.

At the end the churn stops, the server is given time to settle, and its serving index is compared
with a from-scratch ingest of the same folder (`assistant ingest --rebuild` in a separate data
dir): chunk ids lost, chunk ids extra, chunk ids duplicated — all must be 0. Also reported: errors
(answers that never finish, pages showing Chainlit's error or reconnect notice at the end, ERROR
lines, tracebacks and Chainlit's "An error occurred" warnings in the server log, each counted apart), answers finished,
first-token p50/p95 (nearest rank) and the server's RSS at the start and end of the run, and from
the server's per-turn log lines (`assistant.turns`) where each turn's time went: p50/p95/max of each
phase (ask = route + search + queue for a worker thread, badge = the route step and notices written
to the chat history, first_token, stream, send) and the slowest turns whole.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from benchmarks import report as report_cli
from benchmarks.chat_latency import ARGS, answer_texts, demo_world, open_sessions, start_server
from tests.documents import write_pdf  # real PDFs written by fpdf2, as the tests make them

REPO = Path(__file__).resolve().parents[1]
# Chainlit logs a failed write of the chat history ("database is locked") as a WARNING "An error
# occurred": a lost step is an error whatever its level.
SERVER_ERROR = r"\bERROR\b|Traceback|An error occurred"
QUESTIONS = [
    "When is the Smart Hub maintenance scheduled?",
    "What does firmware 1520 fix?",
    "How much does the QN90 cost?",
    "What are the holiday support hours?",
    "What does the warranty extension cover?",
]
FINISHED = re.compile(r"· \d+\.\d s\s*$")  # the answer's footer: route · kind · model · seconds
BANNERS = ("Something went wrong", "Could not reach the server")  # Chainlit's own error and reconnect notices
MAX_CHARS = 200_000  # the server's extracted-text cap in this run: the bomb goes past it


def rss_mib(pid: int) -> float:
    """Resident memory of the server process and its children (the model runs in-process)."""
    total = 0
    for line in subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True,
                               text=True).stdout.split():  # fmt: skip
        total += int(line)
    return round(total / 1024, 1)


class Churn:
    """Adds, changes and deletes files in the folder, one step at a time; drops the two bad PDFs once."""

    def __init__(self, folder: Path, seed: int = 7) -> None:
        self.folder, self.rng, self.n, self.live = folder / "soak", random.Random(seed), 0, []
        self.folder.mkdir(parents=True, exist_ok=True)
        self.steps: Counter = Counter()

    def step(self) -> None:
        action = self.rng.choice(["add", "add", "change", "delete"]) if self.live else "add"
        if action == "add":
            self.n += 1
            path = self.folder / f"note-{self.n:03d}.md"
            self.live.append(path)
        else:
            path = self.rng.choice(self.live)
        if action == "delete":
            self.live.remove(path)
            path.unlink()
        else:
            body = " ".join(f"Service note {self.n} item {i}: check the cable {self.rng.randint(1, 99)} times."
                            for i in range(self.rng.randint(5, 40)))  # fmt: skip
            path.write_text(f"# Note {path.stem}\n\n{body}\n", encoding="utf-8")
        self.steps[action] += 1

    def bad_files(self) -> None:
        (self.folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40)
        write_pdf(self.folder / "bomb.pdf", ["Pair the remote. " * 60] * (MAX_CHARS // 900))
        self.steps["bad files"] += 2


def turn_phases(log: str) -> tuple[dict, list[str]]:
    """p50/p95/max of each phase over the server's "turn timings" lines, and the three slowest lines."""
    turns = [(line, dict(re.findall(r"(\w+)=(\S+)", line))) for line in log.splitlines() if "turn timings" in line]
    phases: dict[str, list[float]] = {}
    for _, fields in turns:
        for key, value in fields.items():
            if key.endswith("_ms"):
                phases.setdefault(key, []).append(float(value))
    summary = {k: {"p50": round(statistics.median(v)), "p95": round(report_cli.percentile(v, 95)), "max": round(max(v))}
               for k, v in phases.items()}  # fmt: skip
    slowest = sorted(turns, key=lambda t: -float(t[1].get("total_ms", 0)))[:3]
    return summary, [line.split("turn timings ", 1)[1] for line, _ in slowest]


def served_chunks(data_dir: Path) -> list[tuple[str, str]]:
    """(chunk id, source) of every row of the serving generation, as the server left it on disk."""
    index = data_dir / "index"
    name = (index / "CURRENT").read_text().strip()
    with (index / name / "chunks.jsonl").open() as f:
        return [(row["id"], row["source"]) for row in map(json.loads, f)]


def reference_chunks(folder: Path, env: dict, root: Path) -> list[tuple[str, str]]:
    data = root / "reference"
    env = dict(env, ASSISTANT_DATA_DIR=str(data), ASSISTANT_KNOWLEDGE_DIR=str(folder))
    subprocess.run([sys.executable, "-m", "assistant", "ingest", "--rebuild"], cwd=REPO, env=env, check=True,
                   capture_output=True)  # fmt: skip
    return served_chunks(data)


def main() -> None:
    parser = report_cli.parser(__doc__)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--churn-every", type=float, default=20, help="seconds between folder changes")
    parser.add_argument("--answer-timeout", type=float, default=600, help="an answer not finished by then is an error")
    parser.add_argument("--busy-after", type=int, default=None,
                        help="the server's ASSISTANT_BUSY_AFTER (default: the app's own default)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    busy = {} if args.busy_after is None else {"ASSISTANT_BUSY_AFTER": str(args.busy_after)}
    root, env = demo_world("soak-", ASSISTANT_MAX_FILE_CHARS=str(MAX_CHARS), **busy)
    proc, url = start_server(root, env)
    churn = Churn(root / "knowledge")
    firsts: list[float] = []
    finished = 0
    unfinished: list[str] = []  # the last words of answers that never showed their footer
    rss: list[float] = []  # sampled once a minute, from the first finished answer (the model is loaded)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            pages = open_sessions(browser, url, args.sessions)
            state = {i: None for i in range(len(pages))}  # session → (sent at, answers before, first token at)
            end = time.time() + args.minutes * 60
            next_churn, bad_at = time.time(), time.time() + args.minutes * 60 / 3
            asked, next_rss = 0, 0.0
            while time.time() < end or any(s is not None for s in state.values()):
                now = time.time()
                if now < end and now >= next_churn:
                    churn.step()
                    next_churn = now + args.churn_every
                if bad_at and now >= bad_at:
                    churn.bad_files()
                    bad_at = 0
                for i, page in enumerate(pages):
                    texts = answer_texts(page)
                    if state[i] is None:
                        # Chainlit ignores a message sent while the last turn is still closing (its
                        # stop button is showing): wait for the send button, as a person would.
                        if time.time() < end and page.query_selector("#stop-button") is None:
                            page.fill("#chat-input", f"{QUESTIONS[asked % len(QUESTIONS)]} ({asked})")
                            page.click("#chat-submit")
                            state[i], asked = (time.perf_counter(), len(texts), None), asked + 1
                        continue
                    sent, before, first = state[i]
                    if len(texts) > before and texts[-1].strip():
                        if first is None:
                            first = time.perf_counter()
                            firsts.append((first - sent) * 1000)
                            state[i] = (sent, before, first)
                        if FINISHED.search(texts[-1]):
                            finished += 1
                            state[i] = None
                            if time.time() >= next_rss:
                                rss.append(rss_mib(proc.pid))
                                next_rss = time.time() + 60
                    if time.perf_counter() - sent > args.answer_timeout:  # an answer that never finishes is an error
                        unfinished.append((texts[-1] if len(texts) > before else "(no answer)")[-160:])
                        state[i] = None
                time.sleep(0.2)
            banners = [next((b for b in BANNERS if b in pg.inner_text("body")), None) for pg in pages]
            browser.close()
        rss.append(rss_mib(proc.pid))
        time.sleep(15)  # the watcher's debounce and the last ingest
        served = served_chunks(root / "data")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    log = (root / "serve.log").read_text(errors="replace")
    server_errors = len(re.findall(SERVER_ERROR, log))
    reference = reference_chunks(root / "knowledge", env, root)
    phases, slowest = turn_phases(log)
    counts, expected = Counter(i for i, _ in served), Counter(i for i, _ in reference)
    report = {
        "minutes": args.minutes,
        "busy_after": args.busy_after,
        "sessions": args.sessions,
        "answers_finished": finished,
        "answers_unfinished": len(unfinished),
        "unfinished_samples": unfinished[:5],
        "pages_with_an_error_banner": sum(b is not None for b in banners),
        "banners": sorted({b for b in banners if b}),
        "server_log_errors": server_errors,
        "first_token_ms_p50": round(statistics.median(firsts)) if firsts else None,
        "first_token_ms_p95": round(report_cli.percentile(firsts, 95)) if firsts else None,
        "rss_mib_start": rss[0] if rss else None,
        "rss_mib_end": rss[-1] if rss else None,
        "rss_mib_max": max(rss, default=None),
        "folder_changes": dict(churn.steps),
        "chunks_served": len(served),
        "chunks_lost": sum((expected - counts).values()),
        "chunks_extra": sum((counts - expected).values()),
        "chunks_duplicated": sum(n - 1 for n in counts.values() if n > 1),
        "bad_files_served": sorted({s for _, s in served if s.endswith(("bomb.pdf", "corrupt.pdf"))}),
        "turn_phases_ms": phases,
        "slowest_turns": slowest,
        "server_log_excerpt": [line[:200] for line in log.splitlines() if re.search(SERVER_ERROR, line)][:5],
    }
    if report_cli.save("soak", report, as_json=args.json):
        r = report
        print(f"{r['minutes']} min, {r['sessions']} sessions: {r['answers_finished']} answers, "
              f"{r['answers_unfinished']} unfinished after {args.answer_timeout:.0f} s, "
              f"{r['pages_with_an_error_banner']} pages with an error banner, {r['server_log_errors']} server errors; "
              f"first token p50 {r['first_token_ms_p50']} ms, "
              f"p95 {r['first_token_ms_p95']} ms; RSS {r['rss_mib_start']} → {r['rss_mib_end']} MiB")
        print("server-side phases (p50/p95/max ms): " + ", ".join(
            f"{k.removesuffix('_ms')} {v['p50']}/{v['p95']}/{v['max']}" for k, v in r["turn_phases_ms"].items()))
        print(f"folder: {r['folder_changes']}; chunks lost {r['chunks_lost']}, extra {r['chunks_extra']}, "
              f"duplicated {r['chunks_duplicated']} (of {r['chunks_served']})")


if __name__ == "__main__":
    main()
