"""`assistant eval routing`: leave-one-scenario-out routing accuracy, through the product's pipeline.

For each scenario of `eval.scenarios`, every question is routed once by `TurnPipeline.route`
(its signals are kept; the decision under another policy costs microseconds). Then, for each
scenario in turn, the policy is fitted on all the *other* scenarios and scored on the left-out
one — the figure a new user's folder would see. The built-in defaults and the policy fitted on
everything (what `--save` writes to adapters/router.json) are reported beside it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.eval.scenarios import GROUNDED, Item, Scenario, builtin_scenarios, user_scenario
from assistant.eval.world import worlds
from assistant.router import Policy, Router, Signals
from assistant.settings import Settings

FINETUNED_ROUTES = frozenset({"finetuned", "finetuned+retrieval"})


@dataclass
class Observed:
    scenario: str
    item: Item
    signals: Signals
    router: Router  # carries that folder's evidence bar
    retrieve_ms: float


def observe(base: Settings, scenarios: list[Scenario], demo_knowledge: Path,
            progress: Callable | None = None) -> list[Observed]:  # fmt: skip
    out = []
    for services, asked in worlds(base, scenarios, demo_knowledge):
        pipeline = services.pipeline
        for scenario in asked:
            for n, item in enumerate(scenario.items, 1):
                routed = pipeline.route(item.question)
                e = routed.evidence
                out.append(Observed(scenario.name, item, routed.decision.signals, pipeline.router, e.embed_ms + e.search_ms))
                if progress:
                    progress(scenario.name, n, len(scenario.items))
    return out


def decide(observed: list[Observed], policy: Policy) -> list[str]:
    return [o.router.with_policy(policy).decide(o.signals).route for o in observed]


def accuracy(observed: list[Observed], routes: list[str]) -> dict:
    """Route accuracy, and how often a question that is not the domain's went to a fine-tuned model."""
    right = [r in o.item.expected for o, r in zip(observed, routes, strict=True)]
    outsiders = [(o, r) for o, r in zip(observed, routes, strict=True) if not (o.item.expected & FINETUNED_ROUTES)]
    return {
        "n": len(observed),
        "accuracy": round(float(np.mean(right)), 4) if right else None,
        "to_finetuned_wrongly": round(float(np.mean([r in FINETUNED_ROUTES for _, r in outsiders])), 4) if outsiders else None,
        "routes": dict(Counter(routes)),
    }


def fit_policy(observed: list[Observed]) -> Policy:
    """The percentiles that maximise mean per-scenario accuracy, penalising fine-tuned false accepts.

    Two guards hold whatever the labels: the evidence bar stays at or above the 95th percentile
    of general questions (the folder may answer at most 5 % of the questions it is not about), and
    the membership threshold at or above the 5th percentile of the domain's own held-out questions
    (its tail is where other products' questions live: a fold whose scenarios hold no other product
    would otherwise buy the last in-domain questions with them — leaving the Galaxy manual out
    picked the 1st percentile and sent 30 % of its questions to the TV model).
    """
    by_scenario: dict[str, list[int]] = {}
    for i, o in enumerate(observed):
        by_scenario.setdefault(o.scenario, []).append(i)
    best, best_score = Policy(), -np.inf
    for m in (5, 7, 10, 12, 15, 20, 30):
        for q in (95, 96, 97, 98, 99, 100):
            policy = Policy(float(m), float(q), "fitted")
            routes = decide(observed, policy)
            scores = []
            for idx in by_scenario.values():
                a = accuracy([observed[i] for i in idx], [routes[i] for i in idx])
                scores.append(a["accuracy"] - 5 * (a["to_finetuned_wrongly"] or 0))
            value = float(np.mean(scores)) - 1e-4 * (abs(m - 7) + abs(q - 97))  # ties → the defaults
            if value > best_score:
                best, best_score = policy, value
    return best


def run(base: Settings, demo_knowledge: Path, *, labels: Path | None = None, save_to: Path | None = None,
        progress: Callable | None = None) -> dict:  # fmt: skip
    scenarios = [user_scenario(labels)] if labels else [s for s in builtin_scenarios() if s.routed]
    observed = observe(base, scenarios, demo_knowledge, progress)
    names = [s.name for s in scenarios]
    report: dict = {"scenarios": {}, "descriptions": {s.name: s.description for s in scenarios}}
    everything = fit_policy(observed)
    for name in names:
        held = [o for o in observed if o.scenario == name]
        rest = [o for o in observed if o.scenario != name]
        row = {"defaults": accuracy(held, decide(held, Policy()))}
        if len(names) > 1:
            fitted = fit_policy(rest)
            row["left_out"] = accuracy(held, decide(held, fitted)) | {
                "policy": [fitted.membership_percentile, fitted.null_percentile]}
        report["scenarios"][name] = row
    latency = []
    for o in observed[:300]:
        started = time.perf_counter()
        o.router.decide(o.signals)
        latency.append((time.perf_counter() - started) * 1000)
    report["fitted_on_all"] = {"membership_percentile": everything.membership_percentile,
                               "null_percentile": everything.null_percentile}  # fmt: skip
    report["routing_ms"] = {"p50": round(float(np.percentile(latency, 50)), 4),
                            "p95": round(float(np.percentile(latency, 95)), 4)}  # fmt: skip
    report["retrieval_ms_p50"] = round(float(np.percentile([o.retrieve_ms for o in observed], 50)), 1)
    if save_to is not None:
        everything.save(save_to, fitted_on="assistant eval routing (all built-in scenarios)" if not labels else labels.name)
    return report


__all__ = ["GROUNDED", "accuracy", "decide", "fit_policy", "observe", "run"]


def fit_from_file(base: Settings, data: Path, progress: Callable | None = None) -> tuple[Path, dict]:
    """`assistant router fit DATA`: fit the policy on the user's labelled questions, against their
    own knowledge folder and domains, and store it in adapters/router.json."""
    from assistant.domains import ROUTER_FILE

    observed = observe(base, [user_scenario(data)], Path("."), progress)
    policy = fit_policy(observed)
    path = base.adapters_dir / ROUTER_FILE
    metrics = accuracy(observed, decide(observed, policy))
    policy.save(path, fitted_on=data.name, training_accuracy=metrics["accuracy"], examples=metrics["n"])
    return path, metrics
