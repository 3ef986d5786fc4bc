"""The workload a registry is priced on: stored GB, repositories, pulls, transfer, seats.

`workload(snapshot, traffic, users)` measures it from a snapshot; `Workload(...)` builds one by hand
(tests, what-if questions). 1 GB = 2^30 bytes; "per month" is a 365.25/12-day month
(`units.DAYS_PER_MONTH`, as in the ECR cost model).

Storage is measured two ways, because registries deduplicate differently:

- ``stored_gb``: layers deduplicated per repository (ECR's billed-storage estimate: the sum of
  `repository_storage(snapshot)["unique_bytes"]`);
- ``stored_gb_global``: every distinct blob of the whole snapshot counted once (registries that
  store content by digest across repositories: ACR within a registry, JFrog Artifactory).

Transfer assumes the consumers stay where they are: moving the registry elsewhere makes every
pulled byte leave that registry's network, whatever its destination today (``pulled_gb``);
``internet_gb`` is the part that goes to non-AWS destinations (what ECR Public charges for).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..billing.transfer import billed_transfer
from ..errors import InputError
from ..snapshot import Snapshot
from ..storage import BlobGraph, blob_graph, image_blob_edges, repository_storage
from ..units import GB
from ..usage import calibrate_egress, egress_usage
from .plans import PLAN_DAYS_PER_MONTH

DEFAULT_USERS = 1
HOURS_PER_MONTH = 24 * PLAN_DAYS_PER_MONTH


@dataclass(frozen=True)
class Workload:
    """What is priced. Unknown quantities are NaN (never 0).

    stored_gb              GB stored, layers deduplicated per repository
    stored_gb_global       GB stored, every distinct blob of the snapshot once
    largest_repository_gb  GB of the largest repository (per-project limits)
    repositories           private repository count
    users                  seats (`--users N`; DEFAULT_USERS when not given)
    pulls_per_month        image pulls per month
    pulled_gb              GB pulled per month, every destination (after the layer-cache hit)
    same_region_gb, cross_region_gb, internet_gb   pulled_gb by destination (traffic profile)
    pushed_gb              GB of new blobs pushed per month (uploads, estimated from push dates)
    users_given, traffic_given   whether seats and the traffic profile came from the user
    """

    stored_gb: float
    stored_gb_global: float
    largest_repository_gb: float
    repositories: int
    users: int = DEFAULT_USERS
    pulls_per_month: float = math.nan
    pulled_gb: float = math.nan
    same_region_gb: float = math.nan
    cross_region_gb: float = math.nan
    internet_gb: float = math.nan
    pushed_gb: float = math.nan
    users_given: bool = False
    traffic_given: bool = False

    @property
    def pulls_per_hour(self) -> float:
        """Average pulls per hour (pulls_per_month / (24 x 365.25/12))."""
        return self.pulls_per_month / HOURS_PER_MONTH

    @property
    def consumption_gb(self) -> float:
        """JFrog-style consumption: stored_gb_global + pulled_gb + pushed_gb (NaN if any is unknown)."""
        return self.stored_gb_global + self.pulled_gb + self.pushed_gb

    def quantity(self, name: str) -> float:
        """The value of quantity `name` (a field or property) as float."""
        return float(getattr(self, name))

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)

    def scaled(self, storage_factor: float) -> Workload:
        """The same workload with every stored-GB figure multiplied by `storage_factor`."""
        return dataclasses.replace(
            self,
            stored_gb=self.stored_gb * storage_factor,
            stored_gb_global=self.stored_gb_global * storage_factor,
            largest_repository_gb=self.largest_repository_gb * storage_factor,
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Workload:
        """A Workload from `to_dict()` output (or any mapping holding its fields; extras ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def with_stored(self, gb: float) -> Workload:
        """The same workload storing `gb` GB (per repository); the registry-wide figure and the
        largest repository scale in proportion (all equal to `gb` when today's storage is 0 or unknown)."""
        if self.stored_gb > 0:
            return self.scaled(gb / self.stored_gb)
        return dataclasses.replace(
            self, stored_gb=gb, stored_gb_global=gb, largest_repository_gb=gb
        )

    def to_dict(self) -> dict[str, Any]:
        """Every field plus pulls_per_hour and consumption_gb."""
        d = dataclasses.asdict(self)
        d.update(pulls_per_hour=self.pulls_per_hour, consumption_gb=self.consumption_gb)
        return d

    def to_frame(self) -> pd.DataFrame:
        """A one-row DataFrame of `to_dict()`."""
        return pd.DataFrame([self.to_dict()])


def workload(
    snapshot: Snapshot, traffic: Any = None, users: int | None = None, bill: Any = None
) -> Workload:
    """Measure the workload of `snapshot`.

    With `bill` (a bill DataFrame or BILLDIR) the transfer is calibrated from the billed
    transfer-out GB per account x region (`ecrcost.usage.calibrate_egress`).

    Pulls and pulled GB come from `ecrcost.usage.egress_usage(snapshot, traffic)`; without
    a traffic profile the transfer quantities are NaN (unknown), pulls are still counted.
    `users` defaults to DEFAULT_USERS (1).
    """
    if users is not None and (int(users) != users or users < 1):
        raise InputError(f"users must be a positive whole number, not {users!r}")
    graph = blob_graph(snapshot)  # built once, shared by every measure below
    rs = repository_storage(snapshot, graph=graph)
    stored = rs["unique_bytes"].sum(skipna=False) / GB if len(rs) else 0.0
    largest = rs["unique_bytes"].max(skipna=False) / GB if len(rs) else 0.0
    flows = _flows(snapshot, traffic, graph, bill)
    edges = image_blob_edges(snapshot, graph)
    return Workload(
        stored_gb=float(stored),
        stored_gb_global=global_unique_bytes(snapshot, edges) / GB,
        largest_repository_gb=float(largest),
        repositories=len(rs),
        users=int(users) if users is not None else DEFAULT_USERS,
        pushed_gb=pushed_bytes_per_month(snapshot, edges) / GB,
        users_given=users is not None,
        traffic_given=traffic is not None or bill is not None,
        **flows,
    )


def _flows(
    snapshot: Snapshot, traffic: Any, graph: BlobGraph, bill: Any = None
) -> dict[str, float]:

    usage = egress_usage(snapshot, traffic, graph=graph)
    if bill is not None:
        usage = calibrate_egress(usage, billed_transfer(bill))
    out = {"pulls_per_month": float(usage["pulls"].sum(skipna=False)) if len(usage) else 0.0}
    pulled = float(usage["pulled_gb"].sum(skipna=False)) if len(usage) else 0.0
    for col in ("pulled_gb", "same_region_gb", "cross_region_gb", "internet_gb"):
        if pulled == 0:  # nothing pulled: 0 GB to every destination, with or without a profile
            out[col] = 0.0
        elif traffic is None and bill is None:  # where the pulls go is unknown: so is its cost
            out[col] = math.nan
        else:
            out[col] = float(usage[col].sum(skipna=False)) if len(usage) else 0.0
    return out


def _stand_ins(snapshot: Snapshot, edges: pd.DataFrame) -> pd.Series:
    """Per image row: its reported size when none of its blobs is known (else 0; NaN if unknown)."""
    imgs = snapshot.images
    has_blobs = np.zeros(len(imgs), dtype=bool)
    has_blobs[edges["image"].to_numpy()] = True
    naive = imgs["size_bytes"].astype("Float64").to_numpy(float, na_value=np.nan)
    return pd.Series(np.where(has_blobs, 0.0, naive))


def global_unique_bytes(snapshot: Snapshot, edges: pd.DataFrame | None = None) -> float:
    """Bytes of the distinct blobs of the whole snapshot (every account and region), each once.

    An image whose blobs are unknown counts with its reported size (as in `repository_storage`);
    NaN if that size is unknown too. `edges`: `image_blob_edges(snapshot)` if already computed.
    """
    edges = image_blob_edges(snapshot) if edges is None else edges
    distinct = float(edges.drop_duplicates("blob")["size_bytes"].sum())
    return distinct + float(_stand_ins(snapshot, edges).sum(skipna=False))


def pushed_bytes_per_month(snapshot: Snapshot, edges: pd.DataFrame | None = None) -> float:
    """Bytes of blobs first pushed in the 365.25/12 days before the snapshot (uploads per month).

    A blob counts once, at the earliest push of any image of the snapshot referencing it; blobs of
    images deleted before collection are not seen, so this is a lower bound.
    """
    imgs = snapshot.images
    if len(imgs) == 0:
        return 0.0
    since = snapshot.collected_at - pd.Timedelta(days=PLAN_DAYS_PER_MONTH)
    pushed = imgs["pushed_at"].reset_index(drop=True)
    edges = image_blob_edges(snapshot) if edges is None else edges
    edges = edges.assign(pushed_at=pushed.to_numpy()[edges["image"].to_numpy()])
    first = edges.groupby("blob").agg(size_bytes=("size_bytes", "max"), first=("pushed_at", "min"))
    recent = float(first.loc[first["first"] >= since, "size_bytes"].sum())
    stand_in = _stand_ins(snapshot, edges)
    return recent + float(stand_in[(pushed >= since).to_numpy()].sum(skipna=False))
