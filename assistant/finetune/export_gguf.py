"""Write a LoRA adapter as a GGUF file llama.cpp loads on top of its base model.

llama.cpp pairs `blk.N.<tensor>.weight.lora_a` / `.lora_b` with the base tensor of the same name
and checks shapes: with GGUF's reversed dimension order, PEFT's A `(r, in)` and B `(out, r)` are
written as they are. For the llama architecture llama.cpp's converter permutes the rows of the q
and k projections (rotary layout), so B of `attn_q`/`attn_k` must be permuted the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

LoraPair = tuple[np.ndarray, np.ndarray]  # (A: (r, in), B: (out, r))


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
        writer.add_tensor(f"{stem}.weight.lora_a", np.ascontiguousarray(a, dtype=np.float32))
        writer.add_tensor(f"{stem}.weight.lora_b", np.ascontiguousarray(b, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(tmp, path)
    return path
