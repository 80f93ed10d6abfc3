"""Train the demo domain's LoRA under several recipes at once on a GPU; keep the one the dev set picks.

How `adapters/tv-manual` was made when a GPU was lent (see adapters/README.md). Needs only torch,
transformers, peft, gguf and this repository's `assistant.finetune` (not the app's runtime), so it
runs on a bare GPU machine:

    python scripts/train_demo_sweep.py --base SmolLM2-135M-Instruct.Q4_1.gguf --out OUT [--smoke]

Each recipe runs in its own process (a 135M model leaves a GPU mostly idle). The winner is chosen
by answer F1 on the dev paraphrases only; the test paraphrases' F1 is written beside it for the
report and never used to choose. The winner's weights land in OUT as `train.save_weights` shards;
package them here with `python -m assistant.finetune.demo --from-weights OUT`.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing as mp
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path
from queue import Empty

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.finetune.train import TrainConfig, heldout_f1, load_base, save_weights, train  # noqa: E402
from assistant.finetune.tv_manual import demo_data  # noqa: E402
from assistant.prompts import FINETUNED_SYSTEM  # noqa: E402

RECIPES = {
    "lr1e-3_b8": dict(learning_rate=1e-3, batch_size=8, steps=2400),
    "lr5e-4_b8": dict(learning_rate=5e-4, batch_size=8, steps=3000),
    "lr2e-3_b16": dict(learning_rate=2e-3, batch_size=16, steps=1500),
    "lr1e-3_b16_r32": dict(learning_rate=1e-3, batch_size=16, steps=1800, rank=32, alpha=64.0),
}


def run_one(name: str, recipe: dict, args, queue) -> None:
    train_set, dev, test, _ = demo_data(args.variants)
    if args.smoke:
        dev, test = dev[:4], test[:4]
    config = TrainConfig(
        device=args.device, max_length=192, eval_every=args.eval_every, patience=args.patience,
        warmup=max(10, recipe["steps"] // 20), threads=2, **recipe,
    )  # fmt: skip
    if args.smoke:
        config.steps, config.eval_every, config.warmup = 2, 1, 1
    model, tokenizer = load_base(args.base)
    started = time.perf_counter()
    peft_model, report = train(
        copy.deepcopy(model), tokenizer, train_set, dev, system=FINETUNED_SYSTEM, config=config,
        checkpoint_dir=args.work / name / "checkpoint", scorer=lambda m: heldout_f1(m, tokenizer, FINETUNED_SYSTEM, dev),
        on_step=lambda i: i.eval_loss is not None and print(
            f"{name} step {i.step}/{i.total} held-out loss {i.eval_loss:.3f} ({i.seconds_per_step:.2f} s/step)", flush=True
        ),
    )  # fmt: skip
    peft_model.to(config.device if config.device != "auto" else "cpu")
    test_f1 = heldout_f1(peft_model, tokenizer, FINETUNED_SYSTEM, test)
    save_weights(peft_model, report, config, args.work / name / "weights")
    queue.put(
        {
            "recipe": name, "config": asdict(config), "best_step": report.best_step, "steps": report.steps_done,
            "dev_f1": report.best_eval_f1, "test_f1": round(test_f1, 4), "eval_f1": report.eval_f1,
            "eval_loss": report.eval_loss, "seconds": round(time.perf_counter() - started),
        }
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=Path, required=True, help="the base GGUF (SmolLM2-135M-Instruct.Q4_1.gguf)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sweep"))
    parser.add_argument("--device", default="cuda", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--recipes", default=",".join(RECIPES), help="comma-separated names from RECIPES")
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--eval-every", type=int, default=150)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="2 steps, 4 questions: check the plumbing")
    args = parser.parse_args()
    names = args.recipes.split(",")
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=run_one, args=(n, RECIPES[n], args, queue)) for n in names]
    for p in procs:
        p.start()
    results = []
    while len(results) < len(procs):
        try:
            results.append(queue.get(timeout=5))
        except Empty:
            if not any(p.is_alive() for p in procs) and queue.empty():
                break  # a recipe died (its traceback is above); judge the rest
            continue
        print(json.dumps({k: results[-1][k] for k in ("recipe", "best_step", "dev_f1", "test_f1", "seconds")}), flush=True)
    for p in procs:
        p.join()
    if not results:
        sys.exit("every recipe failed")
    winner = max(results, key=lambda r: r["dev_f1"] or 0.0)
    args.out.mkdir(parents=True, exist_ok=True)
    for f in (args.work / winner["recipe"] / "weights").iterdir():
        shutil.copy(f, args.out / f.name)
    (args.out / "sweep.json").write_text(json.dumps({"winner": winner["recipe"], "runs": results}, indent=1))
    print("winner (by dev F1):", winner["recipe"])


if __name__ == "__main__":
    main()
