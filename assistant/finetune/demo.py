"""Train the demo domain shipped in `adapters/tv-manual/` from ../shared/eval/tv-manual.

    python -m assistant.finetune.demo [--steps 100] [--threads 2]

The split is fixed (`data.tv_manual_split`) and recorded in the card: the router's exemplars
are the training questions; evaluation uses the held-out paraphrases and held-out sections.
"""

from __future__ import annotations

import argparse
import json
import sys

from assistant.eval.data import eval_dir, read_jsonl
from assistant.finetune.data import Example, tv_manual_split
from assistant.finetune.pipeline import run_finetune
from assistant.finetune.train import TrainConfig
from assistant.settings import Settings
from assistant.turn import FINETUNED_SYSTEM


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--max-length", type=int, default=192, help="tokens per example (longer answers are cut)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--check", type=int, default=16, help="held-out paraphrases answered through llama.cpp")
    args = parser.parse_args()
    settings = Settings()
    split = tv_manual_split(read_jsonl(eval_dir() / "tv-manual" / "qa.jsonl"))
    examples = [Example(" ".join(q["question"].split()), q["answer"].strip()) for q in split["train"]]
    seen, unique = set(), []
    for e in examples:
        if e.question.lower() not in seen:
            seen.add(e.question.lower())
            unique.append(e)
    data_path = settings.data_dir / "tv-manual-train.jsonl"
    data_path.parent.mkdir(parents=True, exist_ok=True)
    data_path.write_text("".join(json.dumps({"question": e.question, "answer": e.answer}) + "\n" for e in unique))
    check = [Example(q["question"], q["answer"]) for q in split["test_paraphrased"][: args.check]]

    from tqdm import tqdm

    from assistant.llm.embedded import default_model_path

    bar = tqdm(total=args.steps, unit="step", desc="training", file=sys.stderr)

    def on_step(info):
        bar.n = info.step
        bar.set_postfix_str(f"loss {info.loss:.3f}" + (f" held-out {info.eval_loss:.3f}" if info.eval_loss else ""))

    result = run_finetune(
        unique, name="tv-manual", adapters_dir=settings.adapters_dir, base=default_model_path(),
        system=FINETUNED_SYSTEM, config=TrainConfig(steps=args.steps, threads=args.threads, max_length=args.max_length), data_path=data_path,
        description="Samsung Smart TV e-manual expert Q/A (E-Manual QA, Nandy et al. 2021): stable product knowledge",
        check_questions=check, on_step=on_step, on_phase=lambda m: tqdm.write(m, file=sys.stderr),
    )  # fmt: skip
    bar.close()
    card_path = result.path / "card.json"
    card = json.loads(card_path.read_text())
    card["split"] = {
        "rule": "assistant.finetune.data.tv_manual_split",
        "train": len(split["train"]),
        "test_paraphrased": len(split["test_paraphrased"]),
        "test_sections": len(split["test_sections"]),
        "held_out_sections": split["held_out_sections"],
    }
    card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False))
    print(json.dumps(card["metrics"], indent=1))


if __name__ == "__main__":
    main()
