import json

from assistant.domains import Competence, discover, load_cards, read_card


def write(domain, card) -> None:
    domain.mkdir(parents=True)
    (domain / "adapter.gguf").write_bytes(b"GGUF")
    (domain / "card.json").write_text(card if isinstance(card, str) else json.dumps(card))


def test_cards_are_typed_and_say_why_a_domain_is_not_routed(tmp_path):
    membership = {"k": 3, "similarity": [0.5] * 51, "coverage": [0.9] * 51, "vocabulary": ["tv"]}
    check = {"questions": 20, "token_f1_base": 0.2, "token_f1_finetuned": 0.5}
    write(tmp_path / "good", {"exemplars": ["q?"], "membership": membership, "metrics": {"heldout_check": check}})
    write(tmp_path / "old", {"exemplars": ["q?"], "metrics": {"heldout_check": check}})
    write(tmp_path / "weak", {"exemplars": ["q?"], "membership": membership,
                              "metrics": {"heldout_check": check | {"token_f1_finetuned": 0.21}}})  # fmt: skip
    write(tmp_path / "bare", {})
    write(tmp_path / "broken", "{not json")
    cards, warnings = load_cards(tmp_path)
    by_name = {c.name: c for c in cards}
    assert [n for n, _ in discover(tmp_path)] == ["bare", "broken", "good", "old", "weak"]
    assert by_name["good"].why_not_routed() is None and by_name["good"].membership.thresholds(7) == (0.5, 0.9)
    assert "predates" in by_name["old"].why_not_routed()
    assert "does not clearly beat" in by_name["weak"].why_not_routed()
    assert "no exemplar" in by_name["bare"].why_not_routed()
    assert "broken" not in by_name and any("unreadable" in w for w in warnings)
    assert read_card(tmp_path / "missing") == (None, "domain 'missing' has no card.json; the router cannot pick it")


def test_competence_needs_a_clear_margin():
    assert Competence(20, 0.19, 0.45).earned
    assert not Competence(20, 0.19, 0.21).earned
    assert not Competence(20, 0.40, 0.46).earned  # +0.06 but not 1.25×
