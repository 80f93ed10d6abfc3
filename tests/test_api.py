"""The OpenAI-compatible API: same turn as the chat, citations kept, access closed unless opened."""

import json

import pytest

from assistant.api import build_router, mode_of, model_ids, parse_keys
from assistant.services import Services

KEYS = "k-agent:agent,k-viewer:viewer"
AGENT = {"Authorization": "Bearer k-agent"}


def client_for(settings, pipeline=lambda: pytest.fail("the turn must not run"), ingest=None, keys=KEYS):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    app.include_router(build_router(pipeline, settings.model_copy(update={"api_keys": keys}), ingest))
    return TestClient(app)


class NoDomains:
    router = type("R", (), {"domains": []})()


def ask(client, model="crossroads", stream=False, headers=None, **extra):
    body = {"model": model, "messages": [{"role": "user", "content": "How do I pair the remote?"}], "stream": stream}
    return client.post("/v1/chat/completions", json=body | extra, headers=AGENT if headers is None else headers)


def test_models_and_request_errors_need_no_model(settings):
    client = client_for(settings, lambda: NoDomains)
    ids = [m["id"] for m in client.get("/v1/models", headers=AGENT).json()["data"]]
    assert ids == model_ids() and "crossroads-retrieval" in ids and "crossroads-auto" not in ids
    unknown = ask(client, model="gpt-4")
    assert unknown.status_code == 400 and "crossroads-retrieval" in unknown.json()["error"]["message"]
    bad = client.post("/v1/chat/completions", json={"model": "crossroads", "messages": [{"role": "system", "content": "x"}]},
                      headers=AGENT)  # fmt: skip
    assert bad.status_code == 400 and "user message" in bad.json()["error"]["message"]
    assert client.post("/v1/chat/completions", content=b"not json", headers=AGENT).status_code == 400


def test_model_names_pick_a_route_and_a_domain():
    assert mode_of("crossroads", ["tv"]) == ("auto", None)
    assert mode_of("crossroads-retrieval") == mode_of("crossroads/retrieval") == ("retrieval", None)
    assert mode_of("crossroads-finetuned:tv", ["tv"]) == ("finetuned", "tv")
    assert mode_of("crossroads-finetuned:nope", ["tv"]) is None and mode_of("crossroads-retrieval:tv", ["tv"]) is None
    assert "crossroads-finetuned:tv" in model_ids(["tv"])


