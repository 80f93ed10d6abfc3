from assistant.finetune.augment import Section, augment, rewrites
from assistant.finetune.data import Example


def test_rewrites_rephrase_by_question_form_and_are_deterministic():
    how = rewrites("How do I pair the remote?")
    assert len(how) == 3 and all("pair the remote" in q for q in how)
    assert rewrites("How do I pair the remote?") == how
    assert any("What is it?" in q or "explain" in q.lower() or "Tell me" in q for q in rewrites("What is Ambient Mode?", 5))
    assert "How do I pair the remote?" not in how
    assert rewrites("Why is my screen dark") and all(q != "Why is my screen dark" for q in rewrites("Why is my screen dark"))


def test_augment_keeps_originals_adds_variants_and_sections():
    examples = [Example("How do I pair the remote?", "Hold Back and Play."), Example("What is Ambient Mode?", "A mode.")]
    out = augment(examples, variants=2, sections=[Section("Pairing", "Hold Back and Play for three seconds. " * 40),
                                                  Section("Tiny", "x")])  # fmt: skip
    assert out[0] == examples[0] and len([e for e in out if e.answer == "Hold Back and Play."]) == 3
    section = [e for e in out if "Pairing" in e.question]
    assert len(section) == 2 and len(section[0].answer) <= 900 and section[0].answer.endswith(".")
    assert not [e for e in out if "Tiny" in e.question]  # too short to teach anything
