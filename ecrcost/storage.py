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

from typing import Literal

import numpy as np
import pandas as pd

from .snapshot import Snapshot

Scope = Literal["repository", "registry"]
SCOPES: tuple[str, ...] = ("repository", "registry")
REPO_KEY = ["account_id", "region", "repository"]
ARCHIVED_STATUSES = ("ARCHIVED", "ACTIVATING")


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}, not {scope!r}")


def image_blob_edges(snapshot: Snapshot) -> pd.DataFrame:
    """Every (image, blob) pair: which blobs each image of the snapshot references.

    Columns: ``image`` (row position in ``snapshot.images``), ``blob`` (integer code of the blob
    digest), ``size_bytes`` (int64). Index images reach their blobs through their children.
    Duplicate pairs are removed.
    """
    images, blobs, children = snapshot.images, snapshot.blobs, snapshot.children
    # one integer space for manifest digests
    manifest_codes, manifest_uniques = pd.factorize(
        pd.concat(
            [images["digest"], blobs["manifest_digest"], children["index_digest"], children["child_digest"]],
            ignore_index=True,
        )
    )
    n_img, n_blob, n_child = len(images), len(blobs), len(children)
    img_m = manifest_codes[:n_img]
    blob_m = manifest_codes[n_img : n_img + n_blob]
    idx_m = manifest_codes[n_img + n_blob : n_img + n_blob + n_child]
    child_m = manifest_codes[n_img + n_blob + n_child :]
    blob_codes, _ = pd.factorize(blobs["blob_digest"])

    edges = pd.DataFrame(
        {"m": blob_m, "blob": blob_codes, "size_bytes": blobs["size_bytes"].to_numpy(np.int64)}
    ).drop_duplicates(["m", "blob"])
    img = pd.DataFrame({"image": np.arange(n_img), "m": img_m})
    direct = img.merge(edges, on="m")[["image", "blob", "size_bytes"]]
    via = (
        img.merge(pd.DataFrame({"m": idx_m, "child": child_m}), on="m")
        .drop(columns="m")
        .merge(edges.rename(columns={"m": "child"}), on="child")[["image", "blob", "size_bytes"]]
    )
    out = pd.concat([direct, via], ignore_index=True)
    return out.drop_duplicates(["image", "blob"]).reset_index(drop=True)


def _manifest_kinds(snapshot: Snapshot) -> pd.Series:
    """Per image row: "image", "index" or "unknown" (manifest not collected or unparsed)."""
    kinds = snapshot.manifests.drop_duplicates("digest").set_index("digest")["kind"]
    k = snapshot.images["digest"].map(kinds).astype("string").fillna("unknown")
    return k.where(k.isin(["image", "index"]), "unknown").reset_index(drop=True)


def image_storage(snapshot: Snapshot, scope: Scope = "repository") -> pd.DataFrame:
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
    edges = image_blob_edges(snapshot)
    kind = _manifest_kinds(snapshot)
    repo_codes = _group_codes(imgs, REPO_KEY if scope == "repository" else ["account_id", "region"])
    edges["group"] = repo_codes[edges["image"].to_numpy()]

    # bytes per image: manifests sum their blobs; an index takes its largest child
    own = _sum_by(edges, "image", len(imgs))
    is_index = (kind == "index").to_numpy()
    child_max = _index_child_max(snapshot, imgs, own)
    naive = imgs["size_bytes"].astype("Float64")
    nbytes = pd.Series(own, dtype="Float64")
    nbytes[is_index] = child_max[is_index]
    unknown = (kind == "unknown").to_numpy()
    nbytes[unknown] = naive[unknown]

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
            "tagged": tags.map(len).to_numpy() > 0,
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


