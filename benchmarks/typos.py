"""Questions with a typo: does the answer still quote the right file? Spelling correction on and off.

    ./dev bench typos [--split dev|test] [--seed 23] [--json]

Each question of our scenarios that names the file answering it gets one typo, as people make them:
in its longest lower-case word of five letters or more, one letter (never the first or last) is
dropped, swapped with the next, doubled or replaced by a key beside it on the keyboard — the word,
position and kind drawn from `--seed`. Each is answered through the pipeline as quotes only
(`ASSISTANT_ANSWER_MODE=extractive`: no model, ~1 minute) with `ASSISTANT_SPELLING` on and off:
*right* = the answer cites a file (a PDF: the page) that answers the question, *not found* = the
turn said so. The typo rule was written before any figure was seen; nothing here was fitted.
"""

from __future__ import annotations

import random
import re

from assistant.eval.data import demo_knowledge_dir
from assistant.eval.scenarios import builtin_scenarios, places
from assistant.eval.world import services_for
from assistant.settings import AnswerMode, Settings
from benchmarks import report as report_cli

SCENARIOS = ("unseen_manual", "phone_manual", "tv_as_new_manual", "handbook", "mixed_formats", "dev_docs", "pdf_manual",
             "help_centre", "word_manual", "plain_text", "web_app_help", "freshqa")  # fmt: skip
KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
LONG_WORD = re.compile(r"\b[a-z]{5,}\b")


def beside(letter: str, rng: random.Random) -> str:
    """A key next to `letter` on its keyboard row."""
    for row in KEYBOARD:
        if (i := row.find(letter)) >= 0:
            return rng.choice([row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)])
    return letter


def with_typo(question: str, rng: random.Random) -> str | None:
    """`question` with one typo in its longest lower-case word, or None when it has no such word."""
    words = list(LONG_WORD.finditer(question))
    if not words:
        return None
    match = max(words, key=lambda m: len(m.group()))
    word, at = match.group(), rng.randrange(1, len(match.group()) - 1)
    typed = rng.choice((
        word[:at] + word[at + 1 :],  # dropped
        word[:at] + word[at + 1] + word[at] + word[at + 2 :],  # swapped with the next
        word[:at] + word[at] + word[at:],  # doubled
        word[:at] + beside(word[at], rng) + word[at + 1 :],  # a key beside it
    ))  # fmt: skip
    return question[: match.start()] + typed + question[match.end() :]


def measure(split: str, seed: int) -> dict:
    scenarios, out = builtin_scenarios(), {}
    for scenario in (s for s in scenarios if s.name in SCENARIOS):
        worlds = {on: services_for(Settings(spelling=on), scenario.folder, scenarios, demo_knowledge_dir(),
                                   fine_tuned=scenario.fine_tuned) for on in (False, True)}  # fmt: skip
        rng, counts = random.Random(seed), {on: {"right": 0, "not_found": 0} for on in (False, True)}
        n = corrected = 0
        for item in scenario.items:
            if item.split != split or not item.sources or (question := with_typo(item.question, rng)) is None:
                continue
            n += 1
            for on, services in worlds.items():
                result = services.pipeline.answer(question, answer_mode=AnswerMode.EXTRACTIVE).collect()
                found = result.answer_kind != "not_found"
                counts[on]["right"] += found and any(set(places(c.source, c.page)) & set(item.sources) for c in result.citations)
                counts[on]["not_found"] += not found
                corrected += on and result.question != question
        out[scenario.name] = {"n": n, "corrected": corrected} | {
            ("on" if on else "off"): {k: round(v / (n or 1), 3) for k, v in c.items()} for on, c in counts.items()}
    return out


def main() -> None:
    p = report_cli.parser(__doc__)
    p.add_argument("--split", choices=("dev", "test"), default="test")
    p.add_argument("--seed", type=int, default=23)
    args = p.parse_args()
    figures = measure(args.split, args.seed)
    if report_cli.save("typos", {"split": args.split, "seed": args.seed, "scenarios": figures}, as_json=args.json):
        print(f"{'scenario':18s} {'n':>4s} {'fixed':>5s}   right: off → on     not found: off → on")
        for name, f in figures.items():
            print(f"{name:18s} {f['n']:4d} {f['corrected']:5d}   {f['off']['right']:.3f} → {f['on']['right']:.3f}"
                  f"      {f['off']['not_found']:.3f} → {f['on']['not_found']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
