"""LoRA fine-tuning with peft on the embedded base model (SmolLM2-135M-Instruct), on CPU.

Trains on the same base the embedded runtime serves (transformers loads the GGUF dequantized),
so the exported adapter applies to the model already in memory. Prompts use the same system
message as the fine-tuned route, and the loss covers answer tokens only. The best adapter by
held-out loss is kept (held-out accuracy wobbles between steps); training can be interrupted and
resumed from its checkpoint.

Needs the optional extra: `pip install -e '.[finetune]'` (torch 2.13.0 CPU build).
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.errors import AssistantError
from assistant.finetune.data import Example

log = logging.getLogger(__name__)
TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def require_torch():
    try:
        import peft  # noqa: F401
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:
        raise AssistantError(
            f"fine-tuning needs torch, transformers and peft ({exc.name} is missing)",
            "install them with: pip install -e '.[finetune]'  (torch==2.13.0 is the CPU build)",
        ) from None
    return torch


@dataclass
class TrainConfig:
    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.05
    learning_rate: float = 1e-3
    batch_size: int = 8
    steps: int = 120
    max_length: int = 256
    eval_every: int = 20
    patience: int = 3  # evaluations without improvement before stopping early
    seed: int = 0
    threads: int = 1


@dataclass
class TrainReport:
    steps_done: int = 0
    best_step: int = 0
    best_eval_loss: float = math.inf
    train_loss: list[tuple[int, float]] = field(default_factory=list)
    eval_loss: list[tuple[int, float]] = field(default_factory=list)
    stopped_early: bool = False
    truncated_answers: int = 0
    seconds: float = 0.0


@dataclass
class StepInfo:
    step: int
    total: int
    loss: float
    eval_loss: float | None
    seconds_per_step: float


def load_base(gguf: Path):
    """transformers model + tokenizer from the runtime's GGUF (dequantized to float32)."""
    require_torch()
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    transformers.logging.set_verbosity_error()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype="float32")
    return model, tokenizer


def encode(tokenizer, system: str, example: Example, max_length: int) -> tuple[list[int], list[int], bool]:
    """Token ids and labels (-100 on the prompt: loss on the answer only); True if truncated."""
    prompt = tokenizer.apply_chat_template(
        [{"role": "system", "content": system}, {"role": "user", "content": example.question}],
        tokenize=False,
        add_generation_prompt=True,
    )
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(example.answer + "<|im_end|>", add_special_tokens=False)["input_ids"]
    ids = prompt_ids + answer_ids
    truncated = len(ids) > max_length
    ids = ids[:max_length]
    labels = ([-100] * len(prompt_ids) + answer_ids)[:max_length]
    return ids, labels, truncated


def _batch(torch, rows: list[tuple[list[int], list[int]]], pad_id: int):
    width = max(len(ids) for ids, _ in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    labels = torch.full((len(rows), width), -100, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (row_ids, row_labels) in enumerate(rows):
        ids[i, : len(row_ids)] = torch.tensor(row_ids)
        labels[i, : len(row_labels)] = torch.tensor(row_labels)
        mask[i, : len(row_ids)] = 1
    return ids, labels, mask


def train(
    model,
    tokenizer,
    train_set: list[Example],
    eval_set: list[Example],
    *,
    system: str,
    config: TrainConfig,
    checkpoint_dir: Path,
    resume: bool = False,
    on_step: Callable[[StepInfo], None] | None = None,
):
    """Train a LoRA; returns (peft model with the best weights loaded, report).

    Ctrl-C saves a checkpoint in `checkpoint_dir` and re-raises KeyboardInterrupt.
    """
    torch = require_torch()
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from peft.utils import get_peft_model_state_dict

    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    report = TrainReport()
    encoded = []
    for e in train_set:
        ids, labels, truncated = encode(tokenizer, system, e, config.max_length)
        report.truncated_answers += truncated
        encoded.append((ids, labels))
    held = [encode(tokenizer, system, e, config.max_length)[:2] for e in eval_set]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    lora = LoraConfig(
        r=config.rank, lora_alpha=config.alpha, lora_dropout=config.dropout, target_modules=TARGET_MODULES,
        task_type="CAUSAL_LM",
    )  # fmt: skip
    peft_model = get_peft_model(model, lora)
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=config.learning_rate)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / 10) * max(0.05, 1 - s / max(1, config.steps))
    )
    start_step, best_state, stale = 0, None, 0
    state_file = checkpoint_dir / "trainer.pt"
    if resume and state_file.exists():
        saved = torch.load(state_file, weights_only=False)
        set_peft_model_state_dict(peft_model, saved["adapter"])
        optimizer.load_state_dict(saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        start_step, best_state, stale = saved["step"], saved["best_state"], saved["stale"]
        report = saved["report"]
        rng.setstate(saved["rng"])
        log.info("resumed from step %d", start_step)

    def save_checkpoint(step: int) -> None:
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        tmp = state_file.with_suffix(".tmp")
        torch.save(
            {
                "adapter": get_peft_model_state_dict(peft_model), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "step": step, "best_state": best_state, "stale": stale,
                "report": report, "rng": rng.getstate(), "config": asdict(config),
            },
            tmp,
        )  # fmt: skip
        tmp.replace(state_file)

    def eval_loss() -> float:
        peft_model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for i in range(0, len(held), config.batch_size):
                ids, labels, mask = _batch(torch, held[i : i + config.batch_size], pad_id)
                out = peft_model(input_ids=ids, attention_mask=mask, labels=labels)
                total += out.loss.item() * len(ids)
                count += len(ids)
        peft_model.train()
        return total / max(1, count)

    started = time.perf_counter()
    order: list[int] = []
    step = start_step
    peft_model.train()
    try:
        for step in range(start_step, config.steps):
            if len(order) < config.batch_size:
                order += rng.sample(range(len(encoded)), len(encoded))
            batch_rows = [encoded[order.pop()] for _ in range(config.batch_size)]
            ids, labels, mask = _batch(torch, batch_rows, pad_id)
            tick = time.perf_counter()
            loss = peft_model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(peft_model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            report.train_loss.append((step + 1, round(loss.item(), 4)))
            current_eval = None
            if held and ((step + 1) % config.eval_every == 0 or step + 1 == config.steps):
                current_eval = eval_loss()
                report.eval_loss.append((step + 1, round(current_eval, 4)))
                if current_eval < report.best_eval_loss:
                    report.best_eval_loss, report.best_step, stale = current_eval, step + 1, 0
                    best_state = {k: v.detach().clone() for k, v in get_peft_model_state_dict(peft_model).items()}
                else:
                    stale += 1
                save_checkpoint(step + 1)
            if on_step:
                on_step(StepInfo(step + 1, config.steps, loss.item(), current_eval, time.perf_counter() - tick))
            if stale >= config.patience:
                report.stopped_early = True
                break
    except KeyboardInterrupt:
        save_checkpoint(step)
        raise
    report.steps_done = step + 1
    report.seconds = time.perf_counter() - started
    if best_state is not None:
        set_peft_model_state_dict(peft_model, best_state)
    else:
        report.best_step = report.steps_done
    return peft_model, report


def clear_checkpoint(checkpoint_dir: Path) -> None:
    shutil.rmtree(checkpoint_dir, ignore_errors=True)


def report_json(report: TrainReport) -> str:
    return json.dumps(asdict(report))
