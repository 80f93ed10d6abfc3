import pytest

from assistant.answerability import EvidenceBar
from assistant.index.ingest import Ingestor
from assistant.index.store import IndexStore
from assistant.membership import compute_membership, general_questions

pytestmark = pytest.mark.slow


def test_the_bar_comes_from_the_folder_itself_and_is_cached_per_generation(folder, minilm, tmp_path):
    store = IndexStore(tmp_path / "index")
    bar = EvidenceBar(store, minilm, tmp_path / "cache")
    assert bar.bar(95) == (float("inf"), float("inf"))  # an empty folder answers nothing
    Ingestor(folder, store, minilm, max_file_bytes=10**6, lock_timeout_s=1).run()
    first, lexical = bar.bar(95)
    assert 0.2 <= first < 0.7 and 0 <= lexical <= 1
    assert len(bar.null_scores()[0]) == len(bar.null_scores()[1]) == len(general_questions())
    assert list((tmp_path / "cache").glob("evidence-bar-*.json"))
    again = EvidenceBar(store, minilm, tmp_path / "cache").bar(95)  # read back from the cache
    assert again[0] == pytest.approx(first, abs=1e-3) and again[1] == pytest.approx(lexical, abs=1e-3)
    assert bar.bar(50)[0] <= first


def test_a_bar_measured_under_other_bm25_weights_is_measured_again(folder, minilm, tmp_path, monkeypatch):
    """The lexical leg ranks with BM25: a release with other k1/b must not read the old figures."""
    store = IndexStore(tmp_path / "index")
    Ingestor(folder, store, minilm, max_file_bytes=10**6, lock_timeout_s=1).run()
    EvidenceBar(store, minilm, tmp_path / "cache").bar(95)
    monkeypatch.setattr("assistant.answerability.K1", 1.5)
    EvidenceBar(store, minilm, tmp_path / "cache").bar(95)
    assert len(list((tmp_path / "cache").glob("evidence-bar-*.json"))) == 2


def test_membership_admits_the_domain_and_rejects_general_questions(minilm):
    questions = ["How do I pair the Smart Remote?", "How do I turn on captions on the TV?",
                 "How can I reset the TV picture settings?", "How do I change the TV picture mode?",
                 "How do I connect the TV to Wi-Fi?", "How do I update the TV software?"]  # fmt: skip
    texts = [q + " Open Settings on the TV remote." for q in questions]
    m = compute_membership(questions, texts, minilm, heldout=["How can I pair my TV remote?"])
    assert len(m.similarity) == 51 and m.similarity == sorted(m.similarity)
    assert m.false_accept is not None and m.false_accept <= 0.05
    assert {"tv", "remot"} <= m.vocabulary


def test_a_folder_of_one_tiny_file_or_another_language_still_gets_a_bar(tmp_path, minilm):
    from assistant.retrieval import HybridSearcher

    for name, text, question, answerable in (
        ("tiny.md", "The Zephyr X9 remote charges over USB-C.", "How does the Zephyr X9 remote charge?", True),
        ("de.md", "Die Fernbedienung wird über USB-C geladen. Halten Sie Zurück und Play gedrückt.",
         "What is the capital of Peru?", False),
    ):  # fmt: skip
        folder = tmp_path / name.split(".")[0]
        folder.mkdir()
        (folder / name).write_text(text)
        store = IndexStore(folder / ".index")
        Ingestor(folder, store, minilm, max_file_bytes=10**6, lock_timeout_s=1).run()
        bar, lexical_bar = EvidenceBar(store, minilm, folder / ".cache").bar(97)
        evidence = HybridSearcher(store, minilm).search(question, 3)
        assert 0.2 <= bar < 1 and (evidence.best_dense >= bar or evidence.lexical >= lexical_bar) is answerable


