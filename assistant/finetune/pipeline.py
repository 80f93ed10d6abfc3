"""`assistant finetune`: data → LoRA training → GGUF adapter → check through llama.cpp → card.

The adapter folder is assembled in `adapters/.NAME.partial/` and renamed into place at the end,
so an interrupted run never leaves a half-written `adapters/NAME/`; the training checkpoint in
`adapters/.NAME.checkpoint/` lets `--resume` continue where Ctrl-C stopped.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.domains import CARD_FILE
from assistant.errors import BadInput
from assistant.finetune.augment import augment
from assistant.finetune.data import Example, data_hash
from assistant.finetune.train import StepInfo, TrainConfig, TrainReport
from assistant.index.ingest import file_sha256
from assistant.metrics import contains_gold, token_f1

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise BadInput(
            f"invalid domain name {name!r}",
            "use 1-48 lower-case letters, digits, '-' or '_' (no paths): e.g. --name tv-manual",
        )
    return name


@dataclass
class FinetuneResult:
    path: Path
    card: dict


def split_for_early_stopping(examples: list[Example], share: float = 0.1, seed: int = 0):
    """A small held-out slice of the user's data for the loss that picks the best checkpoint."""
    shuffled = examples[:]
    random.Random(seed).shuffle(shuffled)
    n = max(1, int(len(shuffled) * share)) if len(shuffled) >= 10 else 0
    return shuffled[n:], shuffled[:n]


def check_through_llama_cpp(base: Path, adapter: Path, name: str, questions: list[Example], system: str) -> dict:
    """Answer held-out questions with the exported adapter on and off, in the real runtime.

    Token F1 and contains-reference (the whole reference answer appears in the answer: the exact
    fact, not just its words) for base and fine-tuned.
    """
    from assistant.llm.embedded import EmbeddedRuntime

    runtime = EmbeddedRuntime(base, context_size=1024, adapters=[(name, adapter)])
    scores: dict[str, list[float]] = {"base": [], "finetuned": []}
    contains: dict[str, list[bool]] = {"base": [], "finetuned": []}
    samples = []
    for e in questions:
        messages = [{"role": "system", "content": system}, {"role": "user", "content": e.question}]
        for label, which in (("base", None), ("finetuned", name)):
            body = {"messages": messages, "max_tokens": 96, "temperature": 0, "lora": runtime.lora_field(which)}
            answer = runtime.complete(body)["choices"][0]["message"]["content"] or ""
            scores[label].append(token_f1(answer, e.answer))
            contains[label].append(contains_gold(answer, [e.answer]))
            if label == "finetuned" and len(samples) < 3:
                samples.append({"question": e.question, "answer": answer, "gold": e.answer})
    n = max(1, len(questions))
    return {
        "questions": len(questions),
        "token_f1_base": round(sum(scores["base"]) / n, 4),
        "token_f1_finetuned": round(sum(scores["finetuned"]) / n, 4),
        "contains_reference_base": round(sum(contains["base"]) / n, 4),
        "contains_reference_finetuned": round(sum(contains["finetuned"]) / n, 4),
        "samples": samples,
    }


def membership_for(exemplars: list[Example], heldout: list[Example]):
    """The card's membership statistics (`assistant.membership`), on the embedded MiniLM."""
    from assistant.llm.embeddings import MiniLMEmbeddings
    from assistant.membership import compute_membership

    return compute_membership(
        [e.question for e in exemplars], [f"{e.question} {e.answer}" for e in exemplars], MiniLMEmbeddings(),
        heldout=[e.question for e in heldout],
    )  # fmt: skip


def fingerprint_for(examples: list[Example]):
    """The card's fingerprint of the domain's own documents: its training answers' phrasing
    (`assistant.fingerprint`), so the router lets this model read only passages from them."""
    from assistant.fingerprint import Fingerprint

    return Fingerprint.of(e.answer for e in examples)


def modelfile(base_name: str, merged: bool) -> str:
    text = (
        "# Ollama Modelfile, adapter form: `ollama create NAME -f Modelfile`. Newer Ollama releases may\n"
        "# reject ADAPTER; then use `assistant finetune --register NAME` (uploads the adapter through the\n"
        "# API)"
        + (" or the merged form below.\n" if merged else ", or retrain with --merged for a FROM-only form.\n")
        + f"FROM {base_name}\nADAPTER ./adapter.gguf\n"
    )
    if merged:
        text += "\n# Merged form (replace the two lines above with this one):\n# FROM ./model-merged.gguf\n"
    return text


