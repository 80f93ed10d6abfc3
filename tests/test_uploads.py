import os
from pathlib import Path

import pytest

from assistant.errors import BadInput
from assistant.index.loaders import LOADERS
from assistant.uploads import safe_name, save_upload


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\notes.md", "notes.md"),
        ("re\x00port\x07.md", "report.md"),
        ("<script>alert(1)</script>.md", "script-.md"),
        ("  .hidden.md", "hidden.md"),
        ("", "upload"),
    ],
)
def test_safe_name_keeps_only_a_clean_base_name(given, expected):
    assert safe_name(given) == expected


def test_path_in_the_name_cannot_escape_the_knowledge_folder(tmp_path):
    src = tmp_path / "x"
    src.write_text("hello")
    knowledge = tmp_path / "knowledge"
    with pytest.raises(BadInput, match="not a supported"):
        save_upload(src, "../../etc/passwd", knowledge, max_bytes=1000)
    saved = save_upload(src, "../../../tmp/evil.md", knowledge, max_bytes=1000)
    assert saved.parent == knowledge / "uploads" and saved.name == "evil.md"
    assert not (tmp_path / "tmp").exists()


def test_executable_empty_and_oversized_uploads_are_refused(tmp_path):
    knowledge = tmp_path / "knowledge"
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    with pytest.raises(BadInput, match="not a supported document type"):
        save_upload(exe, "tool.exe", knowledge, max_bytes=1000)
    old_excel = tmp_path / "prices.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(BadInput) as refused:
        save_upload(old_excel, "prices.xls", knowledge, max_bytes=1000)
    assert "save it as .xlsx or .csv" in refused.value.hint
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    with pytest.raises(BadInput, match="empty"):
        save_upload(empty, "empty.md", knowledge, max_bytes=1000)
    big = tmp_path / "big.md"
    big.write_bytes(os.urandom(2048))
    with pytest.raises(BadInput, match="over the"):
        save_upload(big, "big.md", knowledge, max_bytes=1024)
    assert not (knowledge / "uploads").exists() or not any((knowledge / "uploads").iterdir())


def test_same_name_twice_keeps_both_and_same_bytes_twice_is_refused(tmp_path):
    src, other = tmp_path / "a.md", tmp_path / "b.md"
    src.write_text("one")
    other.write_text("two")
    first = save_upload(src, "notes.md", tmp_path / "k", max_bytes=100)
    second = save_upload(other, "notes.md", tmp_path / "k", max_bytes=100)
    assert first.name == "notes.md" and second.name == "notes-2.md"
    with pytest.raises(BadInput, match="already in the knowledge base as uploads/notes.md"):
        save_upload(src, "copy of notes.md", tmp_path / "k", max_bytes=100)


def test_long_names_keep_their_extension():
    name = safe_name("quarterly report " * 20 + ".pdf")
    assert name.endswith(".pdf") and len(name) <= 100
    assert safe_name("x" * 300 + ".md").endswith(".md")


def test_files_the_ingest_skipped_are_removed_with_their_reason(tmp_path):
    from assistant.uploads import drop_unindexed

    (tmp_path / "uploads").mkdir()
    good, bad = tmp_path / "uploads" / "good.md", tmp_path / "uploads" / "bad.pdf"
    good.write_text("# ok"), bad.write_bytes(b"%PDF junk")
    failed = drop_unindexed([good, bad], tmp_path, [("uploads/bad.pdf", "not a valid PDF"), ("other.txt", "empty")])
    assert failed == {bad: "not a valid PDF"} and good.exists() and not bad.exists()


def test_the_chat_s_upload_button_offers_every_type_the_folder_reads():
    """Chainlit's accept list (.chainlit/config.toml) filters the file picker: a type the index reads but
    the list lacks cannot be uploaded in the chat at all."""
    import tomllib

    config = tomllib.loads((Path(__file__).parent.parent / ".chainlit" / "config.toml").read_text())
    offered = {suffix for suffixes in config["features"]["spontaneous_file_upload"]["accept"].values() for suffix in suffixes}
    assert offered == set(LOADERS)
