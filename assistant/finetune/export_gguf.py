"""Write a LoRA adapter as a GGUF file llama.cpp loads on top of its base model.

llama.cpp pairs `blk.N.<tensor>.weight.lora_a` / `.lora_b` with the base tensor of the same name
and checks shapes: with GGUF's reversed dimension order, PEFT's A `(r, in)` and B `(out, r)` are
written as they are. For the llama architecture llama.cpp's converter permutes the rows of the q
and k projections (rotary layout), so B of `attn_q`/`attn_k` must be permuted the same way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

LoraPair = tuple[np.ndarray, np.ndarray]  # (A: (r, in), B: (out, r))
MERGED_FILE = "model-merged.gguf"


def permute_rows(weights: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's q/k row permutation (convert_hf_to_gguf.py `LlamaModel.permute`)."""
    rows = weights.shape[0]
    return weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


def write_lora_gguf(
    path: Path,
    pairs: Mapping[str, LoraPair],
    *,
    alpha: float,
    architecture: str = "llama",
    name: str = "",
) -> Path:
    """Write `pairs` (base tensor name like `blk.0.attn_q.weight` → (A, B)) atomically to `path`."""
    import gguf

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    writer = gguf.GGUFWriter(str(tmp), architecture)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(alpha))
    if name:
        writer.add_name(name)
    for base_name, (a, b) in sorted(pairs.items()):
        stem = base_name.removesuffix(".weight")
        # float16 halves the file; LoRA factors lose nothing measurable at that precision.
        writer.add_tensor(f"{stem}.weight.lora_a", np.ascontiguousarray(a, dtype=np.float16))
        writer.add_tensor(f"{stem}.weight.lora_b", np.ascontiguousarray(b, dtype=np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(tmp, path)
    return path


# PEFT (Hugging Face llama) module name → llama.cpp tensor name.
LLAMA_TENSORS = {
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
}
PEFT_KEY = re.compile(r"layers\.(\d+)\.(\w+\.\w+)\.lora_([AB])\.weight$")


def lora_pairs_from_peft(
    state_dict: Mapping[str, np.ndarray], *, n_head: int, n_head_kv: int, permute: bool = True
) -> dict[str, LoraPair]:
    """PEFT's `lora_A`/`lora_B` weights → llama.cpp `blk.N.<tensor>.weight` pairs.

    `permute=False` exists only so a test can show why the permutation is needed.
    """
    parts: dict[str, dict[str, np.ndarray]] = {}
    for key, value in state_dict.items():
        match = PEFT_KEY.search(key)
        if not match or match.group(2) not in LLAMA_TENSORS:
            continue
        layer, module, which = match.groups()
        name = f"blk.{layer}.{LLAMA_TENSORS[module]}.weight"
        parts.setdefault(name, {})[which] = np.asarray(value, dtype=np.float32)
    pairs = {}
    for name, ab in parts.items():
        a, b = ab["A"], ab["B"]
        if permute and ".attn_q." in name:
            b = permute_rows(b, n_head)
        elif permute and ".attn_k." in name:
            b = permute_rows(b, n_head_kv)
        pairs[name] = (a, b)
    return pairs


def export_peft(peft_model, path: Path, *, name: str = "", merged_from: Path | None = None) -> Path:
    """Write a trained peft model's LoRA as a llama.cpp GGUF adapter (and, given the base GGUF,
    the merged model as `model-merged.gguf` beside it)."""
    from peft.utils import get_peft_model_state_dict

    config = peft_model.base_model.model.config
    lora = peft_model.peft_config["default"]
    state = {k: v.detach().float().cpu().numpy() for k, v in get_peft_model_state_dict(peft_model).items()}
    pairs = lora_pairs_from_peft(state, n_head=config.num_attention_heads, n_head_kv=config.num_key_value_heads)
    if merged_from is not None:
        merge_into_gguf(merged_from, pairs, alpha=lora.lora_alpha, path=Path(path).with_name(MERGED_FILE), name=name)
    return write_lora_gguf(path, pairs, alpha=lora.lora_alpha, name=name)


def merge_into_gguf(base: Path, pairs: Mapping[str, LoraPair], *, alpha: float, path: Path, name: str = "") -> Path:
    """A full model GGUF with W + (alpha/r)·B·A folded into the adapted tensors, stored as Q8_0.

    For Ollama's `FROM ./model-merged.gguf` form (newer Ollama releases are reported to reject
    `ADAPTER`). `pairs` are llama.cpp-layout pairs (q/k already permuted), as for the adapter.
    Re-quantizing a merged tensor to the base's 4 bits erases the LoRA delta (it is smaller than
    a Q4 step: measured, the merged model then answers like the base), hence 8 bits.
    """
    import gguf

    reader = gguf.GGUFReader(str(base))
    architecture = str(reader.fields["general.architecture"].contents())
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    writer = gguf.GGUFWriter(str(tmp), architecture)
    for field in reader.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
            continue
        value = name if field.name == gguf.Keys.General.NAME and name else field.contents()
        sub_type = field.types[-1] if field.types[0] == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, value, field.types[0], sub_type=sub_type)
    tensors = []
    for tensor in reader.tensors:
        data = tensor.data
        if tensor.name in pairs:
            a, b = pairs[tensor.name]
            weights = gguf.quants.dequantize(data, tensor.tensor_type).astype(np.float32)
            weights += (alpha / a.shape[0]) * (b @ a)
            qtype = gguf.GGMLQuantizationType.Q8_0
            data = gguf.quants.quantize(weights, qtype)
        else:
            qtype = tensor.tensor_type
        tensors.append((tensor, data))
        writer.add_tensor_info(tensor.name, data.shape, data.dtype, data.nbytes, qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for _, data in tensors:
        writer.write_tensor_data(data, tensor_endianess=reader.endianess)
    writer.close()
    os.replace(tmp, path)
    return path
