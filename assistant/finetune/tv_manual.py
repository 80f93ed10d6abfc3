"""The demo domain's data: the TV e-manual (eval-data/tv-manual) cut by `data.tv_manual_split`.

Kept apart from the demo's entry point so that training on another machine (a lent GPU with
torch but without the app's runtime) needs only this, `augment` and `train`.
"""

from __future__ import annotations

from assistant.eval.data import eval_dir, read_jsonl
from assistant.finetune.augment import Section, augment
from assistant.finetune.data import Example, tv_manual_split


def unique_examples(rows: list[dict]) -> list[Example]:
    """Questions with whitespace normalised, first occurrence kept (the set repeats some)."""
    seen, unique = set(), []
    for q in rows:
        e = Example(" ".join(q["question"].split()), q["answer"].strip())
        if e.question.lower() not in seen:
            seen.add(e.question.lower())
            unique.append(e)
    return unique


def demo_data(variants: int = 3) -> tuple[list[Example], list[Example], list[Example], dict]:
    """(training examples with augmentation, dev paraphrases, test paraphrases, split)."""
    root = eval_dir() / "tv-manual"
    split = tv_manual_split(read_jsonl(root / "qa.jsonl"))
    held_titles = {path.split(">")[-1].strip().lower() for path in split["held_out_sections"]}
    sections = [
        Section(s["title"], s["text"])
        for s in read_jsonl(root / "sections.jsonl")
        if s["title"].strip().lower() not in held_titles
    ]
    train = augment(unique_examples(split["train"]), variants=variants, sections=sections)
    dev = [Example(q["question"], q["answer"]) for q in split["dev_paraphrased"]]
    test = [Example(q["question"], q["answer"]) for q in split["test_paraphrased"]]
    return train, dev, test, split
