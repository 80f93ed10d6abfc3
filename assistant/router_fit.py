"""`assistant router fit`: signals for labelled questions → logistic calibration in adapters/router.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from assistant.errors import BadInput
from assistant.router import Calibration, Signals, fit

ROUTES = ("finetuned", "retrieval")


def signals_for(services, questions: list[str]) -> list[Signals]:
    router, searcher, k = services.router, services.searcher, services.settings.passages
    out = []
    for q in questions:
        evidence = searcher.search(q, k)
        out.append(router.signals(q, evidence, q, False, evidence.vector))
    return out


def fit_signals(signals: list[Signals], labels: list[str]) -> tuple[Calibration, dict]:
    x = np.array([s.vector() for s in signals], dtype=float)
    y = np.array([label == "finetuned" for label in labels])
    if y.all() or not y.any():
        raise BadInput("router fit needs examples of both routes", "label some questions finetuned and some retrieval")
    calibration = fit(x, y)
    predicted = np.array([calibration.probability(list(v)) >= calibration.threshold for v in x])
    return calibration, {"examples": len(y), "accuracy": float((predicted == y).mean())}


def fit_from_file(services, data: Path) -> tuple[Path, dict]:
    questions, labels = [], []
    for n, line in enumerate(data.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            question, route = record["question"], record["route"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise BadInput(f"{data.name} line {n}: expected {{\"question\": ..., \"route\": ...}}", "") from None
        if route not in ROUTES:
            raise BadInput(f"{data.name} line {n}: route must be one of {ROUTES}, not {route!r}", "")
        questions.append(question)
        labels.append(route)
    calibration, metrics = fit_signals(signals_for(services, questions), labels)
    path = services.settings.adapters_dir / "router.json"
    calibration.save(path, fitted_on=data.name, **metrics)
    return path, metrics
