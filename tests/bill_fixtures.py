"""Bill fixtures written by the tests in the real column names: CUR 2.0 Parquet, legacy CUR CSV(.gz),
Cost Explorer responses, and tiny snapshots whose storage is known to the cent."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ecrcost.snapshot import Snapshot

GB = 2**30
A, B = "111111111111", "222222222222"
PAYER = "999999999999"
E1, W2, EU = "us-east-1", "us-west-2", "eu-west-1"


def arn(account: str, region: str, repo: str) -> str:
    return f"arn:aws:ecr:{region}:{account}:repository/{repo}"


def line(
    usage_type: str,
    amount: float,
    cost: float,
    account: str = A,
    resource: str | None = None,
    kind: str = "Usage",
    month: str = "2026-11",
    product: str = "AmazonECR",
    region: str | None = None,
    day: int = 1,
) -> dict:
    """One CUR line item (CUR 2.0 names)."""
    return {
        "bill_billing_period_start_date": pd.Timestamp(f"{month}-01"),
        "bill_payer_account_id": PAYER,
        "line_item_usage_start_date": pd.Timestamp(f"{month}-{day:02d}"),
        "line_item_usage_account_id": account,
        "line_item_product_code": product,
        "line_item_usage_type": usage_type,
        "line_item_operation": "",
        "line_item_line_item_type": kind,
        "line_item_resource_id": resource or "",
        "line_item_usage_amount": amount,
        "line_item_unblended_cost": cost,
        "product_region_code": region or "",
    }


LEGACY = {
    "bill_billing_period_start_date": "bill/BillingPeriodStartDate",
    "bill_payer_account_id": "bill/PayerAccountId",
    "line_item_usage_start_date": "lineItem/UsageStartDate",
    "line_item_usage_account_id": "lineItem/UsageAccountId",
    "line_item_product_code": "lineItem/ProductCode",
    "line_item_usage_type": "lineItem/UsageType",
    "line_item_operation": "lineItem/Operation",
    "line_item_line_item_type": "lineItem/LineItemType",
    "line_item_resource_id": "lineItem/ResourceId",
    "line_item_usage_amount": "lineItem/UsageAmount",
    "line_item_unblended_cost": "lineItem/UnblendedCost",
    "product_region_code": "product/region",
}


def write_cur2(
    path: Path, lines: list[dict], drop: tuple[str, ...] = (), product_map: bool = False
) -> Path:
    """A CUR 2.0 Parquet file (optionally without some columns; region in the `product` map)."""
    df = pd.DataFrame(lines).drop(columns=list(drop))
    table = pa.Table.from_pandas(df, preserve_index=False)
    if product_map:
        regions = df.pop("product_region_code").tolist()
        table = pa.Table.from_pandas(df, preserve_index=False).append_column(
            "product",
            pa.array(
                [[("region", r), ("servicecode", "AmazonECR")] for r in regions],
                pa.map_(pa.string(), pa.string()),
            ),
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def write_legacy(path: Path, lines: list[dict], drop: tuple[str, ...] = ()) -> Path:
    """A legacy CUR CSV (gzip when the name ends in .gz), with the slash column names."""
    cols = [c for c in LEGACY if c not in drop]
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", newline="") as f:
        w = csv.writer(f)
        w.writerow([LEGACY[c] for c in cols] + ["identity/LineItemId"])
        for i, ln in enumerate(lines):
            vals = []
            for c in cols:
                v = ln[c]
                vals.append(v.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(v, pd.Timestamp) else v)
            w.writerow(vals + [f"id{i}"])
    return path


def ce_result(
    month: str, groups: list[tuple[str, str, float, float, str]], token: str | None = None
) -> dict:
    """A GetCostAndUsage response for one month: groups of (account, usage type, qty, usd, unit)."""
    end = str(pd.Period(month, freq="M") + 1)
    out = {
        "GroupDefinitions": [
            {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"},
            {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
        ],
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": f"{month}-01", "End": f"{end}-01"},
                "Total": {},
                "Groups": [
                    {
                        "Keys": [a, t],
                        "Metrics": {
                            "UnblendedCost": {"Amount": f"{usd}", "Unit": "USD"},
                            "UsageQuantity": {"Amount": f"{q}", "Unit": unit},
                        },
                    }
                    for a, t, q, usd, unit in groups
                ],
                "Estimated": False,
            }
        ],
        "DimensionValueAttributes": [],
    }
    if token:
        out["NextPageToken"] = token
    return out


class Reg:
    """A tiny registry: images with their own layers (sizes in bytes), daily pulls."""

    def __init__(self, collected_at: str = "2026-12-01T00:00:00+00:00", pull_days: int = 30):
        self.images, self.blobs, self.manifests, self.pulls = [], [], [], []
        self.repos: set[tuple[str, str, str]] = set()
        self.meta = {"collected_at": collected_at, "pull_days": pull_days, "registries": []}
        self.targets: set[tuple[str, str]] = set()

    def image(
        self, repo, digest, layers, account=A, region=E1, pushed="2026-10-01", status="ACTIVE"
    ):
        self.repos.add((account, region, repo))
        self.images.append(
            {
                "account_id": account,
                "region": region,
                "repository": repo,
                "digest": digest,
                "tags": ["v1"],
                "pushed_at": pushed,
                "status": status,
                "size_bytes": sum(s for _, s in layers),
                "last_pull_at": None,
            }
        )
        self.manifests.append({"digest": digest, "kind": "image"})
        self.blobs += [
            {"manifest_digest": digest, "blob_digest": b, "size_bytes": s, "kind": "layer"}
            for b, s in layers
        ]
        return self

    def pulled(self, repo, per_day, account=A, region=E1, days=30):
        for d in range(days):
            self.pulls.append(
                {
                    "account_id": account,
                    "region": region,
                    "repository": repo,
                    "date": pd.Timestamp("2026-11-01", tz="UTC") + pd.Timedelta(days=d),
                    "pulls": per_day,
                }
            )
        return self

    def build(self) -> Snapshot:
        pairs = sorted({(a, r) for a, r, _ in self.repos} | self.targets)
        targets = [{"account_id": a, "region": r, "status": "ok", "error": None} for a, r in pairs]
        repos = [{"account_id": a, "region": r, "repository": n} for a, r, n in sorted(self.repos)]
        return Snapshot.build(
            dict(self.meta, targets=targets),
            repositories=repos,
            images=self.images,
            manifests=self.manifests,
            blobs=self.blobs,
            pulls=self.pulls,
        )
