"""A damaged generation on disk is detected, not served, and repaired by the next ingest."""

import numpy as np
import pytest

from assistant.index.store import DamagedIndex, Snapshot

pytestmark = pytest.mark.slow


def two_generations(folder, ingestor, store) -> tuple[str, str]:
    ingestor.run()
    first = store.current_name()
    (folder / "notice.txt").write_text("The service desk now opens at 07:00 on weekdays.\n")
    ingestor.run()
    return first, store.current_name()


def truncate_vectors(d):
    data = (d / "vectors.npy").read_bytes()
    (d / "vectors.npy").write_bytes(data[: len(data) // 2])


def bad_chunk_line(d):
    with (d / "chunks.jsonl").open("a") as f:
        f.write("{not json\n")


def same_size_overwrite(d):  # only the checksum can tell
    data = bytearray((d / "vectors.npy").read_bytes())
    data[-8:] = b"\x00" * 8
    (d / "vectors.npy").write_bytes(bytes(data))


def missing_tf(d):
    (d / "tf.npz").unlink()


def bad_manifest(d):
    (d / "manifest.json").write_text("{")


@pytest.mark.parametrize("damage", [truncate_vectors, bad_chunk_line, same_size_overwrite, missing_tf, bad_manifest])
def test_a_damaged_generation_is_not_served_the_previous_one_is_and_ingest_repairs_it(folder, ingestor, store, damage):
    first, second = two_generations(folder, ingestor, store)
    damage(store.root / second)
    with pytest.raises(DamagedIndex):
        Snapshot.read(store.root / second)

    reader = type(store)(store.root)  # a fresh process: nothing cached
    served = reader.snapshot()
    assert served is not None and served.manifest.generation == first
    assert second in reader.warning and first in reader.warning

    summary = type(ingestor)(folder, reader, ingestor.embeddings, max_file_bytes=1_000_000).run()
    assert summary.damage and summary.generation not in (first, second)
    assert reader.warning is None and "notice.txt" in summary.changed  # brought up to date from the older one
    text = " ".join(c.text for c in type(store)(store.root).snapshot().chunks)
    assert "07:00" in text


def test_current_naming_a_missing_generation_and_no_intact_one_rebuilds_from_nothing(folder, ingestor, store):
    ingestor.run()
    (store.root / "CURRENT").write_text("gen-gone\n")
    for d in store.root.glob("gen-*"):
        truncate_vectors(d)
    reader = type(store)(store.root)
    assert reader.snapshot() is None and "no earlier generation is intact" in reader.warning
    summary = type(ingestor)(folder, reader, ingestor.embeddings, max_file_bytes=1_000_000).run()
    assert summary.generation and len(summary.added) == 8 and reader.snapshot() is not None


def test_rebuild_embeds_every_file_again_and_keeps_one_generation_to_fall_back_to(folder, ingestor, store):
    first, second = two_generations(folder, ingestor, store)
    assert {d.name for d in store.root.glob("gen-*")} == {first, second}
    summary = ingestor.run(rebuild=True)
    assert len(summary.added) == 8 and summary.chunks_embedded == summary.chunks_total
    assert {d.name for d in store.root.glob("gen-*")} == {second, summary.generation}
    assert np.isfinite(store.snapshot().vectors.astype(np.float32)).all()


def test_a_stop_request_ends_an_ingest_at_the_next_file_and_commits_nothing(folder, ingestor, store):
    from assistant.errors import AssistantError

    seen = []

    def progress(p):
        seen.append(p)
        if len(seen) == 2:
            ingestor.stop.set()  # what the server's shutdown hook does

    with pytest.raises(AssistantError, match="shutting down"):
        ingestor.run(progress)
    assert store.current_name() is None and not list(store.root.glob("gen-*"))
    ingestor.stop.clear()
    assert ingestor.run().generation  # the lock was released: the next start indexes as usual


def test_a_manifest_from_a_newer_version_still_reads():
    """An older release reading a newer index must not call it damaged for a key it does not know."""
    from assistant.index.store import Manifest

    manifest = Manifest.from_json({"embedding_model": "m", "dimension": 3, "files": {}, "added_later": 1})
    assert manifest.embedding_model == "m" and manifest.chunking == ""
