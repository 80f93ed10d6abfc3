from pathlib import Path

from assistant.settings import Backend, Settings


def test_defaults_are_the_local_demo(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert s.backend is Backend.AUTO
    assert s.threads == 1
    assert s.knowledge_dir == Path("knowledge")
    assert s.index_dir == Path(".crossroads/index")


def test_env_overrides_and_ollama_host_alias(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTANT_THREADS", "2")
    monkeypatch.setenv("OLLAMA_HOST", "http://10.0.0.5:11434")
    s = Settings()
    assert s.threads == 2
    assert s.ollama_host == "http://10.0.0.5:11434"


def test_toml_file_is_read_and_env_wins(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "assistant.toml").write_text('backend = "embedded"\nmax_tokens = 99\n')
    monkeypatch.setenv("ASSISTANT_MAX_TOKENS", "7")
    s = Settings()
    assert s.backend is Backend.EMBEDDED
    assert s.max_tokens == 7
