"""The bill: what AWS charged for ECR, read from Cost Explorer or Cost and Usage Report files.

One stage of the data flow (ARCHITECTURE: bill -> reconcile, egress calibration)::

    bill = fetch_bill("2026-09..2026-11")          # Cost Explorer (ce:GetCostAndUsage), $0.01/request
    bill = import_bill(["s3://cur-bucket/ecr/"])   # CUR 2.0 Parquet or legacy CUR CSV(.gz)
    write_bill(bill, "bill")                        # atomic Parquet + meta.json (a BILLDIR)
    bill = load_bill("bill")                        # validated

`table` holds the schema (`BILL_SCHEMA`), `usage_types` the usage-type rules (region prefixes,
categories, repository names from resource IDs).
"""

from __future__ import annotations

from .cur import import_bill
from .explorer import fetch_bill, parse_months
from .table import BILL_SCHEMA, BILL_SCHEMA_VERSION, load_bill, write_bill
from .usage_types import CATEGORIES

__all__ = [
    "BILL_SCHEMA",
    "BILL_SCHEMA_VERSION",
    "CATEGORIES",
    "fetch_bill",
    "import_bill",
    "load_bill",
    "parse_months",
    "write_bill",
]
