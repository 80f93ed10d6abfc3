"""Fine-tuned domains on disk — `adapters/NAME/{adapter.gguf, card.json}` — read into typed cards.

The card is the domain's contract with the router: its exemplars (training questions), how far the
adapter beats the base model on held-out questions (competence), and the statistics that say
whether a question belongs to the domain (membership). A card without the newer statistics still
loads: the domain stays usable with `/ft`, but the router does not choose it on its own, and
says why.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from assistant.fingerprint import Fingerprint

log = logging.getLogger(__name__)

ADAPTER_FILE = "adapter.gguf"
CARD_FILE = "card.json"
ROUTER_FILE = "router.json"  # the router's policy, stored with the adapters

# An adapter is routed to automatically only if it clearly beats its base model on held-out
# questions of its own domain: by MIN_GAIN token F1 and by MIN_RATIO times.
MIN_GAIN = 0.05
MIN_RATIO = 1.25


@dataclass(frozen=True)
class Competence:
    questions: int
    f1_base: float
    f1_finetuned: float

    @property
    def earned(self) -> bool:
        return self.f1_finetuned >= self.f1_base + MIN_GAIN and self.f1_finetuned >= MIN_RATIO * self.f1_base

    def verdict(self) -> str:
        figures = f"held-out F1 {self.f1_finetuned:.2f} vs base {self.f1_base:.2f} on {self.questions} questions"
        if self.earned:
            return f"beats the base model ({figures})"
        return f"does not clearly beat the base model ({figures}), so it is used only when you choose it"


@dataclass(frozen=True)
class Membership:
    """How close the domain's own held-out questions come to its exemplars, as quantiles.

    `similarity[i]` / `coverage[i]` are the i-th percentiles (i = 0..50) of in-domain questions'
    mean top-k cosine to the exemplars and of the share of their content words the domain's
    vocabulary knows. A threshold at percentile q admits about (100 − q) % of in-domain questions.
    """

    k: int
    similarity: list[float]
    coverage: list[float]
    vocabulary: frozenset[str]
    in_domain_recall: float | None = None  # at the default percentile, on held-out in-domain questions
    false_accept: float | None = None  # at the default percentile, on general out-of-domain questions

    def thresholds(self, percentile: float) -> tuple[float, float]:
        i = max(0, min(len(self.similarity) - 1, round(percentile)))
        return self.similarity[i], self.coverage[i]

    def to_json(self) -> dict:
        return {
            "k": self.k, "similarity": self.similarity, "coverage": self.coverage,
            "vocabulary": sorted(self.vocabulary), "in_domain_recall": self.in_domain_recall,
            "false_accept": self.false_accept,
        }  # fmt: skip

    @classmethod
    def from_json(cls, raw: dict) -> Membership:
        sim, cov = [float(v) for v in raw["similarity"]], [float(v) for v in raw["coverage"]]
        if not sim or len(sim) != len(cov):
            raise ValueError("membership quantiles are empty or of different lengths")
        return cls(int(raw.get("k", 3)), sim, cov, frozenset(raw.get("vocabulary", [])),
                   raw.get("in_domain_recall"), raw.get("false_accept"))  # fmt: skip


@dataclass(frozen=True)
class DomainCard:
    name: str
    path: Path
    description: str = ""
    exemplars: list[str] = field(default_factory=list)
    system_prompt: str | None = None
    competence: Competence | None = None
    membership: Membership | None = None
    fingerprint: Fingerprint | None = None  # of its training answers: which passages are its own documents
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def adapter(self) -> Path:
        return self.path / ADAPTER_FILE

    def why_not_routed(self) -> str | None:
        """None when the router may pick this domain by itself; else the reason it does not."""
        if not self.exemplars:
            return "its card lists no exemplar questions"
        if self.membership is None:
            return "its card predates domain-membership statistics (rebuild it with `assistant finetune`)"
        if self.competence is None:
            return "its card has no held-out check against the base model"
        if not self.competence.earned:
            return "it " + self.competence.verdict()
        return None


def _competence(metrics: dict) -> Competence | None:
    check = metrics.get("heldout_check") or {}
    try:
        return Competence(int(check["questions"]), float(check["token_f1_base"]), float(check["token_f1_finetuned"]))
    except (KeyError, TypeError, ValueError):
        return None


def read_card(domain_dir: Path) -> tuple[DomainCard | None, str | None]:
    """The typed card, or None and a warning saying what is wrong with it."""
    path = domain_dir / CARD_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
        exemplars = [e for e in raw.get("exemplars") or [] if isinstance(e, str) and e.strip()]
        membership = Membership.from_json(raw["membership"]) if raw.get("membership") else None
        fingerprint = Fingerprint.from_json(raw["fingerprint"]) if raw.get("fingerprint") else None
    except FileNotFoundError:
        return None, f"domain '{domain_dir.name}' has no {CARD_FILE}; the router cannot pick it"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"domain '{domain_dir.name}': {CARD_FILE} is unreadable ({exc}); the router cannot pick it"
    card = DomainCard(
        name=domain_dir.name, path=domain_dir, description=str(raw.get("description", "")), exemplars=exemplars,
        system_prompt=raw.get("system_prompt"), competence=_competence(raw.get("metrics") or {}),
        membership=membership, fingerprint=fingerprint, raw=raw,
    )  # fmt: skip
    reason = card.why_not_routed()
    return card, (f"domain '{card.name}' is not routed to automatically: {reason}" if reason else None)


def discover(adapters_dir: Path) -> list[tuple[str, Path]]:
    """Fine-tuned domains on disk: `adapters/NAME/adapter.gguf`, sorted so ids are stable."""
    if not adapters_dir.is_dir():
        return []
    return [(d.name, d / ADAPTER_FILE) for d in sorted(adapters_dir.iterdir()) if (d / ADAPTER_FILE).is_file()]


def load_cards(adapters_dir: Path) -> tuple[list[DomainCard], list[str]]:
    """The readable cards, and a warning for each card that could not be read. Why a readable
    domain is not routed to is no warning: `assistant models` and each route's reason say it."""
    cards, warnings = [], []
    for name, _ in discover(adapters_dir):
        card, warning = read_card(adapters_dir / name)
        if card is None:
            warnings.append(warning)
        else:
            cards.append(card)
            if warning:
                log.info(warning)
    return cards, warnings
