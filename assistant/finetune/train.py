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
    device: str = "auto"  # auto = CUDA when torch sees a GPU, else CPU
    warmup: int = 10


@dataclass
class TrainReport:
    steps_done: int = 0
    best_step: int = 0
    best_eval_loss: float = math.inf
    best_eval_f1: float | None = None
    eval_f1: list[tuple[int, float]] = field(default_factory=list)
    device: str = "cpu"
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


def resolve_device(requested: str) -> str:
    """"auto" → "cuda" when torch sees a GPU, else "cpu"; "cuda" without one is an error."""
    torch = require_torch()
    if requested not in ("auto", "cpu", "cuda"):
        raise AssistantError(f"unknown device {requested!r}", "use --device auto, cpu or cuda")
    has_cuda = torch.cuda.is_available()
    if requested == "cuda" and not has_cuda:
        raise AssistantError(
            "--device cuda: torch sees no CUDA GPU",
            "use --device auto (falls back to CPU), or install a CUDA build of torch on a machine with a GPU",
        )
    return "cuda" if requested == "cuda" or (requested == "auto" and has_cuda) else "cpu"


def out_of_memory(batch_size: int) -> AssistantError:
    return AssistantError(
        f"the GPU ran out of memory at batch size {batch_size}",
        f"try a smaller --batch-size (e.g. {max(1, batch_size // 2)}) or a shorter --max-length",
    )


def generate_answers(model, tokenizer, system: str, questions: list[str], *, max_new_tokens: int = 64, batch_size: int = 8):
    """Greedy answers from the model in training (for held-out answer F1 during training)."""
    torch = require_torch()
    device = next(model.parameters()).device
    tokenizer.padding_side = "left"
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    answers: list[str] = []
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for i in range(0, len(questions), batch_size):
            prompts = [
                tokenizer.apply_chat_template(
                    [{"role": "system", "content": system}, {"role": "user", "content": q}],
                    tokenize=False, add_generation_prompt=True,
                )  # fmt: skip
                for q in questions[i : i + batch_size]
            ]
            batch = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
            out = model.generate(
                **batch, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=pad_id,
                eos_token_id=tokenizer.convert_tokens_to_ids("<|im_end|>"),
            )  # fmt: skip
            for row in out[:, batch["input_ids"].shape[1] :]:
                answers.append(tokenizer.decode(row, skip_special_tokens=True).strip())
    if was_training:
        model.train()
    return answers


def heldout_f1(model, tokenizer, system: str, examples: list[Example]) -> float:
    """Mean token F1 of greedy answers to held-out questions: the score that picks checkpoints."""
    from assistant.metrics import token_f1

    answers = generate_answers(model, tokenizer, system, [e.question for e in examples])
    return sum(token_f1(a, e.answer) for a, e in zip(answers, examples, strict=True)) / max(1, len(examples))


def load_base(gguf: Path):
    """transformers model + tokenizer from the runtime's GGUF (dequantized to float32)."""
    require_torch()
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    transformers.logging.set_verbosity_error()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    if tokenizer.pad_token is None:  # some transformers releases read none from the GGUF; batches need one
        tokenizer.pad_token = tokenizer.eos_token
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


def length_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """One epoch of batches of similar length, in random order: far less padding than random
    batches when answers range from one line to a page (on CPU, padding is paid in full)."""
    order = rng.sample(range(len(lengths)), len(lengths))
    pool = 50 * batch_size  # sort within pools so an epoch stays shuffled
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


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