def repository_storage(snapshot: Snapshot, scope: Scope = "repository",
                       period: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> pd.DataFrame:
    """One row per repository (every repository of the snapshot, empty ones included).

    Columns: account_id, region, repository, images, tagged_images, untagged_images,
    naive_bytes (sum of imageSizeInBytes; <NA> if any is unknown), unique_bytes (billed-storage
    estimate under `scope`), standard_bytes and archive_bytes (unique_bytes split by storage
    class), exclusive_bytes (what deleting the whole repository frees), missing_manifests (images
    whose blobs are unknown; their imageSizeInBytes stands in). Byte columns are float64 so that
    registry-scope shares (size/k) and unknown values (NaN) fit.

    With ``period=(start, end)`` (UTC timestamps) three more columns describe that period, for the
    images present in the snapshot: standard_byte_hours and archive_byte_hours (each blob's bytes
    x the hours it was stored within the period; a blob is stored from the earliest push of any
    image of the repository referencing it, and is assumed to stay to the period's end), and
    new_bytes (bytes of blobs first pushed to the repository within the period).
    """
    _check_scope(scope)
    imgs = snapshot.images.reset_index(drop=True)
    repos = pd.concat([snapshot.repositories[REPO_KEY], imgs[REPO_KEY]]).drop_duplicates()
    repos = repos.sort_values(REPO_KEY).reset_index(drop=True)
    key = pd.MultiIndex.from_frame(repos)
    repo_of_image = key.get_indexer(pd.MultiIndex.from_frame(imgs[REPO_KEY]))
    n_repos = len(repos)

    edges = image_blob_edges(snapshot)
    edges["repo"] = repo_of_image[edges["image"].to_numpy()]
    archived = imgs["status"].isin(ARCHIVED_STATUSES).to_numpy()
    edges["archived"] = archived[edges["image"].to_numpy()]
    aggs = {"size_bytes": ("size_bytes", "max"), "archived": ("archived", "all")}
    if period is not None:
        pushed = _pushed_ns(imgs)
        edges["pushed"] = pushed[edges["image"].to_numpy()]
        aggs["pushed"] = ("pushed", "min")
    # one row per (repository, blob): archived only if every referencing image is archived
    rb = edges.groupby(["repo", "blob"], sort=False).agg(**aggs).reset_index()
    if scope == "registry":
        registry_codes = _group_codes(repos, ["account_id", "region"])
        rb["registry"] = registry_codes[rb["repo"].to_numpy()]
        k = rb.groupby(["registry", "blob"])["repo"].transform("size")
        rb["share"] = rb["size_bytes"] / k
        rb["exclusive"] = np.where(k == 1, rb["size_bytes"], 0)
    else:
        rb["share"] = rb["size_bytes"].astype(float)
        rb["exclusive"] = rb["size_bytes"]

    unique = _sum_by(rb, "repo", n_repos, "share")
    archive = _sum_by(rb[rb["archived"]], "repo", n_repos, "share")
    exclusive = _sum_by(rb, "repo", n_repos, "exclusive")

    kind = _manifest_kinds(snapshot).to_numpy()
    tagged = imgs["tags"].map(len).to_numpy() > 0
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
        *REPO_KEY, "images", "tagged_images", "untagged_images", "naive_bytes", "unique_bytes",
        "standard_bytes", "archive_bytes", "exclusive_bytes", "missing_manifests",
    ]
    if period is not None:
        start, end = (pd.Timestamp(t).value for t in period)
        rb["hours"] = _hours_stored(rb["pushed"].to_numpy(), start, end)
        rb["byte_hours"] = rb["share"] * rb["hours"]
        img_hours = _hours_stored(pushed, start, end)
        out["standard_byte_hours"] = (_sum_by(rb[~rb["archived"]], "repo", n_repos, "byte_hours")
                                      + per_repo(np.where(archived, 0.0, stand_in * img_hours)))
        out["archive_byte_hours"] = (_sum_by(rb[rb["archived"]], "repo", n_repos, "byte_hours")
                                     + per_repo(np.where(archived, stand_in * img_hours, 0.0)))
        new = rb[(rb["pushed"] >= start) & (rb["pushed"] < end)]
        img_new = (pushed >= start) & (pushed < end)
        out["new_bytes"] = _sum_by(new, "repo", n_repos, "share") + per_repo(np.where(img_new, stand_in, 0.0))
        cols += ["standard_byte_hours", "archive_byte_hours", "new_bytes"]
    return out[cols]


def registry_unique_bytes(snapshot: Snapshot) -> pd.DataFrame:
    """Distinct blob bytes per account+region (what blob mounting would store).

    Columns: account_id, region, unique_bytes (float64).
    """
    by_repo = repository_storage(snapshot, scope="registry")
    return by_repo.groupby(["account_id", "region"], as_index=False)["unique_bytes"].sum(min_count=1)


# ---- helpers -----------------------------------------------------------------------------------
def _pushed_ns(imgs: pd.DataFrame) -> np.ndarray:
    """Per image: pushed_at as int64 nanoseconds since the epoch (unknown: the epoch itself)."""
    return imgs["pushed_at"].astype("datetime64[ns, UTC]").to_numpy("datetime64[ns]", na_value=np.datetime64(0, "ns")).astype(np.int64)


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


def _index_child_max(snapshot: Snapshot, imgs: pd.DataFrame, own: np.ndarray) -> pd.Series:
    """Per image row: for an index, the largest of its children's blob sums (NaN otherwise)."""
    out = pd.Series(np.nan, index=range(len(imgs)), dtype="Float64")
    ch = snapshot.children
    if len(ch) == 0 or len(imgs) == 0:
        return out
    # child manifest blob sums, from the blob edges directly (children need not be images)
    sums = snapshot.blobs.drop_duplicates(["manifest_digest", "blob_digest"]).groupby("manifest_digest")[
        "size_bytes"
    ].sum()
    per_index = ch.assign(child_bytes=ch["child_digest"].map(sums)).groupby("index_digest")["child_bytes"].max()
    return pd.Series(imgs["digest"].map(per_index), dtype="Float64").reset_index(drop=True)


def _is_child(snapshot: Snapshot, imgs: pd.DataFrame) -> np.ndarray:
    """Per image row: is it a child of an index image in the same repository?"""
    ch = snapshot.children
    if len(ch) == 0 or len(imgs) == 0:
        return np.zeros(len(imgs), dtype=bool)
    parents = imgs[REPO_KEY + ["digest"]].merge(ch[["index_digest", "child_digest"]], left_on="digest", right_on="index_digest")
    child_keys = pd.MultiIndex.from_frame(parents[REPO_KEY + ["child_digest"]].set_axis(REPO_KEY + ["digest"], axis=1))
    return pd.MultiIndex.from_frame(imgs[REPO_KEY + ["digest"]]).isin(child_keys)
