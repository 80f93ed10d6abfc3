"""Train the demo domain shipped in `adapters/tv-manual/` from the repository's eval-data/tv-manual.

    python -m assistant.finetune.demo [--steps 600] [--batch-size 8] [--device auto] [--threads 2]

The split is fixed (`data.tv_manual_split`) and recorded in the card. Training sees each trained
fact under several phrasings plus the manual's own sections (held-out sections excluded); a
quarter of the held-out paraphrases picks the checkpoint by answer F1, the rest are reported.
"""

from __future__ import annotations

import argparse
import json
import sys

from assistant.eval.data import eval_dir, read_jsonl
from assistant.finetune.augment import Section, augment
from assistant.finetune.data import Example, tv_manual_split
from assistant.finetune.pipeline import membership_for, run_finetune
from assistant.finetune.train import TrainConfig
from assistant.prompts import FINETUNED_SYSTEM
from assistant.settings import Settings


def _examples(rows: list[dict]) -> list[Example]:
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
    train = augment(_examples(split["train"]), variants=variants, sections=sections)
    dev = [Example(q["question"], q["answer"]) for q in split["dev_paraphrased"]]
    test = [Example(q["question"], q["answer"]) for q in split["test_paraphrased"]]
    return train, dev, test, split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--variants", type=int, default=3, help="rewrites of each training question")
    parser.add_argument("--max-length", type=int, default=192, help="tokens per example (longer answers are cut)")
    parser.add_argument("--eval-every", type=int, default=25)
    parser.add_argument("--patience", type=int, default=6)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--check", type=int, default=24, help="test paraphrases answered through llama.cpp")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--card-only", action="store_true", help="recompute the shipped card's membership statistics")
    args = parser.parse_args()
    settings = Settings()
    train, dev, test, split = demo_data(args.variants)
    if args.card_only:
        card_path = settings.adapters_dir / "tv-manual" / "card.json"
        card = json.loads(card_path.read_text())
        originals = _examples(split["train"])
        card["exemplars"] = [e.question for e in originals]
        card["membership"] = membership_for(originals, dev).to_json()
        card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False))
        print(json.dumps({k: card["membership"][k] for k in ("in_domain_recall", "false_accept")}))
        return
    data_path = settings.data_dir / "tv-manual-train.jsonl"
    data_path.parent.mkdir(parents=True, exist_ok=True)
    data_path.write_text("".join(json.dumps({"question": e.question, "answer": e.answer}) + "\n" for e in train))

    from tqdm import tqdm

    from assistant.llm.embedded import default_model_path

    bar = tqdm(total=args.steps, unit="step", desc="training", file=sys.stderr)

    def on_step(info):
        bar.n = info.step
        bar.set_postfix_str(f"loss {info.loss:.3f}" + (f" held-out {info.eval_loss:.3f}" if info.eval_loss else ""))

    config = TrainConfig(
        steps=args.steps, batch_size=args.batch_size, learning_rate=args.lr, threads=args.threads,
        max_length=args.max_length, eval_every=args.eval_every, patience=args.patience, device=args.device,
        warmup=max(10, args.steps // 20),
    )  # fmt: skip
    result = run_finetune(
        train, name="tv-manual", adapters_dir=settings.adapters_dir, base=default_model_path(),
        system=FINETUNED_SYSTEM, config=config, data_path=data_path, early_stop=dev, score_early_stop=True,
        description="Samsung Smart TV e-manual expert Q/A (E-Manual QA, Nandy et al. 2021): stable product knowledge",
        check_questions=test[: args.check], resume=args.resume, on_step=on_step,
        on_phase=lambda m: tqdm.write(m, file=sys.stderr),
        exemplars=[e.question for e in _examples(split["train"])],
    )  # fmt: skip
    bar.close()
    card_path = result.path / "card.json"
    card = json.loads(card_path.read_text())
    card["split"] = {
        "rule": "assistant.finetune.data.tv_manual_split",
        "train": len(split["train"]),
        "dev_paraphrased": len(split["dev_paraphrased"]),
        "test_paraphrased": len(split["test_paraphrased"]),
        "test_sections": len(split["test_sections"]),
        "held_out_sections": split["held_out_sections"],
        "augmentation": f"{args.variants} rewrites per question + manual sections outside the held-out ones",
    }
    card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False))
    print(json.dumps(card["metrics"], indent=1))


if __name__ == "__main__":
    main()
