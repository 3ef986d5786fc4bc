"""Storage model: from the blob graph to naive, unique (billed) and exclusive bytes.

Definitions (the contract in ARCHITECTURE.md; all sizes in bytes, compressed as pushed):

- an image's blobs: the config and layer blobs of its manifest; for an image index / manifest
  list, the union of its child manifests' blobs (an index adds no blob of its own).
- ``naive_bytes``: the sum of ``imageSizeInBytes`` (what DescribeImages reports; over-counts).
- ``unique_bytes``: the distinct blobs referenced by the images of a repository, each counted once.
  Under ``scope="registry"`` a blob is stored once per account+region, and a blob referenced by k
  repositories is attributed size/k to each, so repository rows add up to the registry total.
- ``exclusive_bytes``: bytes of blobs nothing else references (another image of the same
  repository, or under registry scope any image of the account+region) -- what deleting the image
  (or the repository) would actually free.
- storage class: a blob is in the ARCHIVE class for a repository when every image of that
  repository referencing it is archived (status ARCHIVED or ACTIVATING), else STANDARD.

An image whose manifest was not collected or could not be parsed has no known blobs. Its
``imageSizeInBytes`` is then used as a stand-in (an upper bound) and counted in
``missing_manifests``; if that size is unknown too, the repository's byte figures are NaN
(unknown), never 0.

The model runs in DuckDB (in-process) over the snapshot's format-v2 columns -- digests as int32
ids, read straight from the Parquet files of a loaded snapshot, only the columns it needs -- with
the SQL shipped in ``ecrcost/storage_sql/*.sql`` (the same statements run on Athena, Trino or Spark SQL
over a snapshot in S3; see the README). A million images and five million edges take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .schema import PARTITIONED
from .snapshot import Snapshot
from .snapshot_files import duckdb_connect

Scope = Literal["repository", "registry"]
SCOPES: tuple[str, ...] = ("repository", "registry")
REPO_KEY = ["account_id", "region", "repository"]
ARCHIVED_STATUSES = ("ARCHIVED", "ACTIVATING")
KINDS = np.array(["unknown", "image", "index"], dtype=object)  # img.kind 0, 1, 2
#: the format-v2 columns the model reads, per table
MODEL_COLUMNS: dict[str, list[str]] = {
    "images": [
        "account_id",
        "region",
        "repository",
        "digest_id",
        "tags",
        "status",
        "size_bytes",
        "pushed_at",
        "last_pull_at",
        "position",  # the image's row in snapshot.images
    ],
    "manifests": ["digest_id", "kind"],  # format v2: one row per digest
    "blobs": ["manifest_id", "blob_id", "size_bytes", "repeat"],
    "children": ["index_id", "child_id"],
    "repositories": ["account_id", "region", "repository", "images_complete"],
}


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")


@cache
def sql_text(name: str) -> str:
    """The text of the shipped SQL file ``ecrcost/storage_sql/NAME.sql``."""
    return resources.files("ecrcost").joinpath("storage_sql", f"{name}.sql").read_text()


def run_script(con: duckdb.DuckDBPyConnection, name: str, **tables: str) -> None:
    """Run every statement of ``ecrcost/storage_sql/NAME.sql`` on `con` (``{table}`` placeholders
    replaced by `tables`)."""
    code = "\n".join(line.split("--", 1)[0] for line in sql_text(name).splitlines())
    if tables:
        code = code.format(**tables)
    for stmt in code.split(";"):
        if stmt.strip():
            con.execute(stmt)


@dataclass
class BlobGraph:
    """The snapshot's blob graph in an in-process DuckDB database (build it once with `blob_graph`,
    pass it on). Tables (graph.sql): ``repos`` (repo id = position in the sorted repositories),
    ``img`` (one row per image: row, repo, registry, digest_id, kind, bytes,
    ...), ``repo_blobs``; ``image_blobs`` is made on first use.

    ``group_keys``: account_id, region, repository of every repository, sorted (a repository's
    position is its repo id). Per image row, read from ``img`` on first use: ``img_kind``
    ("image" | "index" | "unknown"), ``image_bytes`` (float64, see `image_bytes`) and
    ``img_group`` (the image's repository, as a position in ``group_keys``).
    """

    con: duckdb.DuckDBPyConnection
    n_images: int
    group_keys: pd.DataFrame
    _edges: pd.DataFrame | None = None
    _per_image: dict[str, np.ndarray] | None = None

    @property
    def edges(self) -> pd.DataFrame:
        """The deduplicated (image, blob, size_bytes) pairs of `image_blob_edges`."""
        if self._edges is None:
            run_script(self.con, "image_blobs")
            self._edges = self.con.sql("SELECT * FROM image_blobs").df()
            self._edges = self._edges.astype({"image": np.int64, "blob": np.int64})
        return self._edges

    def _image_arrays(self) -> dict[str, np.ndarray]:
        if self._per_image is None:
            got = self.con.sql("SELECT row, repo, kind, bytes FROM img").fetchnumpy()
            row = np.asarray(got["row"], dtype=np.int64)
            n = self.n_images
            group, kind, nbytes = np.zeros(n, np.int64), np.zeros(n, np.uint8), np.zeros(n)
            group[row], kind[row], nbytes[row] = got["repo"], got["kind"], _float(got["bytes"])
            self._per_image = {"kind": KINDS[kind], "bytes": nbytes, "group": group}
        return self._per_image

    @property
    def img_kind(self) -> np.ndarray:
        return self._image_arrays()["kind"]

    @property
    def image_bytes(self) -> np.ndarray:
        return self._image_arrays()["bytes"]

    @property
    def img_group(self) -> np.ndarray:
        return self._image_arrays()["group"]


def _sources(snapshot: Snapshot) -> tuple[dict[str, str], dict[str, pa.Table]]:
    """What inputs.sql reads: read_parquet over the files of a v2 snapshot, else Arrow tables
    encoded from the DataFrames (returned to be registered under those names)."""
    files = snapshot.files()
    if files is not None:
        hive = "hive_partitioning = true, hive_types = {'account_id': VARCHAR, 'region': VARCHAR}"
        sources, empty = {}, {}
        for n, cols in MODEL_COLUMNS.items():
            if not files.files[n]:  # no partition at all: nothing for read_parquet to glob
                sources[n], empty[f"_{n}"] = f"_{n}", files.arrow(n, cols)
                continue
            sources[n] = f"read_parquet('{_quote(files.globs(n))}'" + (
                f", {hive})" if n in PARTITIONED else ", hive_partitioning = false)"
            )
        return sources, empty
    tables = snapshot.arrow(MODEL_COLUMNS)
    return {n: f"_{n}" for n in MODEL_COLUMNS}, {f"_{n}": t for n, t in tables.items()}


def _quote(s: str) -> str:
    return s.replace("'", "''")


def blob_graph(snapshot: Snapshot) -> BlobGraph:
    """Load what the model needs into DuckDB once and derive every image's kind and bytes."""
    con = duckdb_connect(preserve_insertion_order=False)
    sources, tables = _sources(snapshot)
    for name, table in tables.items():
        con.register(name, table)
    run_script(con, "inputs", **sources)
    run_script(con, "graph")
    n = con.sql("SELECT count(*) FROM img").fetchall()[0][0]
    keys = con.sql("SELECT account_id, region, repository FROM repos ORDER BY repo").df()
    return BlobGraph(con=con, n_images=n, group_keys=keys.astype({k: "string" for k in REPO_KEY}))


def _float(a: Any) -> np.ndarray:
    """A float64 array (NULL -> NaN) from a DuckDB numpy result (masked or plain)."""
    if isinstance(a, np.ma.MaskedArray):
        return np.ma.filled(a.astype(float), np.nan)
    return np.asarray(a, dtype=float)


def image_blob_edges(snapshot: Snapshot, graph: BlobGraph | None = None) -> pd.DataFrame:
    """Every (image, blob) pair: which blobs each image of the snapshot references.

    Columns: ``image`` (row position in ``snapshot.images``), ``blob`` (integer id of the blob
    digest), ``size_bytes`` (int64). Index images reach their blobs through their children.
    Duplicate pairs are removed.
    """
    return (graph or blob_graph(snapshot)).edges.copy(deep=False)  # copy-on-write: safe


def image_bytes(
    snapshot: Snapshot, rows: np.ndarray | None = None, graph: BlobGraph | None = None
) -> pd.Series:
    """The ``bytes`` column of `image_storage` for the image rows at positions `rows` (default: all).

    What one pull of the image transfers at most: the sum of its manifest's distinct blobs; for an
    index, the largest child's; for an image whose manifest is unknown, ``imageSizeInBytes``.
    Returns float64 (NaN when unknown) indexed by row position.
    """
    nbytes = (graph or blob_graph(snapshot)).image_bytes
    idx = np.arange(len(nbytes)) if rows is None else np.asarray(rows, dtype=np.int64)
    return pd.Series(nbytes[idx], index=idx, dtype=float)


def image_storage(
    snapshot: Snapshot, scope: Scope = "repository", graph: BlobGraph | None = None
) -> pd.DataFrame:
    """One row per image with its sizes.

    Columns: account_id, region, repository, digest, tags (list[str]), tagged (bool),
    kind ("image" | "index" | "unknown"), is_child (bool: a child of an index in the same
    repository, so not a leftover even when untagged), status, pushed_at, last_pull_at,
    naive_bytes (imageSizeInBytes, may be <NA>), bytes (sum of the image's blobs; for an index the
    largest child, i.e. what one pull transfers at most; for "unknown", naive_bytes),
    exclusive_bytes (blobs referenced by no other image within the scope; NaN when unknown).
    """
    _check_scope(scope)
    imgs = snapshot.images.reset_index(drop=True)
    graph = graph or blob_graph(snapshot)
    graph.edges  # noqa: B018 -- makes the image_blobs table
    ex = graph.con.execute(sql_text("image_exclusive"), {"registry": scope == "registry"})
    got = ex.fetchnumpy()
    excl = np.zeros(len(imgs))
    excl[np.asarray(got["image"], dtype=np.int64)] = _float(got["exclusive_bytes"])
    kind = pd.Series(graph.img_kind, dtype="string")
    naive = imgs["size_bytes"].astype("Float64")
    unknown = (kind == "unknown").to_numpy()
    exclusive = pd.Series(excl, dtype="Float64")
    exclusive[unknown] = naive[unknown]
    return pd.DataFrame(
        {
            "account_id": imgs["account_id"],
            "region": imgs["region"],
            "repository": imgs["repository"],
            "digest": imgs["digest"],
            "tags": imgs["tags"],
            "tagged": tag_counts(imgs) > 0,
            "kind": kind,
            "is_child": _is_child(snapshot, imgs),
            "status": imgs["status"].fillna("ACTIVE"),
            "pushed_at": imgs["pushed_at"],
            "last_pull_at": imgs["last_pull_at"],
            "naive_bytes": imgs["size_bytes"],
            "bytes": pd.Series(graph.image_bytes, dtype="Float64"),
            "exclusive_bytes": exclusive,
        }
    )


STORAGE_COLUMNS = [
    "images",
    "tagged_images",
    "untagged_images",
    "naive_bytes",
    "unique_bytes",
    "standard_bytes",
    "archive_bytes",
    "exclusive_bytes",
    "missing_manifests",
]
PERIOD_COLUMNS = ["standard_byte_hours", "archive_byte_hours", "new_bytes"]


def repository_storage(
    snapshot: Snapshot,
    scope: Scope = "repository",
    period: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    graph: BlobGraph | None = None,
) -> pd.DataFrame:
    """One row per repository (every repository of the snapshot, empty ones included).

    Columns: account_id, region, repository, images, tagged_images, untagged_images,
    naive_bytes (sum of imageSizeInBytes; <NA> if any is unknown), unique_bytes (billed-storage
    estimate under `scope`), standard_bytes and archive_bytes (unique_bytes split by storage
    class), exclusive_bytes (what deleting the whole repository frees), missing_manifests (images
    whose blobs are unknown; their imageSizeInBytes stands in). Byte columns are float64 so that
    registry-scope shares (size/k) and unknown values (NaN) fit; they are NaN for a repository
    whose images could not be listed (``repositories.images_complete`` is False).

    With ``period=(start, end)`` (UTC timestamps) three more columns describe that period, for the
    images present in the snapshot: standard_byte_hours and archive_byte_hours (each blob's bytes
    x the hours it was stored within the period; a blob is stored from the earliest push of any
    image of the repository referencing it, and is assumed to stay to the period's end), and
    new_bytes (bytes of blobs first pushed to the repository within the period).
    """
    _check_scope(scope)
    graph = graph or blob_graph(snapshot)
    start, end = (pd.Timestamp(t).value for t in period) if period is not None else (0, 0)
    got = graph.con.execute(
        sql_text("repository_storage"),
        {"registry": scope == "registry", "start": start, "end": end},
    ).fetchnumpy()
    out = graph.group_keys.copy()
    for col in ("images", "tagged_images", "missing_manifests"):
        out[col] = np.asarray(got[col], dtype=np.int64)
    out["untagged_images"] = out["images"] - out["tagged_images"]
    for col in ("naive_bytes", "unique_bytes", "archive_bytes", "exclusive_bytes", *PERIOD_COLUMNS):
        out[col] = _float(got[col])
    out["standard_bytes"] = out["unique_bytes"] - out["archive_bytes"]
    cols = [*REPO_KEY, *STORAGE_COLUMNS] + (PERIOD_COLUMNS if period is not None else [])
    # a repository whose images could not be listed has unknown sizes, never 0
    repos = snapshot.arrow({"repositories": [*MODEL_COLUMNS["repositories"], "position"]})[
        "repositories"
    ]  # in file order (with position): only the unlisted ones are looked for
    unlisted = pc.fill_null(pc.equal(repos.column("images_complete"), False), False)
    if pc.any(unlisted).as_py():
        bad = repos.filter(unlisted).select(REPO_KEY).to_pandas()
        mask = pd.MultiIndex.from_frame(out[REPO_KEY].astype(object)).isin(
            pd.MultiIndex.from_frame(bad.astype(object))
        )
        out.loc[mask, [c for c in cols if c.endswith(("_bytes", "_byte_hours"))]] = np.nan
    return out[cols]


def pull_bytes(graph: BlobGraph, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Per repository of ``graph.group_keys`` (same order): what the bytes-per-pull rule needs.

    Columns: account_id, region, repository, pulled_images (images whose last recorded pull is
    within [start, end]), pulled_mean (their mean `image_bytes`; NaN if any is unknown or none),
    tagged_images, tagged_bytes (the newest tagged image's bytes), newest_bytes (the newest
    image's), images. Ties on pushed_at go to the later image row.
    """
    got = (
        graph.con.execute(
            sql_text("bytes_per_pull"),
            {"start": pd.Timestamp(start).value, "end": pd.Timestamp(end).value},
        )
        .df()
        .set_index("repo")
        .reindex(range(len(graph.group_keys)))
    )
    out = graph.group_keys.copy()
    for col in ("images", "pulled_images", "tagged_images"):
        out[col] = got[col].fillna(0).to_numpy(np.int64)
    for col in ("pulled_mean", "tagged_bytes", "newest_bytes"):
        out[col] = got[col].to_numpy(float, na_value=np.nan)
    return out


def repository_keys(snapshot: Snapshot) -> pd.DataFrame:
    """Every repository of the snapshot (listed, or holding images), sorted by account_id, region,
    repository: the rows of `repository_storage`. Columns: account_id, region, repository."""
    t = snapshot.arrow({"repositories": REPO_KEY, "images": REPO_KEY})
    keys = pa.concat_tables([t["repositories"].select(REPO_KEY), t["images"].select(REPO_KEY)])
    keys = keys.group_by(REPO_KEY).aggregate([]).to_pandas().astype("string")
    return keys.sort_values(REPO_KEY).reset_index(drop=True)[REPO_KEY].astype(object)


# ---- helpers -----------------------------------------------------------------------------------
def tag_counts(imgs: pd.DataFrame) -> np.ndarray:
    """Number of tags of each image row (int64)."""
    return np.fromiter(map(len, imgs["tags"]), dtype=np.int64, count=len(imgs))


def _is_child(snapshot: Snapshot, imgs: pd.DataFrame) -> np.ndarray:
    """Per image row: is it a child of an index image in the same repository?"""
    ch = snapshot.children
    if len(ch) == 0 or len(imgs) == 0:
        return np.zeros(len(imgs), dtype=bool)
    parents = imgs[REPO_KEY + ["digest"]].merge(
        ch[["index_digest", "child_digest"]], left_on="digest", right_on="index_digest"
    )
    child_keys = pd.MultiIndex.from_frame(
        parents[REPO_KEY + ["child_digest"]].set_axis(REPO_KEY + ["digest"], axis=1)
    )
    return pd.MultiIndex.from_frame(imgs[REPO_KEY + ["digest"]]).isin(child_keys)
