"""The Ollama backend against `OllamaDouble`, a protocol double speaking Ollama's HTTP API."""

import socket

import pytest
from langchain_core.messages import HumanMessage

from assistant.errors import BackendUnavailable
from assistant.llm import choose_backend
from assistant.llm.ollama import probe
from assistant.services import Services
from assistant.settings import Backend
from tests.ollama_double import OllamaDouble

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ollama_server(runtime, minilm):
    with OllamaDouble(runtime, minilm) as server:
        yield server


@pytest.fixture
def on_ollama(settings, ollama_server):
    return settings.model_copy(update={"backend": Backend.AUTO, "ollama_host": ollama_server.url})


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # closed again: nothing listens here


def test_auto_picks_ollama_when_it_has_the_models(on_ollama, ollama_server):
    choice = choose_backend(on_ollama)
    assert choice.backend is Backend.OLLAMA
    assert "smollm2:135m" in choice.reason
    assert "smollm2:135m" in probe(ollama_server.url, 1.0).models


def test_streams_an_answer_through_langchain_ollama(on_ollama):
    services = Services(on_ollama)
    model = services.llm.chat_model()
    with services.llm.errors():
        pieces = [c.text for c in model.stream([HumanMessage("Say hello.")])]
    assert len([p for p in pieces if p]) > 1
    assert "".join(pieces).strip()
    assert services.llm.label() == "ollama:smollm2:135m"


def test_embeddings_come_from_ollama_with_their_dimension(on_ollama):
    emb = Services(on_ollama).embeddings
    assert emb.model_id == "ollama:all-minilm"
    assert emb.dimension == 384
    assert len(emb.embed_documents(["a", "b"])) == 2


def test_model_not_pulled_says_which_pull_to_run(on_ollama):
    missing = on_ollama.model_copy(update={"ollama_model": "llama9:70b"})
    auto = choose_backend(missing)
    assert auto.backend is Backend.EMBEDDED and "ollama pull llama9:70b" in auto.reason
    forced = missing.model_copy(update={"backend": Backend.OLLAMA})
    with pytest.raises(BackendUnavailable, match=r"ollama pull llama9:70b"):
        choose_backend(forced)
    # and if the model disappears after start-up, the turn says the same
    services = Services(on_ollama)
    assert services.llm.choice.backend is Backend.OLLAMA  # chosen while the model existed
    with pytest.raises(BackendUnavailable, match="not pulled"), services.llm.errors("ghost"):
        list(services.llm.chat_model("ghost").stream([HumanMessage("hi")]))


def test_dead_server_is_reported_not_raised(settings):
    url = dead_url()
    auto = choose_backend(settings.model_copy(update={"backend": Backend.AUTO, "ollama_host": url}))
    assert auto.backend is Backend.EMBEDDED and "unreachable" in auto.reason
    with pytest.raises(BackendUnavailable, match="unreachable.*ollama serve"):
        choose_backend(settings.model_copy(update={"backend": Backend.OLLAMA, "ollama_host": url}))


def test_server_dying_mid_session_is_a_clear_error(on_ollama, runtime, minilm):
    with OllamaDouble(runtime, minilm) as short_lived:
        services = Services(on_ollama.model_copy(update={"ollama_host": short_lived.url}))
        assert services.llm.choice.backend is Backend.OLLAMA
    with pytest.raises(BackendUnavailable, match="unreachable"), services.llm.errors():
        list(services.llm.chat_model().stream([HumanMessage("hi")]))


def test_register_creates_the_domain_model_through_blobs_and_create(tmp_path, ollama_server):
    import json

    from assistant.finetune.ollama_register import register

    domain = tmp_path / "faq"
    domain.mkdir()
    (domain / "adapter.gguf").write_bytes(b"GGUF" + b"\x00" * 64)
    (domain / "card.json").write_text(json.dumps({"name": "faq", "base_model": {"ollama": "smollm2:135m"}}))
    model = register(domain, ollama_server.url, timeout_s=30)
    assert model == "crossroads-faq"
    request = ollama_server.created[model]
    assert request["from"] == "smollm2:135m"
    assert list(request["adapters"].values())[0] in ollama_server.blobs
    assert "crossroads-faq" in probe(ollama_server.url, 1.0).models


def test_register_with_a_base_missing_on_ollama_says_which_pull(tmp_path, ollama_server):
    import json

    from assistant.finetune.ollama_register import register

    domain = tmp_path / "faq"
    domain.mkdir()
    (domain / "adapter.gguf").write_bytes(b"GGUF")
    (domain / "card.json").write_text(json.dumps({"name": "faq", "base_model": {"ollama": "qwen9:1b"}}))
    with pytest.raises(BackendUnavailable, match="ollama pull qwen9:1b"):
        register(domain, ollama_server.url, timeout_s=30)


def test_answers_spread_over_several_hosts_and_move_on_when_one_dies(on_ollama, runtime, minilm, ollama_server):
    """Two protocol doubles behind OLLAMA_HOST=a,b: answers alternate; once one is killed, every
    answer still comes (from the other), and the dead host is tried last from then on."""

    def chats(double: OllamaDouble) -> int:
        return sum(path == "/api/chat" for _, path in double.requests)

    with OllamaDouble(runtime, minilm) as doomed:
        services = Services(on_ollama.model_copy(update={"ollama_host": f"{ollama_server.url},{doomed.url}"}))
        assert services.llm.choice.backend is Backend.OLLAMA
        before = chats(ollama_server), chats(doomed)
        for _ in range(4):
            with services.llm.errors():
                assert "".join(c.text for c in services.llm.chat_model().stream([HumanMessage("Say hi.")])).strip()
        assert chats(ollama_server) - before[0] == 2 and chats(doomed) - before[1] == 2
    for _ in range(3):  # the second host is gone: each answer still arrives
        with services.llm.errors():
            assert "".join(c.text for c in services.llm.chat_model().stream([HumanMessage("Say hi.")])).strip()
    assert services.llm.pool.order()[-1] == doomed.url
    assert len(services.embeddings.embed_documents(["still embeds"])) == 1
    everyone_dead = Services(on_ollama.model_copy(update={"ollama_host": f"{dead_url()},{dead_url()}"}))
    assert everyone_dead.llm.choice.backend is Backend.EMBEDDED and "unreachable" in everyone_dead.llm.choice.reason
