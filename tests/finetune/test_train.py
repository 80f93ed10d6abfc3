"""Weights trained on one machine package on another: `save_weights` → `load_weights` is lossless."""

import pytest

from assistant.finetune.train import TrainConfig, TrainReport, load_weights, lora_config, save_weights


def tiny_llama():
    """A two-layer llama with random weights: the same module names as the base, in milliseconds."""
    transformers = pytest.importorskip("transformers", reason="needs the finetune extra")
    pytest.importorskip("peft", reason="needs the finetune extra")
    import torch

    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=64, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2,
    )  # fmt: skip
    return transformers.LlamaForCausalLM(config)


def test_sharded_weights_round_trip(tmp_path):
    import torch
    from peft import get_peft_model
    from peft.utils import get_peft_model_state_dict

    config = TrainConfig(rank=4, alpha=8.0, device="cuda", steps=7)
    trained = get_peft_model(tiny_llama(), lora_config(config))
    with torch.no_grad():
        for name, param in trained.named_parameters():
            if "lora_" in name:
                param.normal_(0, 0.1)
    report = TrainReport(steps_done=7, best_step=5, best_eval_f1=0.5, eval_f1=[(5, 0.5)], device="cuda")
    save_weights(trained, report, config, tmp_path / "w", shard_bytes=4096)
    assert len(list((tmp_path / "w").glob("adapter-*.safetensors"))) > 1, "split into shards under the limit"

    loaded, loaded_report, loaded_config = load_weights(tiny_llama(), tmp_path / "w")
    expected, got = get_peft_model_state_dict(trained), get_peft_model_state_dict(loaded)
    assert expected.keys() == got.keys()
    assert all(torch.equal(expected[k], got[k]) for k in expected)
    assert loaded_config == config and loaded_report.best_step == 5 and loaded_report.device == "cuda"


def test_missing_weights_say_where_to_look(tmp_path):
    from assistant.errors import AssistantError

    model = tiny_llama()
    from peft import get_peft_model

    config = TrainConfig(rank=4)
    save_weights(get_peft_model(model, lora_config(config)), TrainReport(), config, tmp_path)
    for shard in tmp_path.glob("adapter-*.safetensors"):
        shard.unlink()
    with pytest.raises(AssistantError, match="no adapter"):
        load_weights(tiny_llama(), tmp_path)
