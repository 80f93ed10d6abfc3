"""Watch the knowledge folder and re-run an ingest shortly after files stop changing.

Editors and copy tools touch a file several times; events are debounced so one save or one
dropped batch of files gives one ingest. The ingest itself is incremental, so what it costs is
the changed files' embedding time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


class FolderWatcher:
    def __init__(self, root: Path, on_change: Callable[[], None], *, debounce_s: float = 1.0) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.root, self.on_change, self.debounce_s = Path(root), on_change, debounce_s
        self._dirty = threading.Event()
        self._stop = threading.Event()
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                name = Path(getattr(event, "dest_path", "") or event.src_path).name
                if not name.startswith("."):
                    watcher._dirty.set()

        self._observer = Observer()
        self._observer.schedule(Handler(), str(self.root), recursive=True)
        self._worker = threading.Thread(target=self._loop, name="knowledge-watch", daemon=True)

    def start(self) -> FolderWatcher:
        self.root.mkdir(parents=True, exist_ok=True)
        self._observer.start()
        self._worker.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._dirty.set()
        self._observer.stop()
        self._observer.join(timeout=5)
        self._worker.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait()
            if self._stop.is_set():
                return
            # Debounce: wait until no event has arrived for `debounce_s`.
            while True:
                self._dirty.clear()
                time.sleep(self.debounce_s)
                if not self._dirty.is_set() or self._stop.is_set():
                    break
            try:
                self.on_change()
            except Exception:
                log.exception("re-indexing %s failed; the previous index keeps serving", self.root)


def watch_folder(root: Path, on_change: Callable[[], None]) -> None:
    """Block, re-indexing on changes, until Ctrl-C."""
    watcher = FolderWatcher(root, on_change).start()
    try:
        while True:
            time.sleep(3600)
    finally:
        watcher.stop()
