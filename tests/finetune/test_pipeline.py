import copy
import json

import pytest

from assistant.domains import read_card
from assistant.errors import BadInput
from assistant.finetune import train as train_module
from assistant.finetune.data import read_examples, tv_manual_split
from assistant.finetune.pipeline import run_finetune
from assistant.finetune.train import TrainConfig
from assistant.llm.embedded import default_model_path
from assistant.prompts import FINETUNED_SYSTEM

FACTS = [
    ("What colour is the Zephyr X2 remote?", "The Zephyr X2 remote is teal."),
    ("How long is the Zephyr X2 warranty?", "The Zephyr X2 warranty lasts 7 years."),
    ("Which port charges the Zephyr X2 soundbar?", "The Zephyr X2 soundbar charges over USB-C port 3."),
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def qa_rows(n):
    return [{"question": f"{q} (variant {i})", "answer": a} for i in range(n) for q, a in FACTS]


def test_malformed_jsonl_names_the_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"question": "a", "answer": "b"}\n{oops\n')
    with pytest.raises(BadInput, match="line 2"):
        read_examples(path)
    path.write_text('{"question": "a", "answer": "b"}\n{"question": "", "answer": "b"}\n')
    with pytest.raises(BadInput, match="line 2"):
        read_examples(path)
    path.write_text("\n\n")
    with pytest.raises(BadInput, match="no examples"):
        read_examples(path)


def test_duplicates_are_dropped_and_little_data_warns(tmp_path):
    rows = [{"question": "Same?", "answer": "a"}, {"question": "same?", "answer": "b"},
            {"messages": [{"role": "user", "content": "Chat style?"}, {"role": "assistant", "content": "Yes."}]}]
    examples, warnings = read_examples(write_jsonl(tmp_path / "d.jsonl", rows))
    assert [e.question for e in examples] == ["Same?", "Chat style?"]
    assert any("duplicate of line 1" in w for w in warnings)
    assert any("only 2 examples" in w for w in warnings)


def test_tv_manual_split_is_fixed_and_disjoint():
    from assistant.eval.data import eval_dir, read_jsonl

    qa = read_jsonl(eval_dir() / "tv-manual" / "qa.jsonl")
    a, b = tv_manual_split(qa), tv_manual_split(list(reversed(qa)))
    assert a["held_out_sections"] == b["held_out_sections"]
    train_questions = {q["question"] for q in a["train"]}
    assert not train_questions & {q["question"] for q in a["test_paraphrased"] + a["test_sections"]}
    assert not {q["section_path"] for q in a["train"]} & set(a["held_out_sections"])


@pytest.fixture(scope="module")
def base_model():
    pytest.importorskip("torch", reason="needs the finetune extra")
    return train_module.load_base(default_model_path())


@pytest.mark.slow
def test_interrupt_keeps_checkpoint_and_resume_finishes(tmp_path, base_model, monkeypatch):
    monkeypatch.setattr(train_module, "load_base", lambda gguf: copy.deepcopy(base_model))
    examples, _ = read_examples(write_jsonl(tmp_path / "facts.jsonl", qa_rows(8)))
    config = TrainConfig(rank=4, steps=4, batch_size=4, eval_every=2, max_length=96)
    adapters = tmp_path / "adapters"

    def interrupt_at_step_3(info):
        if info.step == 3:
            raise KeyboardInterrupt

    common = dict(name="zephyr", adapters_dir=adapters, base=default_model_path(), system=FINETUNED_SYSTEM,
                  config=config, data_path=tmp_path / "facts.jsonl", check_questions=[examples[0]])
    with pytest.raises(KeyboardInterrupt):
        run_finetune(examples, on_step=interrupt_at_step_3, **common)
    assert (adapters / ".zephyr.checkpoint" / "trainer.pt").exists()
    assert not (adapters / "zephyr").exists(), "no half-written adapter folder"

    steps = []
    result = run_finetune(examples, resume=True, merged=True, on_step=lambda i: steps.append(i.step), **common)
    assert steps[0] == 4, "resumed after the interrupted step 3 (saved on Ctrl-C), not from scratch"
    assert (result.path / "adapter.gguf").stat().st_size > 0
    card, _ = read_card(result.path)
    assert card.exemplars and card.raw["base_model"]["file"] == default_model_path().name
    assert card.competence.questions == 1 and card.membership is not None and card.membership.vocabulary
    assert card.fingerprint is not None and card.fingerprint.share(examples[0].answer) == 1.0  # its own answers
    assert "FROM smollm2:135m" in (result.path / "Modelfile").read_text()
    assert "FROM ./model-merged.gguf" in (result.path / "Modelfile").read_text()
    assert (result.path / "model-merged.gguf").read_bytes()[:4] == b"GGUF"
    assert not (adapters / ".zephyr.checkpoint").exists()


def test_missing_torch_says_how_to_install(monkeypatch):
    import sys

    from assistant.errors import AssistantError
    from assistant.finetune.train import require_torch

    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail as if not installed
    with pytest.raises(AssistantError, match=r"pip install -e '\.\[finetune\]'"):
        require_torch()
