import numpy as np
import pytest
from langchain_core.messages import HumanMessage

from assistant.errors import BackendUnavailable
from assistant.finetune.export_gguf import write_lora_gguf
from assistant.llm.embedded import ChatEmbedded, EmbeddedRuntime, check_gguf, default_model_path

pytestmark = pytest.mark.slow
QUESTION = [HumanMessage("Name one colour of the rainbow.")]


def test_streams_a_non_empty_answer(runtime):
    model = ChatEmbedded(runtime=runtime, max_tokens=16, temperature=0)
    chunks = [c.text for c in model.stream(QUESTION)]
    assert len([c for c in chunks if c]) > 1, "expected several streamed pieces"
    assert "".join(chunks).strip()


def test_closing_the_stream_stops_generation(runtime):
    stream = runtime.stream({"messages": [{"role": "user", "content": "Count to one hundred."}], "max_tokens": 200})
    next(stream)
    stream.close()  # must not hang or leak a running generation
    assert runtime.complete({"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4})["choices"]


def test_context_overflow_is_a_clear_error(runtime):
    huge = [HumanMessage("word " * 5000)]
    with pytest.raises(BackendUnavailable, match="context"):
        ChatEmbedded(runtime=runtime, max_tokens=4).invoke(huge)


def test_gguf_check_names_the_problem(tmp_path):
    with pytest.raises(BackendUnavailable, match="not found"):
        check_gguf(tmp_path / "missing.gguf", "model file")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf at all")
    with pytest.raises(BackendUnavailable, match="not a GGUF"):
        check_gguf(bad, "model file")


def test_truncated_model_fails_with_actionable_message(tmp_path):
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(default_model_path().read_bytes()[:200_000])
    with pytest.raises(BackendUnavailable, match="could not load"):
        EmbeddedRuntime(truncated)


def test_lora_adapter_loads_and_applies_per_request(tmp_path):
    """A GGUF LoRA written by our exporter loads on the base; scale 0 is the base, scale 1 differs."""
    rng = np.random.default_rng(0)
    rank, hidden, ffn = 8, 576, 1536  # SmolLM2-135M dimensions
    pairs = {
        f"blk.{i}.ffn_up.weight": (
            rng.normal(0, 0.5, (rank, hidden)).astype(np.float32),
            rng.normal(0, 0.5, (ffn, rank)).astype(np.float32),
        )
        for i in range(30)
    }
    adapter = write_lora_gguf(tmp_path / "noise.gguf", pairs, alpha=16)
    rt = EmbeddedRuntime(default_model_path(), context_size=1024, adapters=[("noise", adapter)])
    ask = {"messages": [{"role": "user", "content": "What is the capital of France?"}], "max_tokens": 12, "temperature": 0}

    def answer(adapter_name):
        body = dict(ask, lora=rt.lora_field(adapter_name))
        return rt.complete(body)["choices"][0]["message"]["content"]

    base_first, with_lora, base_again = answer(None), answer("noise"), answer(None)
    assert base_first == base_again
    assert with_lora != base_first
    with pytest.raises(BackendUnavailable, match="not loaded"):
        rt.lora_field("nope")