def test_the_api_is_off_without_keys_and_checks_them(settings):
    off = client_for(settings, keys="")
    refused = off.get("/v1/models")
    assert refused.status_code == 403 and "ASSISTANT_API_KEYS" in refused.json()["error"]["message"]
    keyed = client_for(settings, lambda: NoDomains)
    assert keyed.get("/v1/models").status_code == 401
    wrong = keyed.get("/v1/models", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401 and wrong.json()["error"]["type"] == "authentication_error"
    assert keyed.get("/v1/models", headers={"Authorization": "Bearer k-viewer"}).status_code == 200
    assert parse_keys(" a:agent , b:viewer, c ") == {"a": "agent", "b": "viewer", "c": "agent"}


def test_agents_add_documents_through_the_api_viewers_may_not(settings, tmp_path):
    from types import SimpleNamespace

    settings = settings.model_copy(update={"knowledge_dir": tmp_path / "docs"})
    settings.knowledge_dir.mkdir()
    skipped = []
    client = client_for(settings, ingest=lambda: SimpleNamespace(skipped=list(skipped), chunks_total=7))
    doc = ("notes.md", b"# Notes\n\nThe Zephyr remote is teal.", "text/markdown")
    viewer = client.post("/v1/knowledge", files={"file": doc}, headers={"Authorization": "Bearer k-viewer"})
    assert viewer.status_code == 403 and not (settings.knowledge_dir / "uploads").exists()
    added = client.post("/v1/knowledge", files={"file": doc}, headers=AGENT)
    assert added.status_code == 200 and added.json()["indexed"] and (settings.knowledge_dir / added.json()["file"]).exists()
    evil = client.post("/v1/knowledge", files={"file": ("../../etc/x.exe", b"MZ", "application/octet-stream")},
                       headers=AGENT)  # fmt: skip
    assert evil.status_code == 400
    skipped.append(("uploads/broken.pdf", "not a valid PDF"))
    broken = client.post("/v1/knowledge", files={"file": ("broken.pdf", b"%PDF-1.4 junk", "application/pdf")},
                         headers=AGENT)  # fmt: skip
    assert broken.status_code == 422 and "not a valid PDF" in broken.json()["error"]["message"]
    assert not (settings.knowledge_dir / "uploads" / "broken.pdf").exists()
    assert client.post("/v1/knowledge", content=b"x", headers=AGENT).status_code == 400


@pytest.mark.slow
def test_answers_keep_route_and_citations_streamed_or_not(settings, folder):
    services = Services(settings)
    services.ingestor().run()
    client = client_for(settings, lambda: services.pipeline)
    reply = ask(client, model="crossroads/retrieval").json()
    meta, text = reply["crossroads"], reply["choices"][0]["message"]["content"]
    assert meta["route"] == "retrieval" and meta["citations"]
    assert "Sources:\n[1] " in text and meta["citations"][0]["source"] in text

    with client.stream("POST", "/v1/chat/completions", headers=AGENT, json={
        "model": "crossroads", "stream": True,
        "messages": [{"role": "user", "content": "Who won the 1954 chess olympiad?"}],
    }) as response:  # fmt: skip
        events = [line.removeprefix("data: ") for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    streamed = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    final = chunks[-1]
    assert final["choices"][0]["finish_reason"] == "stop" and final["crossroads"]["answer_kind"] == "not_found"
    assert streamed.startswith("I could not find") and "Sources:" in streamed


@pytest.mark.slow
def test_the_official_openai_client_and_langchain_chatopenai_work_against_it(settings, folder):
    from langchain_openai import ChatOpenAI
    from openai import OpenAI

    services = Services(settings)
    services.ingestor().run()
    http = client_for(settings, lambda: services.pipeline)  # a TestClient is an httpx.Client: no port needed
    client = OpenAI(base_url="http://testserver/v1", api_key="k-agent", http_client=http)
    assert "crossroads" in [m.id for m in client.models.list()]
    reply = client.chat.completions.create(model="crossroads-retrieval",
                                           messages=[{"role": "user", "content": "How do I pair the remote?"}])  # fmt: skip
    assert reply.choices[0].message.content and reply.model_extra["crossroads"]["route"] == "retrieval"
    stream = client.chat.completions.create(model="crossroads", stream=True,
                                            messages=[{"role": "user", "content": "Who won the 1954 chess olympiad?"}])  # fmt: skip
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text.startswith("I could not find")
    with pytest.raises(Exception, match="401|API key"):
        OpenAI(base_url="http://testserver/v1", api_key="wrong", http_client=http, max_retries=0).models.list()

    chat = ChatOpenAI(model="crossroads-retrieval", base_url="http://testserver/v1", api_key="k-agent", http_client=http)
    message = chat.invoke("How do I pair the remote?")
    assert "Sources:" in message.content
    assert "".join(chunk.content for chunk in chat.stream("How do I pair the remote?"))


@pytest.mark.slow
def test_a_client_that_leaves_mid_stream_leaves_the_server_serving(settings, folder):
    services = Services(settings)
    services.ingestor().run()
    client = client_for(settings, lambda: services.pipeline)
    body = {"model": "crossroads-retrieval", "stream": True,
            "messages": [{"role": "user", "content": "How do I pair the remote?"}]}  # fmt: skip
    with client.stream("POST", "/v1/chat/completions", headers=AGENT, json=body) as response:
        first = next(line for line in response.iter_lines() if line.startswith("data: "))
    assert '"role": "assistant"' in first  # gone after the first event
    again = ask(client, model="crossroads-retrieval")
    assert again.status_code == 200 and again.json()["crossroads"]["route"] == "retrieval"
