"""Run the benchmarks: `./dev bench` (all) or `./dev bench NAME [ARGS]`."""

import runpy
import sys

BENCHMARKS = ["llm_latency", "retrieval_speed", "ingest_speed", "chat_latency", "api_latency"]

names = sys.argv[1:2] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else BENCHMARKS
sys.argv = [sys.argv[0], *sys.argv[2:]] if len(sys.argv) > 1 and names == sys.argv[1:2] else sys.argv
for name in names:
    print(f"== {name}", flush=True)
    runpy.run_module(f"benchmarks.{name}", run_name="__main__")
