"""Embedded model latency: the app's backend vs. llama.cpp called directly, cold start, --help.

    python -m benchmarks.llm_latency [--repeats 5] [--json]

Measures, in one run and on the same loaded model:
- time to first token (TTFT) and generation tokens/s on a ~600-token prompt, through
  `ChatEmbedded.stream` (what the app uses) and through xllamacpp's callback directly;
  prompt caching is off so every request pays the full prompt;
- cold start of `assistant ask` (process start → first answer byte on stdout) and its peak RSS;
- wall time of `assistant --help`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from langchain_core.messages import HumanMessage

from assistant.llm.embedded import ChatEmbedded, EmbeddedRuntime, default_model_path
from benchmarks import report as report_cli

PARAGRAPH = (
    "The television's picture settings include brightness, contrast, sharpness, colour and tint. "
    "Eco mode lowers power use by dimming the backlight when the room is dark, and the sleep timer "
    "turns the set off after a chosen number of minutes. "
)
MAX_TOKENS = 64


def prompt_of(tokens: int) -> str:
    # ~45 tokens per paragraph for SmolLM2's tokenizer; the run reports the real count.
    return PARAGRAPH * max(1, tokens // 45) + "\nIn one sentence, what does eco mode do?"


def direct(runtime: EmbeddedRuntime, text: str) -> tuple[float, float, int]:
    body = {
        "messages": [{"role": "user", "content": text}],
        "max_tokens": MAX_TOKENS,
        "temperature": 0,
        "cache_prompt": False,
        "stream": True,
    }
    start = time.perf_counter()
    first: list[float] = []
    timings: dict = {}

    def on_chunk(chunk):
        chunk = json.loads(chunk) if isinstance(chunk, str) else chunk
        delta = (chunk.get("choices") or [{}])[0].get("delta") or {}
        if delta.get("content") and not first:
            first.append(time.perf_counter())
        timings.update(chunk.get("timings") or {})
        return False

    runtime._server.handle_chat_completions(body, on_chunk)
    return (first[0] - start) * 1000, timings.get("predicted_per_second", 0.0), timings.get("prompt_n", 0)


def through_backend(model: ChatEmbedded, text: str) -> tuple[float, float]:
    start = time.perf_counter()
    first = None
    pieces = 0
    for chunk in model.stream([HumanMessage(text)], cache_prompt=False):
        if chunk.text:
            pieces += 1
            if first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    return (first - start) * 1000, (pieces - 1) / (end - first) if pieces > 1 else 0.0


# Runs the real CLI, then reports its own peak RSS (VmHWM: ru_maxrss would include the parent's,
# which Linux carries across exec).
COLD = (
    "import atexit, sys; from assistant.cli import main; "
    "atexit.register(lambda: print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0], file=sys.stderr)); "
    "sys.argv = ['assistant', 'ask', sys.argv[1]]; main()"
)


def cold_start(question: str) -> tuple[float, float]:
    """Process start → first byte of the answer, and the process' peak RSS in MiB."""
    env = dict(os.environ, ASSISTANT_BACKEND="embedded", ASSISTANT_MAX_TOKENS="16")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", COLD, question], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, text=True)
    proc.stdout.read(1)
    first = time.perf_counter() - start
    _, err = proc.communicate()
    peak_kib = int(next(line for line in err.splitlines() if line.startswith("VmHWM")).split()[1])
    return first * 1000, peak_kib / 1024


def help_time() -> float:
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "--help"], capture_output=True, check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def main() -> None:
    parser = report_cli.parser(__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--prompt-tokens", type=int, default=600)
    args = parser.parse_args()

    runtime = EmbeddedRuntime(default_model_path(), threads=1, context_size=2048, parallel=1)
    model = ChatEmbedded(runtime=runtime, max_tokens=MAX_TOKENS, temperature=0)
    text = prompt_of(args.prompt_tokens)
    direct(runtime, "warm up")
    d_ttft, d_tps, b_ttft, b_tps = [], [], [], []
    prompt_tokens = 0
    for i in range(args.repeats):  # interleaved, alternating which goes first, so drift hits both equally
        for which in (("direct", "backend") if i % 2 == 0 else ("backend", "direct")):
            if which == "direct":
                t, tps, prompt_tokens = direct(runtime, text)
                d_ttft.append(t)
                d_tps.append(tps)
            else:
                t, tps = through_backend(model, text)
                b_ttft.append(t)
                b_tps.append(tps)
    cold_ms, cold_rss = cold_start("What does eco mode do?")
    med = statistics.median
    result = {
        "prompt_tokens": prompt_tokens,
        "repeats": args.repeats,
        "direct": {"ttft_ms": round(med(d_ttft), 1), "gen_tok_per_s": round(med(d_tps), 1)},
        "backend": {"ttft_ms": round(med(b_ttft), 1), "gen_tok_per_s": round(med(b_tps), 1)},
        "backend_ttft_overhead_pct": round((med(b_ttft) / med(d_ttft) - 1) * 100, 1),
        "cold_start_first_token_ms": round(cold_ms),
        "cold_start_peak_rss_mib": round(cold_rss),
        "help_ms": round(help_time()),
    }
    if not report_cli.save("llm_latency", result, as_json=args.json):
        return
    print(f"prompt: {prompt_tokens} tokens, {args.repeats} runs each, medians")
    print(f"  direct llama.cpp : TTFT {result['direct']['ttft_ms']} ms, {result['direct']['gen_tok_per_s']} tok/s")
    print(f"  app backend      : TTFT {result['backend']['ttft_ms']} ms, {result['backend']['gen_tok_per_s']} tok/s")
    print(f"  backend overhead : {result['backend_ttft_overhead_pct']}% on TTFT (goal ≤ 10%)")
    print(f"cold `assistant ask` → first token: {result['cold_start_first_token_ms']} ms, peak RSS {result['cold_start_peak_rss_mib']} MiB")
    print(f"`assistant --help`: {result['help_ms']} ms (goal ≤ 500 ms)")


if __name__ == "__main__":
    main()