def test_a_folder_answering_the_domain_s_questions_from_other_documents_is_another_product_s(tmp_path, minilm):
    from assistant.fingerprint import Fingerprint

    questions = ["How do I pair the remote?", "How do I turn on captions?", "How do I change the picture mode?"]
    answers = ["Hold Return and Play on the Smart Remote for three seconds to pair it with the TV.",
               "Open Settings, General, Accessibility and Caption Settings, then turn Caption on.",
               "Open Settings, Picture and Picture Mode, then pick Standard, Dynamic or Movie."]  # fmt: skip
    exemplars, fingerprint = minilm.embed_array(questions), Fingerprint.of(answers)
    for name, texts, expected in (
        ("own", answers, 0.0),
        ("notes", [t.replace("band", "TV") for t in (
            "To pair the band, open the Wearable app and follow the steps on the phone.",
            "To turn on captions for videos on the band, swipe down and tap Captions.",
            "To change the watch face mode, touch and hold the screen and pick a face.")], 0.0),  # names the product
        ("band", ["To pair the band, open the Wearable app and follow the steps on the phone.",
                  "To turn on captions for videos on the band, swipe down and tap Captions.",
                  "To change the watch face mode, touch and hold the screen and pick a face."], 1.0),
        ("empty", [], 0.0),
    ):  # fmt: skip
        folder = tmp_path / name
        folder.mkdir()
        for n, text in enumerate(texts):
            (folder / f"{n}.md").write_text(text)
        store = IndexStore(folder / ".index")
        Ingestor(folder, store, minilm, max_file_bytes=10**6, lock_timeout_s=1).run()
        bar = EvidenceBar(store, minilm, folder / ".cache")
        assert bar.foreign_share("tv", exemplars, fingerprint, 50, frozenset({"tv"})) == pytest.approx(expected, abs=0.34), name
        if texts:  # measured once per index generation, then read back (each `assistant ask` is a new process)
            assert len(list((folder / ".cache").glob("foreign-*.json"))) == 1
            again = EvidenceBar(store, minilm, folder / ".cache").foreign_share("tv", exemplars, fingerprint, 50,
                                                                                  frozenset({"tv"}))  # fmt: skip
            assert again == pytest.approx(expected, abs=0.34)


def test_a_passage_holding_every_content_word_answers_a_question_that_embeds_poorly(tmp_path, minilm):
    """'How do I configure Tint?' is two content words: its cosine stays under the folder's bar, and
    its asking words are in no passage, yet the section that configures tint holds both."""
    from assistant.retrieval import HybridSearcher
    from assistant.router import Signals, answers

    folder = tmp_path / "manual"
    folder.mkdir()
    (folder / "picture.md").write_text("# Configuring advanced picture settings\n\nTint (G/R): adjusts the ratio of "
                                       "green to red. Configure Sharpness and Contrast from Expert Settings.")  # fmt: skip
    for name, text in (("sound", "Adjust the volume with the remote control."), ("network", "Connect to Wi-Fi."),
                       ("apps", "Install apps from the store."), ("power", "Press and hold the power key.")):  # fmt: skip
        (folder / f"{name}.md").write_text(f"# {name}\n\n{text}")
    store = IndexStore(folder / ".index")
    Ingestor(folder, store, minilm, max_file_bytes=10**6, lock_timeout_s=1).run()
    evidence = HybridSearcher(store, minilm).search("How do I configure Tint?", 3)
    assert evidence.content == 1.0 and evidence.lexical < 1.0  # "how", "do", "i" are nowhere
    assert HybridSearcher(store, minilm).search("How do I configure Tint on the radio?", 3).content < 1.0
    assert HybridSearcher(store, minilm).search("What happens when I configure Tint?", 3).content == 1.0  # how one asks
    # both legs put the picture section first, and it holds both content words
    assert evidence.agreed and evidence.hits[0].chunk.source == "picture.md"
    assert not HybridSearcher(store, minilm).search("How do I configure Tint on the radio?", 3).agreed  # "radio": nowhere
    assert not HybridSearcher(store, minilm).search("What is Tint?", 3).agreed  # one content word is not enough
    (folder / "asking.md").write_text("# Asking\n\nWhat can you do? You can ask what you want.")
    Ingestor(folder, store, minilm, max_file_bytes=10**6, lock_timeout_s=1).run()
    assert not HybridSearcher(store, minilm).search("What can you do?", 3).agreed  # no content word at all

    def signals(evidence: float, content: float, agreed: bool = False) -> Signals:
        return Signals(domains=[], evidence=evidence, lexical=0.3, content=content, agreement=1.0, doc_age_days=None,
                       time_cue=0.0, follow_up=False, query="q", agreed=agreed)  # fmt: skip

    assert answers(signals(0.40, 1.0), bar=0.47, lexical_bar=0.55, gate=0.30)  # every word, close enough
    assert not answers(signals(0.25, 1.0), bar=0.47, lexical_bar=0.55, gate=0.30)  # every word, far in meaning
    assert not answers(signals(0.40, 0.8), bar=0.47, lexical_bar=0.55, gate=0.30)  # one word missing
    assert answers(signals(0.25, 1.0, agreed=True), bar=0.47, lexical_bar=0.55, gate=0.30)  # words and meaning agree
