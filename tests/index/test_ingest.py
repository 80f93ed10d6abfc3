import os
import subprocess
import sys
import textwrap

import pytest
from filelock import FileLock

from assistant.errors import AssistantError
from assistant.index import ingest as ingest_module
from assistant.index.chunking import CHUNKING
from assistant.index.ingest import Ingestor
from assistant.index.store import IndexStore, Snapshot
from assistant.retrieval import HybridSearcher
from tests.documents import write_pdf

pytestmark = pytest.mark.slow


def sources(store: IndexStore) -> set[str]:
    return {c.source for c in store.snapshot().chunks}


def test_every_supported_type_is_indexed_with_provenance(ingestor, store, minilm):
    summary = ingestor.run()
    assert sorted(summary.added) == sorted(
        ["release-notes.md", "notice.txt", "promo.html", "prices.csv", "faq.json", "tickets.jsonl", "manual.pdf", "policy.docx"]
    )
    assert not summary.skipped
    snap = store.snapshot()
    pdf_pages = {c.page for c in snap.chunks if c.source == "manual.pdf"}
    assert pdf_pages == {1, 2}
    headings = {c.section for c in snap.chunks if c.source == "release-notes.md"}
    assert "Release notes › Firmware 1402" in headings
    assert snap.manifest.embedding_model == minilm.model_id and snap.manifest.dimension == 384
    hits = HybridSearcher(store, minilm).search("how do I pair the remote", k=3).hits
    assert hits[0].chunk.source == "manual.pdf" and hits[0].chunk.page == 2
    assert hits[0].bm25_rank is not None and hits[0].dense_rank is not None


def test_second_run_does_no_work_and_ids_are_stable(ingestor, store):
    ingestor.run()
    ids = [c.id for c in store.snapshot().chunks]
    generation = store.current_name()
    again = ingestor.run()
    assert again.chunks_embedded == 0 and not again.changed_anything
    assert store.current_name() == generation
    os.utime(ingestor.root / "notice.txt")  # touched, same bytes: hashed, not re-embedded
    touched = ingestor.run()
    assert touched.chunks_embedded == 0 and not touched.changed
    assert [c.id for c in store.snapshot().chunks] == ids


def test_changes_and_deletions_are_carried_through(ingestor, store, minilm):
    ingestor.run()
    (ingestor.root / "notice.txt").write_text("Service notice: the store reopened on 5 December.")
    (ingestor.root / "prices.csv").unlink()
    (ingestor.root / "new.md").write_text("# New\n\nThe QN95 launches in January with a 144 Hz panel.")
    summary = ingestor.run()
    assert summary.changed == ["notice.txt"] and summary.deleted == ["prices.csv"] and summary.added == ["new.md"]
    assert summary.chunks_embedded == 2  # only the new and the changed file's chunks
    assert "prices.csv" not in sources(store)  # no ghost citations
    texts = " ".join(c.text for c in store.snapshot().chunks)
    assert "maintenance" not in texts and "reopened" in texts
    top = HybridSearcher(store, minilm).search("QN95 launch panel", k=1).hits[0]
    assert top.chunk.source == "new.md"


def test_bad_files_are_skipped_with_reasons_and_the_rest_is_indexed(ingestor, store, tmp_path):
    root = ingestor.root
    (root / "corrupt.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(2000))
    write_pdf(tmp_path / "plain.pdf", ["secret"])
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(tmp_path / "plain.pdf"))
    writer.encrypt("pw")
    writer.write(root / "locked.pdf")
    (root / "empty.md").write_text("")
    (root / "binary.txt").write_bytes(b"\x7fELF\x00\x00\x01" + os.urandom(500))
    (root / "huge.txt").write_text("x" * 2_000_000)
    (root / "bad\x07name.md").write_text("bell in the name")
    outside = tmp_path / "outside.md"
    outside.write_text("not in the knowledge folder")
    (root / "escape.md").symlink_to(outside)
    (root / "program.exe").write_bytes(b"MZ")
    (root / "slides.pptx").write_bytes(b"PK")
    summary = ingestor.run()
    reasons = dict(summary.skipped)
    assert "corrupt PDF" in reasons["corrupt.pdf"]
    assert "encrypted" in reasons["locked.pdf"]
    assert reasons["empty.md"] == "empty file"
    assert "binary" in reasons["binary.txt"]
    assert "too large" in reasons["huge.txt"]
    assert "control characters" in reasons["bad\x07name.md"]
    assert "outside" in reasons["escape.md"]
    assert "unsupported" in reasons["program.exe"]
    assert reasons["slides.pptx"] == "unsupported file type '.pptx': save it as PDF"
    assert len(summary.added) == 8 and "manual.pdf" in sources(store)


