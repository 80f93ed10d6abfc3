"""Train the demo domain shipped in `adapters/tv-manual/` from the repository's eval-data/tv-manual.

    python -m assistant.finetune.demo --device cuda          # the shipped recipe: minutes on a GPU
    python -m assistant.finetune.demo --from-weights DIR     # package weights trained elsewhere

The defaults are the recipe the dev set picked (scripts/train_demo_sweep.py); on CPU the same
1800 steps at batch 16 take about a day, so a CPU run wants fewer steps (e.g. --steps 300
--batch-size 8, several hours, far weaker). The split is fixed (`data.tv_manual_split`) and
recorded in the card. Training sees each trained fact under several phrasings plus the manual's
own sections (held-out sections excluded); a quarter of the held-out paraphrases picks the
checkpoint by answer F1, the rest are reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.finetune.pipeline import TrainingData, fingerprint_for, membership_for, package_adapter, run_finetune
from assistant.finetune.train import TrainConfig
from assistant.finetune.tv_manual import demo_data, unique_examples
from assistant.prompts import FINETUNED_SYSTEM
from assistant.settings import Settings

DESCRIPTION = "Samsung Smart TV e-manual expert Q/A (E-Manual QA, Nandy et al. 2021): stable product knowledge"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1800)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--rank", type=int, default=32)
    parser.add_argument("--variants", type=int, default=3, help="rewrites of each training question")
    parser.add_argument("--max-length", type=int, default=192, help="tokens per example (longer answers are cut)")
    parser.add_argument("--eval-every", type=int, default=150)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--check", type=int, default=24, help="test paraphrases answered through llama.cpp")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument("--from-weights", type=Path, metavar="DIR",
                        help="package weights trained elsewhere (scripts/train_demo_sweep.py's output) instead of training")  # fmt: skip
    parser.add_argument("--card-only", action="store_true", help="recompute the shipped card's membership statistics and fingerprint")
    parser.add_argument("--checks-only", action="store_true",
                        help="recompute the shipped card's llama.cpp checks (trained facts, unseen sections)")  # fmt: skip
    args = parser.parse_args()
    settings = Settings()
    train, dev, test, split = demo_data(args.variants)
    exemplars = unique_examples(split["train"])
    unseen = unique_examples(split["test_sections"])
    if args.checks_only:
        card_path = settings.adapters_dir / "tv-manual" / "card.json"
        card = json.loads(card_path.read_text())
        card["metrics"]["heldout_check"] = _check(card_path.parent, test[: args.check])
        card["metrics"]["unseen_sections_check"] = _check(card_path.parent, unseen[: args.check])
        card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False))
        print(json.dumps({k: card["metrics"][k] for k in ("heldout_check", "unseen_sections_check")}, indent=1))
        return
    if args.card_only:
        card_path = settings.adapters_dir / "tv-manual" / "card.json"
        card = json.loads(card_path.read_text())
        card["exemplars"] = [e.question for e in exemplars]
        card["membership"] = membership_for(exemplars, dev).to_json()
        card["fingerprint"] = fingerprint_for(exemplars).to_json()
        card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False))
        print(json.dumps({k: card["membership"][k] for k in ("in_domain_recall", "false_accept")}))
        return
    data_path = settings.data_dir / "tv-manual-train.jsonl"
    data_path.parent.mkdir(parents=True, exist_ok=True)
    data_path.write_text("".join(json.dumps({"question": e.question, "answer": e.answer}) + "\n" for e in train))

    from tqdm import tqdm

    from assistant.llm.embedded import default_model_path

    on_phase = lambda m: tqdm.write(m, file=sys.stderr)  # noqa: E731
    if args.from_weights:
        from assistant.finetune.train import load_base, load_weights

        on_phase(f"packaging the weights in {args.from_weights}")
        model, _ = load_base(default_model_path())
        peft_model, report, config = load_weights(model, args.from_weights)
        result = package_adapter(
            peft_model, report, config, name="tv-manual", adapters_dir=settings.adapters_dir, base=default_model_path(),
            system=FINETUNED_SYSTEM, data=TrainingData(data_path, train, train, dev, exemplars), description=DESCRIPTION,
            check_questions=test[: args.check], on_phase=on_phase,
        )  # fmt: skip
        search = args.from_weights / "sweep.json"
        extra = {"recipe_search": json.loads(search.read_text())} if search.exists() else {}
    else:
        bar = tqdm(total=args.steps, unit="step", desc="training", file=sys.stderr)

        def on_step(info):
            bar.n = info.step
            bar.set_postfix_str(f"loss {info.loss:.3f}" + (f" held-out {info.eval_loss:.3f}" if info.eval_loss else ""))

        config = TrainConfig(
            steps=args.steps, batch_size=args.batch_size, learning_rate=args.lr, threads=args.threads,
            rank=args.rank, alpha=2.0 * args.rank, max_length=args.max_length, eval_every=args.eval_every,
            patience=args.patience, device=args.device, warmup=max(10, args.steps // 20),
        )  # fmt: skip
        result = run_finetune(
            train, name="tv-manual", adapters_dir=settings.adapters_dir, base=default_model_path(),
            system=FINETUNED_SYSTEM, config=config, data_path=data_path, early_stop=dev, score_early_stop=True,
            description=DESCRIPTION, check_questions=test[: args.check], resume=args.resume, on_step=on_step,
            on_phase=on_phase, exemplars=[e.question for e in exemplars],
        )  # fmt: skip
        bar.close()
        extra = {}
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
    card.update(extra)
    card["metrics"]["unseen_sections_check"] = _check(result.path, unseen[: args.check])  # heldout_check: packaging
    card_path.write_text(json.dumps(card, indent=1, ensure_ascii=False))
    print(json.dumps(card["metrics"], indent=1))


def _check(folder: Path, questions: list) -> dict:
    """The adapter in `folder` against the base through llama.cpp: on paraphrases of trained facts
    (what the router's competence gate reads) or on held-out sections (what it cannot know)."""
    from assistant.finetune.pipeline import check_through_llama_cpp
    from assistant.llm.embedded import default_model_path

    return check_through_llama_cpp(default_model_path(), folder / "adapter.gguf", "tv-manual", questions, FINETUNED_SYSTEM)


if __name__ == "__main__":
    main()
