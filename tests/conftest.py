"""Shared fixtures. Real models are loaded once per session: they are the slow part of the suite."""

from __future__ import annotations

import pytest

from assistant.settings import Settings


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings isolated in a temp dir, embedded backend, no stray env or assistant.toml."""
    for key in list(__import__("os").environ):
        if key.startswith("ASSISTANT_") or key == "OLLAMA_HOST":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "knowledge").mkdir()
    (tmp_path / "adapters").mkdir()
    return Settings(
        knowledge_dir=tmp_path / "knowledge",
        adapters_dir=tmp_path / "adapters",
        data_dir=tmp_path / ".crossroads",
        backend="embedded",
        max_tokens=24,
        temperature=0.0,
    )


@pytest.fixture(scope="session")
def runtime():
    from assistant.llm.embedded import EmbeddedRuntime, default_model_path

    return EmbeddedRuntime(default_model_path(), threads=1, context_size=2048)


@pytest.fixture(scope="session")
def minilm():
    from assistant.llm.embeddings import MiniLMEmbeddings

    return MiniLMEmbeddings()