def test_a_file_that_turns_corrupt_keeps_its_previous_version(ingestor, store):
    ingestor.run()
    (ingestor.root / "manual.pdf").write_bytes(b"%PDF-1.4 broken")
    summary = ingestor.run()
    assert "manual.pdf" in dict(summary.skipped)
    assert "manual.pdf" in sources(store)
    assert any("kept the previously indexed version" in n for n in summary.notes)


def test_file_deleted_while_being_read(ingestor, store, monkeypatch):
    real_load = ingest_module.load_within

    def vanishing_load(path, max_chars=None, max_seconds=None):
        if path.name == "notice.txt":
            path.unlink()
        return real_load(path, max_chars, max_seconds)

    monkeypatch.setattr(ingest_module, "load_within", vanishing_load)
    summary = ingestor.run()
    assert ("notice.txt", "deleted while being read") in summary.skipped
    assert "notice.txt" not in sources(store) and "manual.pdf" in sources(store)


def test_second_ingest_waits_then_says_so(ingestor, store):
    store.root.mkdir(parents=True)
    waited = []
    with FileLock(store.lock_path):
        with pytest.raises(AssistantError, match="another ingest"):
            ingestor.run(on_wait=lambda: waited.append(True))
    assert waited == [True]
    assert ingestor.run().added  # the lock is free again


def test_crash_while_writing_leaves_the_previous_generation_serving(ingestor, store, monkeypatch):
    ingestor.run()
    before = store.current_name()
    (ingestor.root / "late.md").write_text("A late addition about firmware 1410.")

    def crash(self, directory):
        directory.mkdir(parents=True)
        (directory / "chunks.jsonl").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(Snapshot, "write", crash)
    with pytest.raises(AssistantError, match="could not write the new index .*current index keeps serving"):
        ingestor.run()
    assert not [p for p in store.root.iterdir() if p.name.endswith(".partial")], "no half-written generation left"
    monkeypatch.undo()
    fresh_reader = IndexStore(store.root)
    assert fresh_reader.current_name() == before
    assert "late.md" not in {c.source for c in fresh_reader.snapshot().chunks}
    assert ingestor.run().added == ["late.md"]
    assert not [p for p in store.root.iterdir() if p.name.endswith(".partial")]


def test_killed_ingest_never_damages_the_index(ingestor, store, tmp_path):
    ingestor.run()
    before = store.current_name()
    for i in range(40):
        (ingestor.root / f"bulk-{i}.md").write_text(f"# Bulk {i}\n\n" + f"Paragraph about topic {i}. " * 60)
    script = textwrap.dedent(
        f"""
        from assistant.index.ingest import Ingestor
        from assistant.index.store import IndexStore
        from assistant.llm.embeddings import MiniLMEmbeddings
        Ingestor({str(ingestor.root)!r}, IndexStore({str(store.root)!r}), MiniLMEmbeddings()).run(
            lambda p: p.phase == "embed" and print("embedding", flush=True))
        """
    )
    # Killed once it says it is embedding (the first of four batches): a fixed 5 s wait let a fast
    # machine embed the whole bulk and commit first.
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "embedding", "the ingest ended before it embedded anything"
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode != 0, "the ingest finished before it could be killed; add more files"
    reader = IndexStore(store.root)
    assert reader.current_name() == before
    snap = reader.snapshot()
    assert len(snap) == sum(f.chunks for f in snap.manifest.files.values())
    summary = ingestor.run()  # the next ingest recovers: the dead process' lock is released by the OS
    assert len(summary.added) == 40


