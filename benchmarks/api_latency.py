"""The OpenAI-compatible API: time to first token through the official client, and 20 concurrent streams.

    python -m benchmarks.api_latency [--streams 20] [--repeats 3] [--json]

Starts `assistant serve` (embedded model, demo knowledge folder, one API key). A: time from sending
a streaming request with the `openai` client to the first content token, against `assistant ask
--json`'s own first-token time on the same question, interleaved, same run (goal ≤ 1.1×); the
prompt cache is off for both, or the server's repeat of a question skips the prompt. B: N
streaming requests at once from threads; all must finish without an error; first-token and total
times reported. Bounded: one question per stream, a 300 s deadline.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from benchmarks import report as report_cli
from benchmarks.chat_latency import QUESTION, cli_first_token_ms, demo_world, start_server

KEY = "bench-key"


def stream_once(client, question: str) -> tuple[float, float]:
    """(ms to the first content token, ms to the end of the stream)."""
    started = time.perf_counter()
    first = None
    for chunk in client.chat.completions.create(model="crossroads", stream=True,
                                                messages=[{"role": "user", "content": question}]):  # fmt: skip
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.perf_counter()
    end = time.perf_counter()
    return ((first or end) - started) * 1000, (end - started) * 1000


def main() -> None:
    parser = report_cli.parser(__doc__)
    parser.add_argument("--streams", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from openai import OpenAI

    root, env = demo_world("api-bench-", ASSISTANT_API_KEYS=f"{KEY}:agent")
    proc, url = start_server(root, env)
    try:
        client = OpenAI(base_url=f"{url}/v1", api_key=KEY, timeout=300, max_retries=0)
        stream_once(client, QUESTION)  # warm: model loaded, index read
        cli_first, api_first = [], []
        for _ in range(args.repeats):  # interleaved so drift hits both equally
            cli_first.append(cli_first_token_ms(env))
            api_first.append(stream_once(client, QUESTION)[0])
        errors, results = 0, []
        with ThreadPoolExecutor(args.streams) as pool:
            futures = [pool.submit(stream_once, client, f"{QUESTION} (stream {i})") for i in range(args.streams)]
            for f in futures:
                try:
                    results.append(f.result(timeout=300))
                except Exception:  # any failure counts; the figure is how many
                    errors += 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    med = statistics.median
    firsts, totals = sorted(r[0] for r in results), sorted(r[1] for r in results)
    p95 = lambda xs: round(report_cli.percentile(xs, 95)) if xs else None  # noqa: E731
    report = {
        "question": QUESTION,
        "api_first_token_ms": round(med(api_first)), "cli_first_token_ms": round(med(cli_first)),
        "ratio": round(med(api_first) / med(cli_first), 2),
        "concurrent": {"streams": args.streams, "completed": len(results), "errors": errors,
                       "first_token_ms_p50": round(med(firsts)) if firsts else None, "first_token_ms_p95": p95(firsts),
                       "total_ms_p50": round(med(totals)) if totals else None, "total_ms_p95": p95(totals)},
    }  # fmt: skip
    if report_cli.save("api_latency", report, as_json=args.json):
        a, c = report, report["concurrent"]
        print(f"first token: openai client {a['api_first_token_ms']} ms vs assistant ask {a['cli_first_token_ms']} ms "
              f"= {a['ratio']}× (goal ≤ 1.1×)")
        print(f"{c['streams']} concurrent streams: {c['completed']} completed, {c['errors']} errors, first token p50 "
              f"{c['first_token_ms_p50']} ms, p95 {c['first_token_ms_p95']} ms; total p50 {c['total_ms_p50']} ms, "
              f"p95 {c['total_ms_p95']} ms")


if __name__ == "__main__":
    main()
