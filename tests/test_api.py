"""The OpenAI-compatible API: same turn as the chat, citations kept, access closed unless opened."""

import json

import pytest

from assistant.api import build_router, model_ids
from assistant.services import Services


def client_for(settings, pipeline=lambda: pytest.fail("the turn must not run")):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    app = FastAPI()
    app.include_router(build_router(pipeline, settings))
    return TestClient(app)


def ask(client, model="crossroads", stream=False, headers=None, **extra):
    body = {"model": model, "messages": [{"role": "user", "content": "How do I pair the remote?"}], "stream": stream}
    return client.post("/v1/chat/completions", json=body | extra, headers=headers or {})


def test_models_and_request_errors_need_no_model(settings):
    client = client_for(settings)
    assert [m["id"] for m in client.get("/v1/models").json()["data"]] == model_ids()
    assert "crossroads/retrieval" in model_ids() and "crossroads/auto" not in model_ids()
    assert ask(client, model="gpt-4").status_code == 404
    bad = client.post("/v1/chat/completions", json={"model": "crossroads", "messages": [{"role": "system", "content": "x"}]})
    assert bad.status_code == 400 and "user message" in bad.json()["error"]["message"]
    assert client.post("/v1/chat/completions", content=b"not json").status_code == 400


def test_closed_while_chat_login_is_on_unless_a_key_is_set(settings):
    locked = client_for(settings.model_copy(update={"auth": "ana:pw:agent"}))
    assert locked.get("/v1/models").status_code == 403
    keyed = client_for(settings.model_copy(update={"auth": "ana:pw:agent", "api_key": "k-123"}))
    assert keyed.get("/v1/models").status_code == 401
    assert keyed.get("/v1/models", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert keyed.get("/v1/models", headers={"Authorization": "Bearer k-123"}).status_code == 200


@pytest.mark.slow
def test_answers_keep_route_and_citations_streamed_or_not(settings, folder):
    services = Services(settings)
    services.ingestor().run()
    client = client_for(settings, lambda: services.pipeline)
    reply = ask(client, model="crossroads/retrieval").json()
    meta, text = reply["crossroads"], reply["choices"][0]["message"]["content"]
    assert meta["route"] == "retrieval" and meta["citations"]
    assert "Sources:\n[1] " in text and meta["citations"][0]["source"] in text

    with client.stream("POST", "/v1/chat/completions", json={
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
