"""Benchmark: `bill import` of a CUR 2.0 month and `reconcile` against a large snapshot.

    python bench/billing.py                        # 2,000,000 line items (10 % ECR), 100,000 images
    python bench/billing.py --lines 200000 --images 10000      # a quicker run

Setup (not timed): a synthetic snapshot (`ecrcost.synthetic.synthetic_snapshot`, collected
2026-11-01, so the month reconciled is 2026-10) is written to a temporary directory; a CUR 2.0
export of that month is written as 4 Parquet partitions with the real column names: 10 % of the
line items are ECR (daily storage per repository ARN, from the model's October GB-Mo x a random
factor in [0.95, 1.05], archive storage, transfer out without a resource ID, credits and tax),
90 % are EC2 / S3 / CloudWatch rows that the import must skip.

Cases, each in a fresh Python process so its peak RSS (VmHWM, the process high-water mark;
DuckDB's native memory included) is its own:

- ``import``: `ecrcost.import_bill(dir)` + `write_bill` (DuckDB reads and sums the partitions);
- ``reconcile``: load the snapshot and the bill, `ecrcost.reconcile(snap, bill, "2026-10")`.

Reported: wall and CPU seconds, peak RSS, rows in and out, and the reconciliation's storage error
(expected near 0: the bill was drawn around the model). Not a test: run by hand; the figures go in
the closing note. No AWS calls are made (local files only: 0 API calls).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GB = 2**30
MONTH = "2026-10"


def peak_mb() -> float:
    """This process's peak RSS (VmHWM, MB): unlike ru_maxrss it is not inherited across exec from
    the parent that spawned the case (which held the generated CUR)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(tmp: Path, lines: int, images: int, seed: int) -> dict:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    import ecrcost
    from ecrcost.usage import storage_usage

    t0 = time.perf_counter()
    snap = ecrcost.synthetic_snapshot(images=images, repositories=max(50, images // 50), seed=seed)
    snap.write(tmp / "snap")
    usage = storage_usage(snap, month=MONTH)
    std = usage[usage["storage_class"] == "STANDARD"].reset_index(drop=True)
    arc = usage[usage["storage_class"] == "ARCHIVE"].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    n_ecr = lines // 10
    days = 31
    prefix = {"us-east-1": "", "eu-west-1": "EUW1-"}

    def arns(df: pd.DataFrame) -> np.ndarray:
        return (
            "arn:aws:ecr:"
            + df["region"]
            + ":"
            + df["account_id"]
            + ":repository/"
            + df["repository"]
        ).to_numpy()

    # ECR storage: one row per repository and day (the daily split of the month's GB-Mo)
    per_repo_rows = max(1, min(days, (n_ecr * 8 // 10) // max(1, len(std))))
    factor = rng.uniform(0.95, 1.05, len(std))
    gbmo = std["quantity"].to_numpy(float) * factor
    rep = np.repeat(np.arange(len(std)), per_repo_rows)
    storage = pd.DataFrame(
        {
            "line_item_usage_account_id": std["account_id"].to_numpy()[rep],
            "line_item_usage_type": [
                prefix.get(r, "USE2-") + "TimedStorage-ByteHrs"
                for r in std["region"].to_numpy()[rep]
            ],
            "line_item_resource_id": arns(std)[rep],
            "line_item_usage_amount": (gbmo / per_repo_rows)[rep],
            "line_item_line_item_type": "Usage",
            "day": np.tile(np.arange(per_repo_rows) % days + 1, len(std)),
        }
    )
    storage["line_item_unblended_cost"] = storage["line_item_usage_amount"] * 0.10
    archive = pd.DataFrame(
        {
            "line_item_usage_account_id": arc["account_id"].to_numpy(),
            "line_item_usage_type": [
                ("USE1-" if r == "us-east-1" else prefix.get(r, "USE2-"))
                + "TimedStorage-Archive-ByteHrs"
                for r in arc["region"]
            ],
            "line_item_resource_id": arns(arc),
            "line_item_usage_amount": arc["quantity"].to_numpy(float),
            "line_item_line_item_type": "Usage",
            "day": 1,
        }
    )
    archive["line_item_unblended_cost"] = archive["line_item_usage_amount"] * 0.10
    rest = n_ecr - len(storage) - len(archive)
    accounts = std["account_id"].unique()
    transfer = pd.DataFrame(
        {
            "line_item_usage_account_id": rng.choice(accounts, rest),
            "line_item_usage_type": rng.choice(
                [
                    "DataTransfer-Out-Bytes",
                    "EUW1-DataTransfer-Out-Bytes",
                    "USE1-EUW1-AWS-Out-Bytes",
                    "DataTransfer-In-Bytes",
                ],
                rest,
            ),
            "line_item_resource_id": "",
            "line_item_usage_amount": rng.exponential(2.0, rest),
            "line_item_line_item_type": rng.choice(["Usage"] * 18 + ["Credit", "Tax"], rest),
            "day": rng.integers(1, days + 1, rest),
        }
    )
    transfer["line_item_unblended_cost"] = transfer["line_item_usage_amount"] * 0.09
    ecr = pd.concat([storage, archive, transfer], ignore_index=True).assign(
        line_item_product_code="AmazonECR"
    )
    n_other = lines - len(ecr)
    other = pd.DataFrame(
        {
            "line_item_usage_account_id": rng.choice(accounts, n_other),
            "line_item_usage_type": rng.choice(
                [
                    "BoxUsage:m5.large",
                    "USW2-BoxUsage:c6g.xlarge",
                    "TimedStorage-ByteHrs",
                    "Requests-Tier1",
                    "CW:MetricMonitorUsage",
                ],
                n_other,
            ),
            "line_item_resource_id": "i-" + pd.Series(rng.integers(0, 10**9, n_other)).astype(str),
            "line_item_usage_amount": rng.exponential(1.0, n_other),
            "line_item_line_item_type": "Usage",
            "day": rng.integers(1, days + 1, n_other),
            "line_item_product_code": rng.choice(
                ["AmazonEC2", "AmazonS3", "AmazonCloudWatch"], n_other
            ),
        }
    )
    other["line_item_unblended_cost"] = other["line_item_usage_amount"] * 0.05
    cur = (
        pd.concat([ecr, other], ignore_index=True)
        .sample(frac=1.0, random_state=seed)
        .reset_index(drop=True)
    )
    start = pd.Timestamp(f"{MONTH}-01")
    cur["line_item_usage_start_date"] = start + pd.to_timedelta(cur.pop("day") - 1, unit="D")
    cur["bill_billing_period_start_date"] = start
    cur["bill_payer_account_id"] = "999999999999"
    cur["line_item_operation"] = "Run"
    cur["product_region_code"] = ""
    cur["pricing_unit"] = ""
    cur["identity_line_item_id"] = pd.Series(np.arange(len(cur))).astype(str)
    out = tmp / "cur" / f"BILLING_PERIOD={MONTH}"
    out.mkdir(parents=True)
    for i, part in enumerate(np.array_split(np.arange(len(cur)), 4)):
        pq.write_table(
            pa.Table.from_pandas(cur.iloc[part], preserve_index=False), out / f"part-{i}.parquet"
        )
    size = sum(f.stat().st_size for f in out.iterdir())
    return {
        "setup_s": round(time.perf_counter() - t0, 1),
        "cur_lines": len(cur),
        "ecr_lines": len(ecr),
        "cur_mb": round(size / 2**20, 1),
        "images": len(snap.images),
        "repositories": len(snap.repositories),
    }


def case(name: str, tmp: Path) -> dict:
    import ecrcost

    t0, c0 = time.perf_counter(), time.process_time()
    if name == "import":
        bill = ecrcost.import_bill([str(tmp / "cur")])
        ecrcost.write_bill(bill, tmp / "bill", force=True)
        extra = {
            "bill_rows": len(bill),
            "rows_read": bill.attrs["meta"]["rows_read"],
            "api_calls": sum(bill.attrs["meta"]["api_calls"].values()),
        }
    else:
        snap = ecrcost.load_snapshot(tmp / "snap")
        bill = ecrcost.load_bill(tmp / "bill")
        t1 = time.perf_counter()
        df = ecrcost.reconcile(snap, bill, MONTH)
        s = df.attrs["summary"]
        extra = {
            "load_s": round(t1 - t0, 2),
            "rows_out": len(df),
            "storage_error_pct": round(s["storage_error_pct"], 3),
            "storage_billed_usd": round(s["storage_billed_usd"], 2),
        }
    return {
        "case": name,
        "wall_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(time.process_time() - c0, 2),
        "peak_mb": round(peak_mb()),
        **extra,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=2_000_000)
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--dir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(case(args.case, Path(args.dir))))
        return
    with tempfile.TemporaryDirectory(prefix="ecrcost-bench-billing-") as d:
        tmp = Path(d)
        info = setup(tmp, args.lines, args.images, args.seed)
        print(json.dumps({"setup": info}))
        for name in ("import", "reconcile"):
            out = subprocess.run(
                [sys.executable, __file__, "--case", name, "--dir", str(tmp)],
                capture_output=True,
                text=True,
                check=True,
            )
            print(out.stdout.strip())


if __name__ == "__main__":
    main()
