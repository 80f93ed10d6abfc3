"""What every benchmark does with its figures: keep them in benchmarks/results/NAME.json."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def parser(doc: str | None) -> argparse.ArgumentParser:
    """The common command line: the module's docstring as help, and --json."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    return p


def save(name: str, report: dict, *, as_json: bool) -> bool:
    """Write the figures; print them when --json. True when the caller should print its summary."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2))
    if as_json:
        print(json.dumps(report, indent=2))
    return not as_json


def percentile(values, q: float) -> float | None:
    """Nearest-rank percentile (the value at rank ceil(q/100 · n)); None for no values."""
    import math

    xs = sorted(values)
    return xs[max(0, math.ceil(q / 100 * len(xs)) - 1)] if xs else None
