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

Everything is vectorised on integer codes so a snapshot of a million images and five million
edges is modelled in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .snapshot import Snapshot

Scope = Literal["repository", "registry"]
SCOPES: tuple[str, ...] = ("repository", "registry")
REPO_KEY = ["account_id", "region", "repository"]
ARCHIVED_STATUSES = ("ARCHIVED", "ACTIVATING")


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")


@dataclass(frozen=True)
class BlobGraph:
    """The snapshot's blob graph on integer codes (build it once with `blob_graph`, pass it on).

    ``img_m``: each image's manifest code; ``img_kind``: "image" | "index" | "unknown" per image;
    ``edges``: the deduplicated (image, blob, size_bytes) pairs of `image_blob_edges`;
    ``image_bytes``: float64 per image (see `image_bytes`); ``img_group`` / ``group_keys``: each
    image's repository (see `image_groups`).
    """

    img_m: np.ndarray
    img_kind: np.ndarray
    edges: pd.DataFrame
    image_bytes: np.ndarray
    img_group: np.ndarray  # each image's repository group (`image_groups`)
    group_keys: pd.DataFrame  # account_id, region, repository of each group


def blob_graph(snapshot: Snapshot) -> BlobGraph:
    """Factorize the snapshot's digests once and derive every image's blobs and bytes.

    Digest strings are hashed once each (a run of equal adjacent manifest digests in the blobs
    table, as a collector writes them, is hashed once); everything after is integer arithmetic.
    """
    images = snapshot.images.reset_index(drop=True)
    blobs, children, manifests = snapshot.blobs, snapshot.children, snapshot.manifests
    n_img, n_man, n_child = len(images), len(manifests), len(children)
    heads, run_of_row = _runs(blobs["manifest_digest"])
    codes, _ = pd.factorize(
        pd.concat(
            [
                images["digest"],
                manifests["digest"],
                blobs["manifest_digest"][heads],
                children["index_digest"],
                children["child_digest"],
            ],
            ignore_index=True,
        )
    )
    img_m, man_m = codes[:n_img], codes[n_img : n_img + n_man]
    n_heads = int(heads.sum())
    blob_m = codes[n_img + n_man : n_img + n_man + n_heads][run_of_row]
    idx_m = codes[n_img + n_man + n_heads : n_img + n_man + n_heads + n_child]
    child_m = codes[n_img + n_man + n_heads + n_child :]
    n_codes = int(codes.max()) + 1 if len(codes) else 0
    blob_codes, blob_uniques = pd.factorize(blobs["blob_digest"])
    n_blobs = len(blob_uniques)

    # manifest -> blob edges, each (manifest, blob) pair once, in CSR order by manifest
    size = blobs["size_bytes"].to_numpy(np.int64)
    keep = (
        ~pd.Series(blob_m.astype(np.int64) * max(n_blobs, 1) + blob_codes).duplicated().to_numpy()
    )
    e_m, e_blob, e_size = blob_m[keep], blob_codes[keep], size[keep]
    order = np.argsort(e_m, kind="stable")
    deg = np.bincount(e_m, minlength=n_codes)
    starts = np.concatenate([[0], np.cumsum(deg)[:-1]]).astype(np.int64)

    # image -> its own manifest's edges; index image -> each child's edges
    idx_order = np.argsort(idx_m, kind="stable")
    idx_deg = np.bincount(idx_m, minlength=n_codes)
    idx_starts = np.concatenate([[0], np.cumsum(idx_deg)[:-1]]).astype(np.int64)
    via_img, via_pos = _expand(np.arange(n_img), img_m, idx_starts, idx_deg)
    via_child = child_m[idx_order[via_pos]] if len(via_pos) else np.zeros(0, dtype=np.int64)
    d_img, d_pos = _expand(np.arange(n_img), img_m, starts, deg)
    v_img, v_pos = _expand(via_img, via_child, starts, deg)
    image = np.concatenate([d_img, v_img])
    pos = order[np.concatenate([d_pos, v_pos])]
    blob = e_blob[pos]
    # a pair can repeat only for an image reached through children (an index): dedupe those rows
    first = np.ones(len(image), dtype=bool)
    if len(v_img):
        has_via = np.zeros(n_img, dtype=bool)
        has_via[v_img] = True
        sub = np.flatnonzero(has_via[image])
        first[
            sub[
                pd.Series(image[sub].astype(np.int64) * max(n_blobs, 1) + blob[sub])
                .duplicated()
                .to_numpy()
            ]
        ] = False
    edges = pd.DataFrame(
        {"image": image[first], "blob": blob[first], "size_bytes": e_size[pos][first]}
    )

    # kinds and bytes per image: a manifest sums its distinct blobs; an index its largest child
    kinds = np.array(["unknown", "image", "index"], dtype=object)
    man_kind = np.select(
        [(manifests["kind"] == k).fillna(False).to_numpy(bool) for k in kinds[1:]], [1, 2], 0
    )
    first_man = np.zeros(len(man_m), dtype=bool)
    first_man[np.unique(man_m, return_index=True)[1]] = True  # the first row of each digest counts
    kind_of = np.zeros(n_codes, dtype=np.int8)
    kind_of[man_m[first_man]] = man_kind[first_man]
    img_kind = kinds[kind_of[img_m]] if n_img else np.zeros(0, dtype=object)
    m_sum = np.bincount(e_m, weights=e_size.astype(float), minlength=n_codes).astype(float)
    m_sum[deg == 0] = np.nan
    child_max = pd.Series(m_sum[child_m]).groupby(idx_m).max()
    nbytes = np.bincount(
        edges["image"].to_numpy(np.int64),
        weights=edges["size_bytes"].to_numpy(float).astype(float),
        minlength=n_img,
    )[:n_img].astype(float)
    is_index = img_kind == "index"
    nbytes[is_index] = child_max.reindex(img_m[is_index]).to_numpy(float)
    unknown = img_kind == "unknown"
    nbytes[unknown] = (
        images["size_bytes"].astype("Float64").to_numpy(float, na_value=np.nan)[unknown]
    )
    group, keys = image_groups(images)
    return BlobGraph(
        img_m=img_m,
        img_kind=img_kind,
        edges=edges,
        image_bytes=nbytes,
        img_group=group,
        group_keys=keys,
    )