def run_finetune(
    examples: list[Example],
    *,
    name: str,
    adapters_dir: Path,
    base: Path,
    system: str,
    config: TrainConfig,
    data_path: Path,
    description: str = "",
    check_questions: list[Example] | None = None,
    resume: bool = False,
    merged: bool = False,
    ollama_base: str = "smollm2:135m",
    early_stop: list[Example] | None = None,
    score_early_stop: bool = False,
    exemplars: list[str] | None = None,
    variants: int = 3,
    on_step: Callable[[StepInfo], None] | None = None,
    on_phase: Callable[[str], None] = lambda message: None,
) -> FinetuneResult:
    from assistant.finetune.train import clear_checkpoint, heldout_f1, load_base, train

    check_name(name)
    adapters_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = adapters_dir / f".{name}.checkpoint"
    if early_stop is None:
        originals, early_stop_set = split_for_early_stopping(examples, seed=config.seed)
        train_set = augment(originals, variants=variants) if variants else originals
    else:  # the caller split and augmented (the demo holds out paraphrases of trained facts)
        originals, train_set, early_stop_set = examples, examples, early_stop
    exemplar_examples = [e for e in originals if exemplars is None or e.question in set(exemplars)]
    on_phase(f"loading the base model {base.name} (dequantizing the GGUF)")
    model, tokenizer = load_base(base)
    on_phase(f"training on {len(train_set)} examples ({len(early_stop_set)} held out for early stopping)")
    scorer = None
    if score_early_stop and early_stop_set:

        def scorer(m) -> float:
            return heldout_f1(m, tokenizer, system, early_stop_set)

        on_phase(f"picking the checkpoint by answer F1 on {len(early_stop_set)} held-out questions")

    peft_model, report = train(
        model, tokenizer, train_set, early_stop_set, system=system, config=config,
        checkpoint_dir=checkpoint, resume=resume, on_step=on_step, scorer=scorer,
    )  # fmt: skip
    result = package_adapter(
        peft_model, report, config, name=name, adapters_dir=adapters_dir, base=base, system=system,
        data=TrainingData(data_path, examples, train_set, early_stop_set, exemplar_examples),
        description=description, check_questions=check_questions, merged=merged, ollama_base=ollama_base,
        on_phase=on_phase,
    )  # fmt: skip
    clear_checkpoint(checkpoint)
    return result


@dataclass
class TrainingData:
    """What an adapter was trained on, as its card records it."""

    path: Path
    examples: list[Example]  # as the user gave them
    train_set: list[Example]  # after augmentation
    early_stop_set: list[Example]
    exemplars: list[Example]  # the router's: questions the domain was trained on


def package_adapter(
    peft_model,
    report: TrainReport,
    config: TrainConfig,
    *,
    name: str,
    adapters_dir: Path,
    base: Path,
    system: str,
    data: TrainingData,
    description: str = "",
    check_questions: list[Example] | None = None,
    merged: bool = False,
    ollama_base: str = "smollm2:135m",
    on_phase: Callable[[str], None] = lambda message: None,
) -> FinetuneResult:
    """Trained LoRA → `adapters/NAME/` (GGUF adapter, card, Modelfile), checked through llama.cpp.

    Separate from training so weights trained elsewhere (`train.save_weights` on a GPU box) are
    packaged exactly like weights trained here.
    """
    from assistant.finetune.export_gguf import export_peft

    partial = adapters_dir / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    if merged:
        on_phase("writing the merged model (base + adapter, Q8_0 where adapted)")
    adapter = export_peft(peft_model, partial / "adapter.gguf", name=name, merged_from=base if merged else None)
    questions = check_questions if check_questions is not None else data.early_stop_set[:16]
    check = {}
    if questions:
        on_phase(f"checking the exported adapter through llama.cpp on {len(questions)} held-out questions")
        check = check_through_llama_cpp(base, adapter, name, questions, system)
    card = {
        "name": name,
        "description": description or f"Fine-tuned on {data.path.name}",
        "base_model": {"file": base.name, "sha256": file_sha256(base), "ollama": ollama_base},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "training_data": {
            "file": data.path.name,
            "sha256": data_hash(data.examples),
            "examples": len(data.examples),
            "train": len(data.train_set),
            "early_stopping": len(data.early_stop_set),
        },
        "config": asdict(config),
        "metrics": {
            "steps": report.steps_done,
            "best_step": report.best_step,
            "best_eval_loss": round(report.best_eval_loss, 4) if report.eval_loss else None,
            "best_eval_f1": report.best_eval_f1,
            "eval_f1": report.eval_f1,
            "device": report.device,
            "stopped_early": report.stopped_early,
            "truncated_answers": report.truncated_answers,
            "train_seconds": round(report.seconds),
            "eval_loss": report.eval_loss,
            "heldout_check": check,
        },
        "system_prompt": system,
        # The router's exemplars: questions this domain was trained on.
        "exemplars": [e.question for e in data.exemplars],
    }
    on_phase("measuring domain membership (how close in-domain and general questions come to the exemplars)")
    card["membership"] = membership_for(data.exemplars, data.early_stop_set).to_json()
    card["fingerprint"] = fingerprint_for(data.exemplars).to_json()
    (partial / CARD_FILE).write_text(json.dumps(card, indent=1, ensure_ascii=False))
    (partial / "Modelfile").write_text(modelfile(ollama_base, merged))
    target = adapters_dir / name
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return FinetuneResult(target, card)
