import json

import pytest

from assistant.errors import BadInput
from assistant.eval.routing import fit_from_file
from assistant.router import Policy

pytestmark = pytest.mark.slow


def test_router_fit_on_your_own_labels_writes_a_policy_the_router_loads(settings, folder, tmp_path):
    rows = [{"question": q, "route": "retrieval"} for q in
            ["What does firmware 1402 fix?", "When is the Smart Hub store offline?", "What does the QN90 cost?"]]
    rows += [{"question": q, "route": "not_found"} for q in ["Who won the 1954 chess olympiad?", "Best pizza in Rome?"]]
    data = tmp_path / "labels.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    path, metrics = fit_from_file(settings, data)
    assert path == settings.adapters_dir / "router.json"
    assert metrics["n"] == 5 and metrics["accuracy"] >= 0.8
    policy, warning = Policy.load(path)
    assert warning is None and policy.source == str(path)


def test_router_fit_rejects_bad_labels(settings, folder, tmp_path):
    data = tmp_path / "labels.jsonl"
    data.write_text(json.dumps({"question": "x", "route": "magic"}) + "\n")
    with pytest.raises(BadInput, match="line 1"):
        fit_from_file(settings, data)
