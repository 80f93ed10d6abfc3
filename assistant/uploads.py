"""Files uploaded from the chat: checked (type, size, name) and saved into `knowledge/uploads/`.

Only the file's base name survives, cleaned to a safe subset, so `../../etc/passwd` becomes
`uploads/etc-passwd`-style names inside the knowledge folder and nothing is written elsewhere.
The copy is written under a hidden temporary name and renamed, so the watcher never indexes a
half-written file.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

from assistant.errors import BadInput
from assistant.index.loaders import CONVERT_TO, LOADERS

UPLOAD_DIR = "uploads"
UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)
MAX_NAME = 100  # characters; far below any file system's limit


def safe_name(name: str) -> str:
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = UNSAFE.sub("-", base).strip(" .-")
    stem, dot, ext = base.rpartition(".")
    if not (stem and dot):
        return base[:MAX_NAME] or "upload"
    ext = ext[:16]
    if len(stem) + 1 + len(ext) > MAX_NAME:  # long names are cut in the stem: they keep their extension
        stem = stem[: MAX_NAME - len(ext) - 1].rstrip(" .-") or "upload"
    return f"{stem}.{ext}"


def same_file_in(folder: Path, source: Path) -> Path | None:
    """A file already in the knowledge folder with the same bytes (checked by size, then hash)."""
    from assistant.index.ingest import file_sha256

    size, digest = source.stat().st_size, None
    for candidate in folder.rglob("*"):
        if candidate.is_file() and not candidate.name.startswith(".") and candidate.stat().st_size == size:
            digest = digest or file_sha256(source)
            if file_sha256(candidate) == digest:
                return candidate
    return None


def check_upload(original_name: str, size: int, *, max_bytes: int) -> None:
    """The checks that need only the name and size: a supported type, not empty, within the limit."""
    suffix = Path(safe_name(original_name)).suffix.lower()
    if suffix not in LOADERS:
        fix = CONVERT_TO.get(suffix)
        raise BadInput(
            f"'{original_name}' is not a supported document type",
            (f"save it as {fix} and upload that; " if fix else "") + f"upload one of: {', '.join(sorted(set(LOADERS)))}",
        )
    if size == 0:
        raise BadInput(f"'{original_name}' is empty (0 bytes)", "upload a file with content")
    if size > max_bytes:
        raise BadInput(
            f"'{original_name}' is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB upload limit",
            "split it, or ask an admin to raise ASSISTANT_MAX_FILE_MB",
        )


def save_upload(source: Path, original_name: str, knowledge_dir: Path, *, max_bytes: int) -> Path:
    """Validate and copy one uploaded file; returns its path inside the knowledge folder."""
    name = safe_name(original_name)
    check_upload(original_name, source.stat().st_size, max_bytes=max_bytes)
    if knowledge_dir.is_dir() and (twin := same_file_in(knowledge_dir, source)) is not None:
        raise BadInput(
            f"'{original_name}' is already in the knowledge base as {twin.relative_to(knowledge_dir).as_posix()}",
            "nothing was added; to replace a document, upload the changed version",
        )
    folder = knowledge_dir / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    stem, n = target.stem, 2
    while target.exists():
        target = folder / f"{stem}-{n}{target.suffix}"
        n += 1
    tmp = folder / f".{target.name}.partial"
    shutil.copyfile(source, tmp)
    tmp.rename(target)
    return target


def drop_unindexed(saved: list[Path], knowledge_dir: Path, skipped: list[tuple[str, str]]) -> dict[Path, str]:
    """After the ingest that followed an upload: remove each saved file the ingest skipped (nothing
    unindexable stays in the folder) and return why, by file."""
    reasons = dict(skipped)
    failed = {}
    for path in saved:
        reason = reasons.get(path.relative_to(knowledge_dir).as_posix())
        if reason:
            path.unlink(missing_ok=True)
            failed[path] = reason
    return failed