def test_embedding_model_change_reembeds_everything(ingestor, store, minilm):
    ingestor.run()

    class Renamed:
        model_id, dimension = "other-model", 384
        embed_array = staticmethod(minilm.embed_array)

    summary = Ingestor(ingestor.root, store, Renamed()).run()
    assert any("embedding model changed" in n for n in summary.notes)
    assert summary.chunks_embedded == summary.chunks_total
    assert store.snapshot().manifest.embedding_model == "other-model"
    with pytest.raises(AssistantError, match="re-embed"):
        HybridSearcher(store, minilm).search("remote")


def test_non_utf8_file_name_is_skipped_with_a_reason(ingestor, store):
    raw = os.fsencode(ingestor.root) + b"/caf\xe9-notes.md"
    with open(raw, "wb") as f:
        f.write(b"# Notes\n\nLatin-1 name.")
    summary = ingestor.run()
    reasons = dict(summary.skipped)
    assert any("not valid UTF-8" in r for r in reasons.values())
    assert "manual.pdf" in sources(store)


def test_watcher_reflects_added_and_deleted_files_within_seconds(ingestor, store):
    import time

    from assistant.index.watch import FolderWatcher

    ingestor.run()
    watcher = FolderWatcher(ingestor.root, ingestor.run, debounce_s=0.5).start()
    try:
        (ingestor.root / "late-news.md").write_text("# News\n\nThe QN95 ships in March.")
        deadline = time.time() + 20
        while "late-news.md" not in sources(store):
            assert time.time() < deadline, "new file not indexed within 20 s"
            time.sleep(0.2)
        (ingestor.root / "notice.txt").unlink()
        while "notice.txt" in sources(store):
            assert time.time() < deadline, "deleted file still indexed"
            time.sleep(0.2)
    finally:
        watcher.stop()


def test_an_unreadable_folder_is_not_an_empty_one(ingestor, store, monkeypatch):
    sub = ingestor.root / "team"
    sub.mkdir()
    (sub / "handbook.md").write_text("# Handbook\n\nEscalate billing disputes to the finance desk within 24 hours.")
    ingestor.run()
    real_walk = os.walk

    def walk_without_team(top, **kwargs):  # what a permission or mount hiccup on team/ looks like (tests run as root)
        for dirpath, dirnames, filenames in real_walk(top, **kwargs):
            if "team" in dirnames:
                dirnames.remove("team")
                kwargs["onerror"](PermissionError(13, "Permission denied", str(sub)))
            yield dirpath, dirnames, filenames

    monkeypatch.setattr(ingest_module.os, "walk", walk_without_team)
    summary = ingestor.run()
    assert not summary.deleted and "team/handbook.md" in sources(store)
    assert any("team/: cannot be read" in n for n in summary.notes)
    monkeypatch.setattr(ingest_module.os, "access", lambda path, mode: False)
    with pytest.raises(AssistantError, match="cannot read the knowledge folder"):
        ingestor.run()
    assert "team/handbook.md" in sources(store) and "notice.txt" in sources(store)


def test_a_file_that_failed_is_not_parsed_again_until_it_changes(folder, store, minilm, monkeypatch):
    """With the watcher on, every change in the folder runs an ingest: a decompression bomb must
    not be re-extracted each time (seconds of CPU per run), only when its bytes change."""
    parsed = []
    real_load = ingest_module.load_within

    def counting_load(path, *args):
        parsed.append(path.name)
        return real_load(path, *args)

    monkeypatch.setattr(ingest_module, "load_within", counting_load)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    memo: dict = {}
    for _ in range(3):
        summary = Ingestor(folder, store, minilm, unreadable=memo).run()
        assert any(f == "broken.pdf" for f, _ in summary.skipped)
    assert parsed.count("broken.pdf") == 1
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 still not really")
    Ingestor(folder, store, minilm, unreadable=memo).run()
    assert parsed.count("broken.pdf") == 2  # changed bytes: read again


def test_an_index_cut_the_old_way_is_re_cut_and_unchanged_passages_keep_their_vectors(ingestor, store):
    ingestor.run()
    snapshot = store.working_copy()
    snapshot.manifest.chunking = ""  # as an index written before the manifest said how it was cut
    store.commit(snapshot)
    summary = ingestor.run()
    assert any("cut into passages differently" in n for n in summary.notes)
    assert summary.chunks_embedded == 0  # the same cut: every vector reused
    assert store.snapshot().manifest.chunking.startswith(f"{CHUNKING}/")
    assert not ingestor.run().changed_anything