def _runs(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(mask of the first row of each run of equal adjacent values, run number of every row)."""
    n = len(values)
    heads = np.ones(n, dtype=bool)
    if n > 1:
        a = pa.array(values.astype("string"), type=pa.large_string())
        differs = pc.fill_null(pc.not_equal(a[1:], a[:-1]), True)
        heads[1:] = differs.to_numpy(zero_copy_only=False)
    return heads, np.cumsum(heads) - 1


def _expand(
    owner: np.ndarray, key: np.ndarray, starts: np.ndarray, deg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each (owner, key), every position in the CSR block of `key`: (owners, positions)."""
    counts = deg[key] if len(key) else np.zeros(0, dtype=np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    owners = np.repeat(owner, counts)
    within = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return owners, np.repeat(starts[key], counts) + within


def image_blob_edges(snapshot: Snapshot, graph: BlobGraph | None = None) -> pd.DataFrame:
    """Every (image, blob) pair: which blobs each image of the snapshot references.

    Columns: ``image`` (row position in ``snapshot.images``), ``blob`` (integer code of the blob
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
    edges = graph.edges.copy(deep=False)
    kind = pd.Series(graph.img_kind, dtype="string")
    repo_codes = (
        graph.img_group if scope == "repository" else _group_codes(imgs, ["account_id", "region"])
    )
    edges["group"] = repo_codes[edges["image"].to_numpy()]

    # bytes per image: manifests sum their blobs; an index takes its largest child
    naive = imgs["size_bytes"].astype("Float64")
    nbytes = pd.Series(graph.image_bytes, dtype="Float64")
    unknown = (kind == "unknown").to_numpy()

    # exclusive: blobs whose reference count within the group is 1
    refs = edges.groupby(["group", "blob"]).size().rename("refs")
    e = edges.join(refs, on=["group", "blob"])
    excl = _sum_by(e[e["refs"] == 1], "image", len(imgs))
    exclusive = pd.Series(excl, dtype="Float64")
    exclusive[unknown] = naive[unknown]

    tags = imgs["tags"]
    return pd.DataFrame(
        {
            "account_id": imgs["account_id"],
            "region": imgs["region"],
            "repository": imgs["repository"],
            "digest": imgs["digest"],
            "tags": tags,
            "tagged": tag_counts(imgs) > 0,
            "kind": kind,
            "is_child": _is_child(snapshot, imgs),
            "status": imgs["status"].fillna("ACTIVE"),
            "pushed_at": imgs["pushed_at"],
            "last_pull_at": imgs["last_pull_at"],
            "naive_bytes": imgs["size_bytes"],
            "bytes": nbytes,
            "exclusive_bytes": exclusive,
        }
    )


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
    imgs = snapshot.images.reset_index(drop=True)
    graph = graph or blob_graph(snapshot)
    repos = pd.concat([snapshot.repositories[REPO_KEY], graph.group_keys]).drop_duplicates()
    repos = repos.sort_values(REPO_KEY).reset_index(drop=True)
    repo_of_image = repository_positions(repos, imgs, graph)
    n_repos = len(repos)

    edges = graph.edges.copy(deep=False)
    edges["repo"] = repo_of_image[edges["image"].to_numpy()]
    archived = imgs["status"].isin(ARCHIVED_STATUSES).to_numpy()
    edges["archived"] = archived[edges["image"].to_numpy()]
    aggs = {"size_bytes": ("size_bytes", "max"), "archived": ("archived", "all")}
    if period is not None:
        pushed = _pushed_ns(imgs)
        edges["pushed"] = pushed[edges["image"].to_numpy()]
        aggs["pushed"] = ("pushed", "min")
    # one row per (repository, blob): archived only if every referencing image is archived
    n_blob = int(edges["blob"].max()) + 1 if len(edges) else 1
    edges["key"] = edges["repo"].to_numpy(np.int64) * n_blob + edges["blob"].to_numpy(np.int64)
    rb = edges.groupby("key", sort=False).agg(**aggs).reset_index()
    rb["repo"], rb["blob"] = rb["key"] // n_blob, rb["key"] % n_blob
    if scope == "registry":
        registry_codes = _group_codes(repos, ["account_id", "region"])
        rb["registry"] = registry_codes[rb["repo"].to_numpy()]
        k = rb.groupby(rb["registry"].to_numpy(np.int64) * n_blob + rb["blob"].to_numpy(np.int64))[
            "repo"
        ].transform("size")
        rb["share"] = rb["size_bytes"] / k
        rb["exclusive"] = np.where(k == 1, rb["size_bytes"], 0)
    else:
        rb["share"] = rb["size_bytes"].astype(float)
        rb["exclusive"] = rb["size_bytes"]

    unique = _sum_by(rb, "repo", n_repos, "share")
    archive = _sum_by(rb[rb["archived"]], "repo", n_repos, "share")
    exclusive = _sum_by(rb, "repo", n_repos, "exclusive")

    kind = graph.img_kind
    tagged = tag_counts(imgs) > 0
    naive = imgs["size_bytes"].astype("Float64").to_numpy(float, na_value=np.nan)
    unknown = kind == "unknown"
    stand_in = np.where(unknown, naive, 0.0)  # NaN where neither blobs nor size are known

    def per_repo(weights: np.ndarray) -> np.ndarray:  # NaN weights make the repository's sum NaN
        return np.bincount(repo_of_image, weights=weights, minlength=n_repos)[:n_repos]

    out = repos.copy()
    out["images"] = per_repo(np.ones(len(imgs))).astype("int64")
    out["tagged_images"] = per_repo(tagged.astype(float)).astype("int64")
    out["untagged_images"] = out["images"] - out["tagged_images"]
    out["naive_bytes"] = per_repo(naive)
    out["unique_bytes"] = unique + per_repo(stand_in)
    out["archive_bytes"] = archive + per_repo(np.where(archived, stand_in, 0.0))
    out["standard_bytes"] = out["unique_bytes"] - out["archive_bytes"]
    out["exclusive_bytes"] = exclusive + per_repo(stand_in)
    out["missing_manifests"] = per_repo(unknown.astype(float)).astype("int64")
    cols = [
        *REPO_KEY,
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
    if period is not None:
        start, end = (pd.Timestamp(t).value for t in period)
        rb["hours"] = _hours_stored(rb["pushed"].to_numpy(), start, end)
        rb["byte_hours"] = rb["share"] * rb["hours"]
        img_hours = _hours_stored(pushed, start, end)
        out["standard_byte_hours"] = _sum_by(
            rb[~rb["archived"]], "repo", n_repos, "byte_hours"
        ) + per_repo(np.where(archived, 0.0, stand_in * img_hours))
        out["archive_byte_hours"] = _sum_by(
            rb[rb["archived"]], "repo", n_repos, "byte_hours"
        ) + per_repo(np.where(archived, stand_in * img_hours, 0.0))
        new = rb[(rb["pushed"] >= start) & (rb["pushed"] < end)]
        img_new = (pushed >= start) & (pushed < end)
        out["new_bytes"] = _sum_by(new, "repo", n_repos, "share") + per_repo(
            np.where(img_new, stand_in, 0.0)
        )
        cols += ["standard_byte_hours", "archive_byte_hours", "new_bytes"]
    # a repository whose images could not be listed has unknown sizes, never 0
    unlisted = snapshot.repositories["images_complete"].eq(False).fillna(False).to_numpy(bool)
    if unlisted.any():
        mask = pd.MultiIndex.from_frame(repos).isin(
            pd.MultiIndex.from_frame(snapshot.repositories.loc[unlisted, REPO_KEY])
        )
        out.loc[mask, [c for c in cols if c.endswith(("_bytes", "_byte_hours"))]] = np.nan
    return out[cols]


# ---- helpers -----------------------------------------------------------------------------------
def tag_counts(imgs: pd.DataFrame) -> np.ndarray:
    """Number of tags of each image row (int64)."""
    return np.fromiter(map(len, imgs["tags"]), dtype=np.int64, count=len(imgs))


def image_groups(imgs: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """(each image row's repository group number, the group keys: account_id, region, repository
    in order of first appearance)."""
    if len(imgs) == 0:
        return np.zeros(0, dtype=np.int64), imgs[REPO_KEY].iloc[:0].reset_index(drop=True)
    group = imgs.groupby(REPO_KEY, sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(group, return_index=True)
    return group, imgs[REPO_KEY].iloc[first].reset_index(drop=True)


def repository_positions(
    repos: pd.DataFrame, imgs: pd.DataFrame, graph: BlobGraph | None = None
) -> np.ndarray:
    """For each row of `imgs` (the snapshot's images when `graph` is given), the position of its
    (account_id, region, repository) in `repos` (-1 if absent); one lookup per repository."""
    group, keys = (graph.img_group, graph.group_keys) if graph is not None else image_groups(imgs)
    if len(group) == 0:
        return np.zeros(0, dtype=np.int64)
    pos = pd.MultiIndex.from_frame(repos[REPO_KEY]).get_indexer(pd.MultiIndex.from_frame(keys))
    return pos[group]


def _pushed_ns(imgs: pd.DataFrame) -> np.ndarray:
    """Per image: pushed_at as int64 nanoseconds since the epoch (unknown: the epoch itself)."""
    return (
        imgs["pushed_at"]
        .astype("datetime64[ns, UTC]")
        .to_numpy("datetime64[ns]", na_value=np.datetime64(0, "ns"))
        .astype(np.int64)
    )


def _hours_stored(first_ns: np.ndarray, start_ns: int, end_ns: int) -> np.ndarray:
    """Hours within [start, end) from each first push on (0 if pushed after the end)."""
    return np.clip(end_ns - np.maximum(first_ns, start_ns), 0, end_ns - start_ns) / 3.6e12


def _group_codes(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    if len(df) == 0:
        return np.zeros(0, dtype=np.int64)
    return df.groupby(cols, sort=False, dropna=False).ngroup().to_numpy()


def _sum_by(df: pd.DataFrame, by: str, n: int, col: str = "size_bytes") -> np.ndarray:
    """Sum `col` grouped by the integer column `by` into an array of length n (0 where absent)."""
    return np.bincount(df[by].to_numpy(np.int64), weights=df[col].to_numpy(float), minlength=n)[:n]


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