def schedule(step: int, config: TrainConfig) -> float:
    """Linear warm-up, then cosine decay to 5 %: a high rate early, small steps at the end."""
    if step < config.warmup:
        return (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


class _Run:
    """The mutable state of one training run: model, optimiser, best weights, checkpoint."""

    def __init__(self, torch, peft_model, config: TrainConfig, checkpoint_dir: Path, rng: random.Random):
        from peft.utils import get_peft_model_state_dict

        self.torch, self.model, self.config, self.rng = torch, peft_model, config, rng
        self.state_dict = lambda: get_peft_model_state_dict(peft_model)
        self.optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=config.learning_rate)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda s: schedule(s, config))
        self.report, self.best_state, self.stale, self.step = TrainReport(), None, 0, 0
        self.state_file = checkpoint_dir / "trainer.pt"
        self.pending: list[list[int]] = []

    def resume(self) -> None:
        from peft import set_peft_model_state_dict

        if not self.state_file.exists():
            return
        saved = self.torch.load(self.state_file, weights_only=False)
        set_peft_model_state_dict(self.model, saved["adapter"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.scheduler.load_state_dict(saved["scheduler"])
        self.step, self.best_state, self.stale = saved["step"], saved["best_state"], saved["stale"]
        self.report, self.pending = saved["report"], saved.get("pending", [])
        self.rng.setstate(saved["rng"])
        log.info("resumed from step %d", self.step)

    def save(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        self.torch.save(
            {
                "adapter": self.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "step": self.step, "best_state": self.best_state,
                "stale": self.stale, "report": self.report, "rng": self.rng.getstate(),
                "pending": self.pending, "config": asdict(self.config),
            },
            tmp,
        )  # fmt: skip
        tmp.replace(self.state_file)

    def next_batch(self, lengths: list[int]) -> list[int]:
        if not self.pending:
            self.pending = length_batches(lengths, self.config.batch_size, self.rng)
        return self.pending.pop()

    def judge(self, loss: float, f1: float | None) -> None:
        """Keep the best weights: by held-out answer F1 when measured (what users see), else loss."""
        report = self.report
        report.eval_loss.append((self.step, round(loss, 4)))
        if f1 is not None:
            report.eval_f1.append((self.step, round(f1, 4)))
        if f1 is not None:
            better = report.best_eval_f1 is None or f1 > report.best_eval_f1
        else:
            better = loss < report.best_eval_loss
        report.best_eval_loss = min(report.best_eval_loss, loss)
        if better:
            report.best_step, self.stale = self.step, 0
            report.best_eval_f1 = f1 if f1 is not None else report.best_eval_f1
            self.best_state = {k: v.detach().to("cpu", copy=True) for k, v in self.state_dict().items()}
        else:
            self.stale += 1


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
    scorer: Callable[[object], float] | None = None,
):
    """Train a LoRA; returns (peft model with the best weights loaded, report).

    `scorer(model)` → held-out answer F1, measured at each evaluation next to the held-out loss.
    Ctrl-C saves a checkpoint in `checkpoint_dir` and re-raises KeyboardInterrupt.
    """
    torch = require_torch()
    from peft import get_peft_model, set_peft_model_state_dict

    device = resolve_device(config.device)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    encoded, truncated = [], 0
    for e in train_set:
        ids, labels, cut = encode(tokenizer, system, e, config.max_length)
        truncated += cut
        encoded.append((ids, labels))
    held = [encode(tokenizer, system, e, config.max_length)[:2] for e in eval_set]
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    run = _Run(torch, get_peft_model(model.to(device), lora_config(config)), config, checkpoint_dir, random.Random(config.seed))
    run.report.device = device  # a resumed run keeps the device its first steps ran on
    if resume:
        run.resume()
    run.report.truncated_answers = truncated
    autocast = _autocast(torch, device)

    def forward_loss(rows):
        ids, labels, mask = (t.to(device) for t in _batch(torch, rows, pad_id))
        with autocast():
            return run.model(input_ids=ids, attention_mask=mask, labels=labels).loss

    def eval_loss() -> float:
        run.model.eval()
        with torch.no_grad():
            total = sum(forward_loss(held[i : i + config.batch_size]).item() * len(held[i : i + config.batch_size])
                        for i in range(0, len(held), config.batch_size))  # fmt: skip
        run.model.train()
        return total / max(1, len(held))

    lengths = [len(ids) for ids, _ in encoded]
    started = time.perf_counter()
    run.model.train()
    try:
        while run.step < config.steps:
            tick = time.perf_counter()
            try:
                loss = forward_loss([encoded[i] for i in run.next_batch(lengths)])
                loss.backward()
            except torch.cuda.OutOfMemoryError:
                raise out_of_memory(config.batch_size) from None
            torch.nn.utils.clip_grad_norm_(run.model.parameters(), 1.0)
            run.optimizer.step()
            run.scheduler.step()
            run.optimizer.zero_grad()
            run.step += 1
            run.report.train_loss.append((run.step, round(loss.item(), 4)))
            current = None
            if held and (run.step % config.eval_every == 0 or run.step == config.steps):
                current = eval_loss()
                run.judge(current, scorer(run.model) if scorer else None)
                run.save()
            if on_step:
                on_step(StepInfo(run.step, config.steps, loss.item(), current, time.perf_counter() - tick))
            if run.stale >= config.patience:
                run.report.stopped_early = True
                break
    except KeyboardInterrupt:
        run.save()
        raise
    report = run.report
    report.steps_done = run.step
    report.seconds += time.perf_counter() - started
    if run.best_state is not None:
        set_peft_model_state_dict(run.model, run.best_state)
    else:
        report.best_step = report.steps_done
    run.model.to("cpu").float()
    return run.model, report


def _autocast(torch, device: str):
    """bf16 autocast on GPU (fp16 where bf16 is missing); plain float32 on CPU."""
    import contextlib

    if device != "cuda":
        return contextlib.nullcontext
    dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return lambda: torch.autocast("cuda", dtype=dtype)


WEIGHTS_REPORT = "report.json"


def save_weights(peft_model, report: TrainReport, config: TrainConfig, folder: Path, shard_bytes: int = 15 << 20) -> None:
    """The trained LoRA as safetensors shards + report: train on one machine, package on another.

    Shards stay under `shard_bytes` so each file fits transfer limits (a lent GPU returns files of
    at most 16 MiB); `load_weights` reads them all back.
    """
    from peft.utils import get_peft_model_state_dict
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    shard: dict = {}
    size, index = 0, 0
    for key, tensor in get_peft_model_state_dict(peft_model).items():
        nbytes = tensor.numel() * tensor.element_size()
        if shard and size + nbytes > shard_bytes:
            save_file(shard, folder / f"adapter-{index:02d}.safetensors")
            shard, size, index = {}, 0, index + 1
        shard[key] = tensor.detach().to("cpu").contiguous()
        size += nbytes
    save_file(shard, folder / f"adapter-{index:02d}.safetensors")
    (folder / WEIGHTS_REPORT).write_text(json.dumps({"config": asdict(config), "report": asdict(report)}))


def load_weights(model, folder: Path):
    """(peft model, report, config) from `save_weights`' folder, on the base model given."""
    require_torch()
    from peft import get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file

    saved = json.loads((folder / WEIGHTS_REPORT).read_text())
    config, report = TrainConfig(**saved["config"]), TrainReport(**saved["report"])
    shards = sorted(folder.glob("adapter-*.safetensors"))
    if not shards:
        raise AssistantError(f"no adapter-*.safetensors in {folder}", "point at the folder save_weights wrote")
    state = {k: v for shard in shards for k, v in load_file(shard).items()}
    peft_model = get_peft_model(model, lora_config(config))
    set_peft_model_state_dict(peft_model, state)
    return peft_model, report, config


def lora_config(config: TrainConfig):
    from peft import LoraConfig

    return LoraConfig(
        r=config.rank, lora_alpha=config.alpha, lora_dropout=config.dropout, target_modules=TARGET_MODULES,
        task_type="CAUSAL_LM",
    )  # fmt: skip


def clear_checkpoint(checkpoint_dir: Path) -> None:
    shutil.rmtree(checkpoint_dir, ignore_errors=True)


def report_json(report: TrainReport) -> str:
    return json.dumps(asdict(report))
