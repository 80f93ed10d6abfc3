"""The router: fine-tuned domain or hybrid retrieval for each turn, with a reason a person can read.

Signals are cheap (milliseconds, no LLM call):
- domain similarity: mean cosine of the question to its k nearest exemplars — the training
  questions on each domain's card, embedded once and cached;
- retrieval evidence: best passage cosine and BM25/dense agreement, from the one search whose
  passages the retrieval route then answers from;
- freshness: age of the matching documents (file mtime, or a date written in the passage) and
  time cues in the question ("latest", "today", a year, a version number);
- conversation: a short follow-up ("and for the Pro model?") is scored together with the
  previous question, which also becomes part of the retrieval query.

A logistic model over these signals (`assistant router fit`) gives P(fine-tuned); below the
decision threshold — including whenever it is unsure — the turn goes to retrieval.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from assistant.retrieval import Evidence

log = logging.getLogger(__name__)

FEATURES = ["domain_sim", "evidence", "agreement", "fresh", "time_cue"]
TIME_WORDS = re.compile(
    r"\b(latest|newest|today|tonight|yesterday|tomorrow|current(ly)?|now|recent(ly)?|this (week|month|year)|"
    r"new|upcoming|as of|so far|still|anymore|price|cost|release[sd]?|version|update[sd]?|20[2-3]\d)\b",
    re.IGNORECASE,
)
VERSION = re.compile(r"\b(v?\d+\.\d+(\.\d+)?|firmware \d{3,5})\b", re.IGNORECASE)
DATE_IN_TEXT = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
FOLLOW_UP = re.compile(r"^(and|what about|how about|also|same for|for the|and the|what if)\b", re.IGNORECASE)
PRONOUNS = re.compile(r"\b(it|its|this|that|they|them|those|these|one)\b", re.IGNORECASE)
FRESH_DAYS = 120


@dataclass
class Domain:
    name: str
    exemplars: np.ndarray  # (n, dim) unit vectors of the card's training questions


@dataclass
class Calibration:
    """Logistic model P(fine-tuned) = σ(w·x + b); x are FEATURES, standardised with mean/scale."""

    weights: list[float] = field(default_factory=lambda: [3.0, -3.0, -0.5, -1.0, -1.0])
    bias: float = 0.0
    mean: list[float] = field(default_factory=lambda: [0.55, 0.45, 0.5, 0.2, 0.2])
    scale: list[float] = field(default_factory=lambda: [0.15, 0.15, 0.4, 0.4, 0.4])
    threshold: float = 0.6  # above even odds: when unsure, retrieval (knowledge-injection studies favour it for facts)
    source: str = "built-in defaults"

    def probability(self, x: list[float]) -> float:
        z = self.bias + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True))
        return 1 / (1 + math.exp(-max(-50.0, min(50.0, z))))

    @classmethod
    def load(cls, path: Path) -> tuple[Calibration, str | None]:
        """The fitted calibration, or the defaults plus a warning saying why."""
        if not path.exists():
            return cls(), None
        try:
            raw = json.loads(path.read_text())
            calibration = cls(**{k: raw[k] for k in ("weights", "bias", "mean", "scale", "threshold")})
            calibration.source = str(path)
            if len(calibration.weights) != len(FEATURES):
                raise ValueError(f"expected {len(FEATURES)} weights")
            return calibration, None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            return cls(), f"router calibration {path} is unreadable ({exc}); using built-in defaults"

    def save(self, path: Path, **extra) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {k: v for k, v in asdict(self).items() if k != "source"} | {"features": FEATURES} | extra
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(path)


@dataclass
class Signals:
    domain: str | None
    domain_sim: float
    evidence: float
    agreement: float
    doc_age_days: float | None
    time_cue: float
    follow_up: bool
    query: str  # what retrieval searched for (the question, or the rewritten follow-up)
    sources: list[str] = field(default_factory=list)  # files of the top passages, best first
    passages: int = 0

    @property
    def fresh(self) -> float:
        return 1.0 if self.doc_age_days is not None and self.doc_age_days <= FRESH_DAYS else 0.0

    def vector(self) -> list[float]:
        return [self.domain_sim, self.evidence, self.agreement, self.fresh, self.time_cue]

    def to_json(self) -> dict:
        return asdict(self) | {"fresh": self.fresh}


@dataclass
class RouteDecision:
    route: str  # "finetuned" | "retrieval"
    confidence: float
    reason: str
    adapter: str | None
    signals: Signals
    probability: float
    route_ms: float = 0.0

    def to_json(self) -> dict:
        return {
            "route": self.route,
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
            "adapter": self.adapter,
            "p_finetuned": round(self.probability, 4),
            "route_ms": round(self.route_ms, 2),
            "signals": self.signals.to_json(),
        }


def rewrite_follow_up(question: str, previous: str | None) -> tuple[str, bool]:
    """A short follow-up is searched together with the previous question (no LLM call)."""
    if not previous:
        return question, False
    words = question.split()
    if FOLLOW_UP.match(question) or (len(words) <= 6 and PRONOUNS.search(question)):
        return f"{previous} {question}", True
    return question, False


def time_cue(question: str) -> float:
    return 1.0 if TIME_WORDS.search(question) or VERSION.search(question) else 0.0


def document_age_days(evidence: Evidence, now: float | None = None) -> float | None:
    """Age of the freshest strongly matching passage: a date written in it, else its file's mtime."""
    now = now or time.time()
    ages = []
    for hit in evidence.hits[:3]:
        stamp = hit.chunk.mtime or None
        dates = [date(int(y), int(m), int(d)) for y, m, d in DATE_IN_TEXT.findall(hit.chunk.text) if 1 <= int(m) <= 12 and 1 <= int(d) <= 31]
        if dates:
            newest = max(dates)
            stamp = datetime(newest.year, newest.month, newest.day, tzinfo=UTC).timestamp()
        if stamp:
            ages.append(max(0.0, (now - stamp) / 86400))
    return min(ages) if ages else None


