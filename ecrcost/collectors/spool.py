"""Parsed manifests kept out of memory while collecting: rows are buffered as columns and written
to Parquet part files (one per `batch` rows) in a temporary directory, then read back once, as
DataFrames, when the snapshot is built. A collection's memory then grows with the images listed,
not with every manifest, blob edge and index child parsed (as Python dicts) on the way. The
directory is made by the first full batch only: a collection smaller than one batch never
touches the disk (nor leaves a directory behind if it is killed).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..schema import SCHEMA, conform

#: rows buffered per table before a part file is written
BATCH = 50_000
_ARROW = {"string": pa.string(), "int64": pa.int64(), "Int64": pa.int64()}


class ManifestSpool:
    """The manifests, blobs and children tables of a collection, spilled to Parquet in batches.

    `add(digest, manifest, blobs, children)` records one parsed manifest once (a digest seen
    before is ignored: content-addressed); `tables()` returns the three conformed DataFrames,
    manifests sorted by digest and edges grouped by manifest in that order (each manifest's rows
    in their parsed order). Thread-safe. `close()` removes the temporary directory.
    """

    names = ("manifests", "blobs", "children")

    def __init__(self, batch: int = BATCH, directory: str | None = None):
        self.batch = batch
        self.directory = directory
        self.dir: Path | None = None  # made on the first flush
        self.seen: set[str] = set()
        self.lock = threading.Lock()
        self._buffers: dict[str, dict[str, list[Any]]] = {n: self._empty(n) for n in self.names}
        self._parts: dict[str, list[Path]] = {n: [] for n in self.names}

    @staticmethod
    def _empty(name: str) -> dict[str, list[Any]]:
        return {c: [] for c in SCHEMA[name]}

    def known(self, digests: set[str]) -> set[str]:
        """The digests of `digests` already recorded."""
        with self.lock:
            return digests & self.seen

    def add(
        self,
        digest: str,
        manifest: dict[str, Any],
        blobs: list[dict[str, Any]],
        children: list[dict[str, Any]],
    ) -> None:
        with self.lock:
            if digest in self.seen:
                return
            self.seen.add(digest)
            for name, rows in (("manifests", [manifest]), ("blobs", blobs), ("children", children)):
                buf = self._buffers[name]
                for row in rows:
                    for col, values in buf.items():
                        values.append(row.get(col))
                if self._buffered(name) >= self.batch:
                    self._flush(name)

    def _buffered(self, name: str) -> int:
        """Rows of table `name` buffered in memory (not yet in a part file)."""
        return len(next(iter(self._buffers[name].values())))

    def _table(self, name: str) -> pa.Table:
        schema = pa.schema([(c, _ARROW[t]) for c, t in SCHEMA[name].items()])
        return pa.Table.from_pydict(self._buffers[name], schema=schema)

    def _flush(self, name: str) -> None:
        if self.dir is None:
            self.dir = Path(tempfile.mkdtemp(prefix="ecrcost-spool-", dir=self.directory))
        part = self.dir / f"{name}-{len(self._parts[name]):05d}.parquet"
        pq.write_table(self._table(name), part)
        self._parts[name].append(part)
        self._buffers[name] = self._empty(name)

    def tables(self) -> dict[str, pd.DataFrame]:
        with self.lock:
            out = {}
            for name in self.names:
                parts = [pq.read_table(p) for p in self._parts[name]]
                if self._buffered(name):  # the last, partial batch
                    parts.append(self._table(name))
                df = pa.concat_tables(parts).to_pandas() if parts else None
                out[name] = conform(name, df)
        key = {"manifests": "digest", "blobs": "manifest_digest", "children": "index_digest"}
        for name, col in key.items():  # a stable sort keeps each manifest's rows in order
            out[name] = out[name].sort_values(col, kind="stable").reset_index(drop=True)
        return out

    def close(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
