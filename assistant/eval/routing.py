"""`assistant eval routing`: routing accuracy on the mixed set, then answers end to end.

The router is fitted on the dev half and reported on the test half (never tuned on). Routing
latency is the decision alone (signals from the retrieval call are computed once and shared with
the answer); retrieval time is reported beside it. The end-to-end comparison answers a sample of
test questions always with the fine-tuned model, always with retrieval, and as the router
decides, reusing the answers cached by `assistant eval answers`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

from assistant.eval.answers import AnswerBank, prepare, score
from assistant.eval.mixed import Question
from assistant.router import FEATURES, Calibration, Router
from assistant.router_fit import fit_signals
from assistant.settings import Settings

ROUTES = ("finetuned", "retrieval")


def classification(expected: list[str], predicted: list[str]) -> dict:
    confusion = Counter(zip(expected, predicted, strict=True))
    out = {
        "accuracy": round(sum(e == p for e, p in zip(expected, predicted, strict=True)) / len(expected), 4),
        "confusion": {f"{e}→{p}": confusion[(e, p)] for e in ROUTES for p in ROUTES},
    }
    for r in ROUTES:
        tp = confusion[(r, r)]
        predicted_r = sum(confusion[(e, r)] for e in ROUTES)
        actual_r = sum(confusion[(r, p)] for p in ROUTES)
        out[r] = {
            "precision": round(tp / predicted_r, 4) if predicted_r else None,
            "recall": round(tp / actual_r, 4) if actual_r else None,
            "n": actual_r,
        }
    return out


def run(
    base: Settings,
    demo_knowledge: Path,
    *,
    e2e_per_source: int = 20,
    save_to: Path | None = None,
    progress: Callable | None = None,
) -> dict:
    services, items = prepare(base, demo_knowledge)
    router: Router = services.router
    if not router.domains:
        from assistant.errors import AssistantError

        raise AssistantError("no fine-tuned domain with exemplars in adapters/", "run `python -m assistant.finetune.demo`")
    signals, retrieve_ms = [], []
    for i, q in enumerate(items):
        evidence = services.searcher.search(q.text, services.settings.passages)
        retrieve_ms.append(evidence.embed_ms + evidence.search_ms)
        signals.append(router.signals(q.text, evidence, q.text, False, evidence.vector))
        if progress:
            progress(i + 1, len(items))
    dev = [i for i, q in enumerate(items) if q.split == "dev"]
    test = [i for i, q in enumerate(items) if q.split == "test"]
    calibration, fit_metrics = fit_signals([signals[i] for i in dev], [items[i].route for i in dev])

    def evaluate(cal: Calibration) -> tuple[dict, list[str], list[float]]:
        routed = Router(router.domains, router.embeddings, cal)
        predicted, latency = [], []
        for i in test:
            started = time.perf_counter()
            predicted.append(routed.decide(signals[i]).route)
            latency.append((time.perf_counter() - started) * 1000)
        return classification([items[i].route for i in test], predicted), predicted, latency

    fitted, predicted, latency = evaluate(calibration)
    defaults, _, _ = evaluate(Calibration())
    by_source = {}
    for source in sorted({items[i].source for i in test}):
        idx = [k for k, i in enumerate(test) if items[i].source == source]
        by_source[source] = round(sum(predicted[k] == items[test[k]].route for k in idx) / len(idx), 4)
    if save_to is not None:
        calibration.save(save_to, fitted_on="assistant eval routing (dev half of the mixed set)", **fit_metrics)

    report = {
        "questions": {"dev": len(dev), "test": len(test), "by_source": dict(Counter(q.source for q in items))},
        "test_fitted": fitted | {"accuracy_by_source": by_source},
        "test_builtin_defaults": defaults,
        "calibration": {"weights": calibration.weights, "bias": calibration.bias, "features": FEATURES},
        "routing_ms": {"p50": round(float(np.percentile(latency, 50)), 3), "p95": round(float(np.percentile(latency, 95)), 3)},
        "retrieval_ms": {"p50": round(float(np.percentile(retrieve_ms, 50)), 1),
                         "p95": round(float(np.percentile(retrieve_ms, 95)), 1)},
    }  # fmt: skip
    report["not_found_threshold"] = calibrate_not_found(items, signals, dev, test)
    if e2e_per_source:
        report["end_to_end"] = end_to_end(services, items, test, predicted, e2e_per_source)
    return report


def calibrate_not_found(items: list[Question], signals, dev: list[int], test: list[int]) -> dict:
    """The weak-evidence bar (ASSISTANT_MIN_EVIDENCE): best dev accuracy at separating questions the
    knowledge folder answers (FreshQA, page indexed) from ones it cannot (CLINC out-of-scope)."""

    def pairs(idx):
        return [(signals[i].evidence, items[i].source == "freshqa") for i in idx if items[i].source != "tv-manual"]

    def accuracy(data, t):
        return sum((e >= t) == answerable for e, answerable in data) / len(data)

    dev_pairs, test_pairs = pairs(dev), pairs(test)
    candidates = np.round(np.arange(0.20, 0.80, 0.01), 2)
    best = max(candidates, key=lambda t: (accuracy(dev_pairs, t), -abs(t - 0.5)))
    return {
        "threshold": float(best),
        "dev_accuracy": round(accuracy(dev_pairs, best), 4),
        "test_accuracy": round(accuracy(test_pairs, best), 4),
        "test_answerable_recall": round(
            sum(e >= best for e, a in test_pairs if a) / max(1, sum(a for _, a in test_pairs)), 4),
        "test_unanswerable_recall": round(
            sum(e < best for e, a in test_pairs if not a) / max(1, sum(not a for _, a in test_pairs)), 4),
    }  # fmt: skip


def end_to_end(services, items: list[Question], test: list[int], predicted: list[str], per_source: int) -> dict:
    bank = AnswerBank(services, services.settings.data_dir / "cache" / "answers.jsonl")
    sample: dict[str, list[tuple[Question, str]]] = {}
    for k, i in enumerate(test):
        q = items[i]
        if len(sample.setdefault(q.source, [])) < per_source:
            sample[q.source].append((q, predicted[k]))

    class Routed:
        """Answers as the router chose: the fine-tuned or the retrieval answer of the bank."""

        def __init__(self, choice: dict[str, str]) -> None:
            self.choice = choice

        def get(self, mode: str, question: str):
            return bank.get(self.choice[question], question)

    routed = Routed({q.text: ("finetuned" if route == "finetuned" else "retrieval") for qs in sample.values() for q, route in qs})
    out: dict[str, dict] = {}
    for name, source_bank, mode in (
        ("always_finetuned", bank, "finetuned"),
        ("always_retrieval", bank, "retrieval"),
        ("router", routed, "router"),
    ):
        out[name] = {source: score([q for q, _ in qs], source_bank, mode) for source, qs in sample.items()}
    return out