class Router:
    def __init__(self, domains: list[Domain], embeddings, calibration: Calibration, *, k: int = 3) -> None:
        self.domains, self.embeddings, self.calibration, self.k = domains, embeddings, calibration, k

    def signals(self, question: str, evidence: Evidence, query: str, follow_up: bool, qvec: np.ndarray | None) -> Signals:
        best_name, best_sim = None, 0.0
        if self.domains:
            q = qvec if qvec is not None else self.embeddings.embed_array([query])[0]
            for d in self.domains:
                sims = d.exemplars @ q
                k = min(self.k, len(sims))
                sim = float(np.mean(np.partition(sims, -k)[-k:])) if k else 0.0
                if sim > best_sim:
                    best_name, best_sim = d.name, sim
        return Signals(
            domain=best_name,
            domain_sim=round(best_sim, 4),
            evidence=round(evidence.best_dense, 4),
            agreement=round(evidence.agreement, 3),
            doc_age_days=document_age_days(evidence),
            time_cue=time_cue(question),
            follow_up=follow_up,
            query=query,
            sources=list(dict.fromkeys(h.chunk.source for h in evidence.hits)),
            passages=len(evidence.hits),
        )

    def decide(self, signals: Signals) -> RouteDecision:
        started = time.perf_counter()
        if signals.domain is None:
            reason = "No fine-tuned domain is installed, so the knowledge base answers: " + _evidence_phrase(signals) + "."
            decision = RouteDecision("retrieval", 1.0, reason, None, signals, 0.0)
        else:
            p = self.calibration.probability(signals.vector())
            if p >= self.calibration.threshold:
                decision = RouteDecision("finetuned", p, self._reason_finetuned(signals), signals.domain, signals, p)
            else:
                decision = RouteDecision("retrieval", 1 - p, self._reason_retrieval(signals), None, signals, p)
        decision.route_ms = (time.perf_counter() - started) * 1000
        return decision

    @staticmethod
    def _reason_finetuned(s: Signals) -> str:
        return (
            f"The question closely matches what the '{s.domain}' model was trained on "
            f"(similarity {s.domain_sim:.2f}); the knowledge base matches less well ({s.evidence:.2f})."
        )

    @staticmethod
    def _reason_retrieval(s: Signals) -> str:
        parts = [_evidence_phrase(s)]
        if s.domain_sim < 0.5:
            parts.append(f"the question is unlike the '{s.domain}' model's training questions ({s.domain_sim:.2f})")
        if s.time_cue:
            parts.append("the question asks about something current")
        if s.follow_up:
            parts.append("it follows up on the previous question")
        return "Retrieval: " + "; ".join(parts) + "."


def _evidence_phrase(s: Signals) -> str:
    if not s.passages:
        return "the knowledge base has no matching passage"
    files = ", ".join(s.sources[:2]) + (f" and {len(s.sources) - 2} more" if len(s.sources) > 2 else "")
    age = ""
    if s.doc_age_days is not None and s.fresh:
        age = " (updated today)" if s.doc_age_days < 1 else f" (updated {s.doc_age_days:.0f} days ago)"
    strength = "strongly" if s.evidence >= 0.6 else "well" if s.evidence >= 0.45 else "weakly"
    return f"{s.passages} passages from {files}{age} match {strength} (best {s.evidence:.2f})"


def load_domains(adapters_dir: Path, names: list[str], embeddings, cache_dir: Path) -> list[Domain]:
    """Each domain's card exemplars as unit vectors, embedded once and cached by content."""
    from assistant.finetune.pipeline import read_card

    domains = []
    for name in names:
        card = read_card(adapters_dir / name)
        exemplars = (card or {}).get("exemplars") or []
        if not exemplars:
            log.info("domain %s has no exemplars in its card; the router cannot pick it", name)
            continue
        key = hashlib.sha256(("\n".join(exemplars) + embeddings.model_id).encode()).hexdigest()[:16]
        path = cache_dir / f"exemplars-{name}-{key}.npy"
        if path.exists():
            vectors = np.load(path)
        else:
            vectors = embeddings.embed_array(exemplars)
            cache_dir.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
        domains.append(Domain(name, vectors.astype(np.float32)))
    return domains


def fit(features: np.ndarray, labels: np.ndarray, *, l2: float = 1.0, threshold: float = 0.6) -> Calibration:
    """Logistic regression (L2) over standardised features, by scipy's L-BFGS."""
    from scipy.optimize import minimize

    mean = features.mean(axis=0)
    scale = features.std(axis=0)
    scale[scale < 1e-6] = 1.0
    x = (features - mean) / scale
    y = labels.astype(float)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        z = x @ w + b
        p = 1 / (1 + np.exp(-z))
        eps = 1e-9
        value = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + l2 * (w @ w) / (2 * len(y))
        grad_w = x.T @ (p - y) / len(y) + l2 * w / len(y)
        grad_b = np.mean(p - y)
        return value, np.append(grad_w, grad_b)

    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B")
    return Calibration(
        weights=[round(float(v), 5) for v in result.x[:-1]],
        bias=round(float(result.x[-1]), 5),
        mean=[round(float(v), 5) for v in mean],
        scale=[round(float(v), 5) for v in scale],
        threshold=threshold,
        source="fitted",
    )
