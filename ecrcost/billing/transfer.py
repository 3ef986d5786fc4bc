"""Billed transfer per account x region: what egress calibration (`usage.calibrate_egress`) uses.

`billed_transfer(bill, month)` sums the bill's usage lines (Usage, DiscountedUsage,
SavingsPlanCoveredUsage) of one month: ``out_gb`` = ``*DataTransfer-Out-Bytes`` GB (transfer out
to the internet, where AWS also bills pulls from another region), ``inter_region_gb`` =
``*-AWS-Out-Bytes`` GB. Rows whose usage-type prefix is unknown (region <NA>) cannot be placed
and are left out (reconcile lists them). An account-region the month's bill covers (any ECR usage)
without transfer rows has a known 0 GB of transfer. Without `month`, the bill's latest month is
used.
"""

from __future__ import annotations

import pandas as pd

from ..errors import BillError
from .table import load_bill

USAGE_LINES = ("Usage", "DiscountedUsage", "SavingsPlanCoveredUsage")


def billed_transfer(bill: pd.DataFrame | str, month: str | None = None) -> pd.DataFrame:
    """account_id, region, out_gb, inter_region_gb (GB, 1 GB = 2^30 bytes) for `month`.

    ``attrs``: ``month`` (the month used), ``source`` ("cost-explorer" | "cur"). Raises
    `BillError` when the bill has no rows for `month`.
    """
    b = load_bill(bill)
    months = sorted(set(b["month"]))
    if not months:
        raise BillError("--bill: the bill is empty")
    use = month or months[-1]
    if use not in months:
        raise BillError(f"--bill has no rows for {use} (its months: {', '.join(months)})")
    rows = b[(b["month"] == use) & b["line_item_type"].isin(USAGE_LINES) & b["region"].notna()]
    out = (
        rows.assign(
            out_gb=rows["usage_quantity"].where(rows["category"] == "egress_internet", 0.0),
            inter_region_gb=rows["usage_quantity"].where(
                rows["category"] == "transfer_inter_region", 0.0
            ),
        )
        .groupby(["account_id", "region"], sort=True)[["out_gb", "inter_region_gb"]]
        .sum()
        .reset_index()
        .astype({"account_id": object, "region": object})
    )
    out.attrs.update(month=use, source=b.attrs.get("meta", {}).get("source", "bill"))
    return out
