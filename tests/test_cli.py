"""The CLI as a user runs it: a real subprocess, real exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def run(*args: str | bytes, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and k != "OLLAMA_HOST"}
    full_env.update({"ASSISTANT_BACKEND": "embedded", "ASSISTANT_MAX_TOKENS": "16"}, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], capture_output=True, env=full_env, cwd=cwd, timeout=300
    )


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    err = proc.stderr.decode("utf-8", "replace").strip()
    assert proc.returncode != 0
    assert err.startswith("error: ") and "\n" not in err, err
    assert "Traceback" not in err
    return err


def test_help_imports_nothing_heavy():
    code = (
        "import sys; from assistant.cli import cli; "
        "heavy = [m for m in ('langchain_core', 'xllamacpp', 'numpy', 'chainlit', 'onnxruntime') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert b"ask" in run("--help").stdout


def test_empty_question(tmp_path):
    assert "question is empty" in one_line_error(run("ask", "   ", cwd=tmp_path))


def test_non_utf8_argument(tmp_path):
    assert "not valid UTF-8" in one_line_error(run("ask", b"caf\xe9 \xff?", cwd=tmp_path))


def test_missing_adapter(tmp_path):
    assert "adapter" in one_line_error(run("ask", "hi", "--adapter", "nope/adapter.gguf", cwd=tmp_path))


def test_corrupt_model_file(tmp_path):
    bad = tmp_path / "corrupt.gguf"
    bad.write_bytes(b"GGUF" + os.urandom(4096))
    err = one_line_error(run("ask", "hi", env={"ASSISTANT_MODEL_PATH": str(bad)}, cwd=tmp_path))
    assert "could not load" in err and "corrupt" in err


def test_debug_shows_the_traceback(tmp_path):
    proc = run("--debug", "ask", "", cwd=tmp_path)
    assert proc.returncode != 0 and b"Traceback" in proc.stderr


def test_models_json_reports_backend_and_reason(tmp_path):
    proc = run("models", "--json", env={"ASSISTANT_BACKEND": "auto", "OLLAMA_HOST": "http://127.0.0.1:9"}, cwd=tmp_path)
    info = json.loads(proc.stdout)
    assert info["backend"] == "embedded"
    assert "unreachable" in info["reason"]
    assert info["embedded"]["available"] is True
    assert info["embeddings"]["dimension"] == 384


@pytest.mark.slow
def test_ask_json_shape_and_huge_question_is_truncated(tmp_path):
    question = "Please summarise this. " + "blah " * 20_000  # ~100 kB
    proc = run("ask", question, "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert set(result) >= {"answer", "answer_kind", "route", "reason", "confidence", "citations", "model", "timings"}
    assert set(result["timings"]) == {"route_ms", "retrieve_ms", "first_token_ms", "verify_ms", "total_ms"}
    assert result["answer_kind"] in ("generated", "extractive", "not_found", "closed_book")
    assert result["answer"]
    assert b"only the first" in proc.stderr


@pytest.mark.slow
def test_ask_prints_a_quote_that_was_never_streamed(tmp_path):
    from tests.documents import fill_folder

    (tmp_path / "knowledge").mkdir()
    fill_folder(tmp_path / "knowledge")
    proc = run("ask", "How do I pair the remote?", "--route", "retrieval", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert b"hold Back and Play" in proc.stdout  # the quote itself, not only its citations on stderr


def test_bad_settings_and_options_are_one_line_errors_naming_the_variable(tmp_path):
    err = one_line_error(run("config", env={"ASSISTANT_THREADS": "-1"}, cwd=tmp_path))
    assert "ASSISTANT_THREADS=-1" in err and "assistant config" in err
    assert "ASSISTANT_BACKEND=bogus" in one_line_error(run("search", "x", env={"ASSISTANT_BACKEND": "bogus"}, cwd=tmp_path))
    assert run("search", "x", "--k", "-5", cwd=tmp_path).returncode == 2


def test_config_file_problems_name_the_file(tmp_path):
    (tmp_path / "bad.toml").write_text("threads = \n")
    assert "bad.toml is not valid TOML" in one_line_error(run("config", env={"ASSISTANT_CONFIG": str(tmp_path / "bad.toml")}))
    assert "does not exist" in one_line_error(run("config", env={"ASSISTANT_CONFIG": str(tmp_path / "nope.toml")}))
    err = one_line_error(run("config", env={"ASSISTANT_CHUNK_OVERLAP": "700"}, cwd=tmp_path))
    assert "chunk_overlap (700) must be smaller than chunk_size (600)" in err


def test_serve_refuses_to_start_on_an_unreachable_shared_engine(tmp_path):
    """A team's PostgreSQL or Qdrant that does not answer is one line before the chat starts,
    naming the setting — never a chat that fails later or falls back silently."""
    no_db = one_line_error(run("serve", cwd=tmp_path, env={"ASSISTANT_CHAT_DB_URL": "postgresql://x@127.0.0.1:9/db"}))
    assert "ASSISTANT_CHAT_DB_URL" in no_db
    no_index = one_line_error(run("serve", cwd=tmp_path, env={"ASSISTANT_INDEX": "qdrant",
                                                             "ASSISTANT_QDRANT_URL": "http://127.0.0.1:9"}))  # fmt: skip
    assert "ASSISTANT_QDRANT_URL" in no_index
    assert "ASSISTANT_CHAT_DB_URL" in one_line_error(run("db", "init", cwd=tmp_path))  # no PostgreSQL named
