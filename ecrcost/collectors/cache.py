"""The local manifest cache: digest -> (media type, manifest text).

Manifests are content-addressed (a digest always names the same document), so once fetched a
manifest never needs fetching again: re-collecting an unchanged registry makes no BatchGetImage
call. The cache is one SQLite file, `manifests.sqlite`, in the cache directory: `--cache DIR`,
else `$ECRCOST_CACHE_DIR`, else the user's cache directory (platformdirs, e.g.
`~/.cache/ecrcost`). It holds manifest documents only, never credentials.

Raw documents are stored (not parsed rows) so a newer ecrcost re-parses them with its own parser.
`ManifestCache(None)` is an in-memory cache for one run (`--no-cache`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import platformdirs

FILENAME = "manifests.sqlite"


def default_cache_dir() -> Path:
    """`$ECRCOST_CACHE_DIR` if set, else the user cache directory for ecrcost."""
    env = os.environ.get("ECRCOST_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("ecrcost"))


class ManifestCache:
    """Thread-safe digest -> (media_type, text) store in SQLite; `directory=None`: in memory."""

    def __init__(self, directory: str | os.PathLike[str] | None) -> None:
        self._lock = threading.Lock()
        self._memory: dict[str, tuple[str | None, str]] = {}
        self.path: Path | None = None
        self._db: sqlite3.Connection | None = None
        if directory is not None:
            d = Path(directory)
            d.mkdir(parents=True, exist_ok=True)
            self.path = d / FILENAME
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            # write-ahead log, synced at checkpoints: a commit (one per BatchGetImage call) then
            # costs no fsync (3.5 ms each, during which the worker holds the cache). A crash can
            # lose the last commits, never the file's consistency; a lost entry is fetched again.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS manifests "
                "(digest TEXT PRIMARY KEY, media_type TEXT, text TEXT NOT NULL)"
            )
            self._db.commit()

    def get_many(self, digests: Iterable[str]) -> dict[str, tuple[str | None, str]]:
        """The cached (media_type, text) of those `digests` that are cached."""
        wanted = list(dict.fromkeys(digests))
        with self._lock:
            found = {d: self._memory[d] for d in wanted if d in self._memory}
            missing = [d for d in wanted if d not in found]
            if self._db is not None:
                for i in range(0, len(missing), 500):
                    chunk = missing[i : i + 500]
                    q = f"SELECT digest, media_type, text FROM manifests WHERE digest IN ({','.join('?' * len(chunk))})"
                    for digest, mt, text in self._db.execute(q, chunk):
                        found[digest] = (mt, text)
        return found

    def put_many(self, items: dict[str, tuple[str | None, str]]) -> None:
        """Store fetched manifests (digest -> (media_type, text))."""
        if not items:
            return
        with self._lock:
            if self._db is None:
                self._memory.update(items)
            else:
                self._db.executemany(
                    "INSERT OR REPLACE INTO manifests VALUES (?, ?, ?)",
                    [(d, mt, text) for d, (mt, text) in items.items()],
                )
                self._db.commit()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
