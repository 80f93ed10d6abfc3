import json

import pytest

from assistant.errors import BadInput
from assistant.router import Calibration
from assistant.router_fit import fit_from_file
from assistant.services import Services

pytestmark = pytest.mark.slow
DOMAIN_QUESTIONS = ["How do I pair the Zephyr remote?", "How do I reset the Zephyr remote?", "Zephyr remote battery?"]


@pytest.fixture
def services(settings, folder):
    domain = settings.adapters_dir / "zephyr"
    domain.mkdir()
    (domain / "adapter.gguf").write_bytes(b"GGUF")  # never loaded: these tests stop before generation
    (domain / "card.json").write_text(json.dumps({"name": "zephyr", "exemplars": DOMAIN_QUESTIONS}))
    services = Services(settings)
    services.ingestor().run()
    return services


def test_fit_writes_a_calibration_that_routes_the_training_examples(services, tmp_path):
    rows = [{"question": q, "route": "finetuned"} for q in DOMAIN_QUESTIONS + ["Pairing the Zephyr remote?"]]
    rows += [{"question": q, "route": "retrieval"} for q in
             ["What does firmware 1402 fix?", "When is the Smart Hub store offline?", "What does the QN90 cost?",
              "Warranty length?"]]  # fmt: skip
    data = tmp_path / "labels.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    path, metrics = fit_from_file(services, data)
    assert path == services.settings.adapters_dir / "router.json"
    assert metrics["accuracy"] >= 0.75
    calibration, warning = Calibration.load(path)
    assert warning is None and calibration.source == str(path)


def test_fit_rejects_bad_labels(services, tmp_path):
    data = tmp_path / "labels.jsonl"
    data.write_text(json.dumps({"question": "x", "route": "magic"}) + "\n")
    with pytest.raises(BadInput, match="line 1"):
        fit_from_file(services, data)
