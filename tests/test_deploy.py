"""The team set-up in deploy/ names only settings that exist, with values they accept, and
commands the CLI has: a renamed setting breaks this test, not a deployment."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant.cli import cli
from assistant.settings import Settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
OTHERS = {"OLLAMA_HOST", "CHAINLIT_AUTH_SECRET"}  # read by Settings' alias and by Chainlit


def env_file() -> dict[str, str]:
    lines = (DEPLOY / "crossroads.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_every_setting_in_the_env_file_exists_and_validates(monkeypatch):
    env = env_file()
    for name in env:
        assert name in OTHERS or (name.startswith("ASSISTANT_") and name[10:].lower() in Settings.model_fields), name
    for key in env:
        monkeypatch.setenv(key, env[key])
    s = Settings()
    assert s.index.value == "qdrant" and s.chat_db_url.startswith("postgresql://") and "," in s.ollama_host


def test_compose_uses_the_env_file_real_commands_and_files():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"app-a", "app-b", "qdrant", "postgres", "ollama-1", "ollama-2", "db-init", "proxy"} <= set(services)
    for name in ("app-a", "app-b", "db-init"):
        assert services[name]["env_file"] == "crossroads.env"
        for key in services[name].get("environment", {}):
            assert key in OTHERS or key[10:].lower() in Settings.model_fields, key
    command = services["db-init"]["command"]
    assert command[0] == "assistant" and cli.get_command(None, command[1]).get_command(None, command[2]) is not None
    assert "ollama-1:11434" in env_file()["OLLAMA_HOST"] and "ollama-2:11434" in env_file()["OLLAMA_HOST"]
    repo = DEPLOY.parent
    for source in re.findall(r"^COPY (.+) \S+$", (DEPLOY / "Dockerfile").read_text(), re.M):
        for path in source.split():
            assert (repo / path).exists(), path
    assert "app-a:8000 app-b:8000" in (DEPLOY / "Caddyfile").read_text()


def test_the_base_install_carries_what_only_the_test_tools_would_otherwise_bring():
    """`./dev serve` installs the base dependencies alone; the test tools pull in packages the product
    needs (greenlet from Playwright, lxml from python-docx), so a suite that passes can hide an app that
    fails on a fresh clone: the chat history's async engine failed at import, HTML files were skipped."""
    import tomllib

    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    base = [d.replace(" ", "").lower() for d in pyproject["project"]["dependencies"]]
    for needed in ("sqlalchemy[asyncio]", "lxml"):  # chainlit.data.sql_alchemy; the HTML loader's parser
        assert any(d.startswith(needed) for d in base), needed
