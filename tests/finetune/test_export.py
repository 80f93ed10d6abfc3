"""The GGUF LoRA export is checked against transformers itself: same next-token distribution."""

import numpy as np
import pytest

from assistant.errors import BadInput
from assistant.finetune.export_gguf import lora_pairs_from_peft, merge_into_gguf, permute_rows, write_lora_gguf
from assistant.finetune.pipeline import check_name

PROMPT = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"


def test_permutation_is_a_row_permutation_within_heads():
    rows = np.arange(12, dtype=np.float32).reshape(12, 1)
    permuted = permute_rows(rows, n_head=2)
    assert sorted(permuted.ravel()) == list(range(12))
    assert list(permuted.ravel()[:6]) == [0, 3, 1, 4, 2, 5]  # head 0: halves interleaved (rotary layout)


@pytest.mark.parametrize("name", ["../evil", "a/b", "", "UPPER", ".hidden", "x" * 60])
def test_domain_names_cannot_be_paths(name):
    with pytest.raises(BadInput):
        check_name(name)


@pytest.mark.slow
def test_exported_adapter_matches_transformers_logits(tmp_path):
    torch = pytest.importorskip("torch", reason="needs the finetune extra")
    from peft import LoraConfig, get_peft_model
    from peft.utils import get_peft_model_state_dict

    from assistant.finetune.train import load_base
    from assistant.llm.embedded import EmbeddedRuntime, default_model_path

    torch.manual_seed(0)
    torch.set_num_threads(1)
    model, tokenizer = load_base(default_model_path())
    peft_model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "k_proj"]))
    with torch.no_grad():
        for name, param in peft_model.named_parameters():
            if "lora_" in name:
                param.normal_(0, 0.08)
        ids = tokenizer(PROMPT, return_tensors="pt", add_special_tokens=False)["input_ids"]
        expected = torch.softmax(peft_model(ids).logits[0, -1], -1).numpy()
        with peft_model.disable_adapter():
            expected_base = torch.softmax(peft_model(ids).logits[0, -1], -1).numpy()
    state = {k: v.numpy() for k, v in get_peft_model_state_dict(peft_model).items()}
    config = model.config
    heads = {"n_head": config.num_attention_heads, "n_head_kv": config.num_key_value_heads}
    good = write_lora_gguf(tmp_path / "good.gguf", lora_pairs_from_peft(state, **heads), alpha=16)
    bad = write_lora_gguf(tmp_path / "bad.gguf", lora_pairs_from_peft(state, **heads, permute=False), alpha=16)
    rt = EmbeddedRuntime(default_model_path(), context_size=512, parallel=1, adapters=[("good", good), ("bad", bad)])

    def llama_probs(adapter: str) -> dict[int, float]:
        body = {"prompt": PROMPT, "n_predict": 1, "n_probs": 20, "lora": rt.lora_field(adapter), "cache_prompt": False}
        result = rt._server.handle_completions(body)
        top = result["choices"][0]["logprobs"]["content"][0]["top_logprobs"]  # log-softmax of the raw logits
        return {t["id"]: float(np.exp(t["logprob"])) for t in top}

    def distance(probs: dict[int, float], reference=expected) -> float:
        return sum(abs(p - float(reference[i])) for i, p in probs.items())

    good_probs, bad_probs = llama_probs("good"), llama_probs("bad")
    noise = distance(llama_probs(None), expected_base)  # llama.cpp vs transformers with no adapter at all
    print(f"sum |Δp| over top-20: base {noise:.4f}, permuted export {distance(good_probs):.4f}, "
          f"unpermuted {distance(bad_probs):.4f}")
    assert max(good_probs, key=good_probs.get) == int(expected.argmax())
    assert distance(good_probs) < 2 * noise + 0.05  # as close as the runtime gets without an adapter
    assert distance(good_probs) < distance(bad_probs) / 2

    merged = merge_into_gguf(default_model_path(), lora_pairs_from_peft(state, **heads), alpha=16,
                             path=tmp_path / "merged.gguf")  # fmt: skip
    merged_rt = EmbeddedRuntime(merged, context_size=512, parallel=1)
    result = merged_rt._server.handle_completions({"prompt": PROMPT, "n_predict": 1, "n_probs": 20, "cache_prompt": False})
    merged_probs = {t["id"]: float(np.exp(t["logprob"])) for t in result["choices"][0]["logprobs"]["content"][0]["top_logprobs"]}
    print(f"merged model vs transformers: {distance(merged_probs):.4f}")
    assert distance(merged_probs) < 2 * noise + 0.05  # folding the LoRA in gives the adapted model
