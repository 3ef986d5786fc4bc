"""The bill from Cost Explorer: one `ce:GetCostAndUsage` request for the whole month range.

Request (`../shared/facts/BILLING.md` §2): ``Filter`` SERVICE = "Amazon EC2 Container Registry
(ECR)", ``Granularity`` MONTHLY, ``Metrics`` UnblendedCost and UsageQuantity, ``GroupBy``
LINKED_ACCOUNT and USAGE_TYPE, ``TimePeriod`` first day of the first month to the first day after
the last (End is exclusive); then its ``NextPageToken`` pages, and nothing more. Every request
costs the caller $0.01 (`REQUEST_USD`); the count and cost are in ``attrs["meta"]``.

Cost Explorer has no resource IDs (it rejects grouping by RESOURCE_ID), so every row is at
month x linked account x usage type grain with ``line_item_type`` "Usage"; without a RECORD_TYPE
grouping its UnblendedCost is net of the credits and refunds applied to each usage type (a CUR
keeps them apart).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from botocore.exceptions import ClientError

from ..aws import Aws, describe_error, error_code
from ..errors import AwsError, BillError
from .table import bill_meta, conform_bill
from .usage_types import UNITS, category_of, region_of

SERVICE = "Amazon EC2 Container Registry (ECR)"
REQUEST_USD = 0.01
CE_REGION = "us-east-1"  # Cost Explorer's endpoint region
FETCH_ACTIONS: tuple[str, ...] = ("ce:GetCostAndUsage",)
_RANGE = re.compile(r"^(\d{4}-\d{2})(?:\.\.(\d{4}-\d{2}))?$")


def parse_months(spec: str) -> list[str]:
    """["2026-09", "2026-10", "2026-11"] for "2026-09..2026-11" (or one "YYYY-MM")."""
    m = _RANGE.match(spec.strip()) if isinstance(spec, str) else None
    if not m:
        raise BillError(f"--months {spec!r}: expected YYYY-MM..YYYY-MM, e.g. 2026-09..2026-11")
    try:
        first = pd.Period(m.group(1), freq="M")
        last = pd.Period(m.group(2) or m.group(1), freq="M")
    except ValueError:
        raise BillError(f"--months {spec!r}: not a valid month") from None
    if str(first) != m.group(1) or str(last) != (m.group(2) or m.group(1)) or last < first:
        raise BillError(f"--months {spec!r}: expected valid months, the first not after the last")
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def cost_and_usage_request(months: list[str]) -> dict[str, Any]:
    """The GetCostAndUsage parameters for `months` (without NextPageToken)."""
    end = pd.Period(months[-1], freq="M") + 1
    return {
        "TimePeriod": {"Start": f"{months[0]}-01", "End": f"{end}-01"},
        "Granularity": "MONTHLY",
        "Filter": {"Dimensions": {"Key": "SERVICE", "Values": [SERVICE]}},
        "Metrics": ["UnblendedCost", "UsageQuantity"],
        "GroupBy": [
            {"Type": "DIMENSION", "Key": "LINKED_ACCOUNT"},
            {"Type": "DIMENSION", "Key": "USAGE_TYPE"},
        ],
    }


def fetch_bill(
    months: str | list[str],
    *,
    profile: str | None = None,
    endpoint_url: str | None = None,
    aws: Aws | None = None,
) -> pd.DataFrame:
    """The ECR bill for `months` ("2026-09..2026-11" or a list of "YYYY-MM") from Cost Explorer.

    Uses the caller's credentials (normally the payer account: it sees every linked account)
    through the read-only AWS seam (`aws.Aws`; `aws` lets a caller pass its own). Returns the bill
    table (`billing.table.BILL_SCHEMA`: month, payer_account_id, account_id, region,
    region_prefix, usage_type, category, usage_quantity, usage_unit, unblended_usd, resource_id,
    repository, line_item_type, source) with ``attrs["meta"]`` holding ``requests`` (requests
    made), ``request_usd`` ($0.01 each), the request and the notes.

    Raises `AwsError` with a clear message for AccessDenied (the policy lacks
    ce:GetCostAndUsage), an account where Cost Explorer is not enabled, or any other failure.
    """
    month_list = parse_months(months) if isinstance(months, str) else list(months)
    if not month_list:
        raise BillError("--months: no months given")
    aws = aws or Aws(profile=profile, endpoint_url=endpoint_url, workers=1)
    aws.check_credentials()
    ce = aws.client("ce", CE_REGION)
    request = cost_and_usage_request(month_list)
    rows: list[dict[str, Any]] = []
    requests, token = 0, None
    while True:
        params = dict(request, NextPageToken=token) if token else request
        requests += 1
        try:
            page = ce.get_cost_and_usage(**params)
        except ClientError as e:
            raise AwsError(_explain(e, requests)) from None
        rows.extend(_rows(page))
        token = page.get("NextPageToken")
        if not token:
            break
    notes = [
        "Cost Explorer has no resource IDs: account x region x usage type grain",
        "Cost Explorer's UnblendedCost is net of credits applied to each usage type",
    ]
    bill = conform_bill(rows) if rows else conform_bill([])
    bill.attrs["meta"] = bill_meta(
        "cost-explorer",
        month_list,
        inputs=[{"GetCostAndUsage": request}],
        resource_ids=False,
        requests=requests,
        request_usd=round(requests * REQUEST_USD, 2),
        api_calls=aws.operations(),
        notes=notes + _unknown_prefix_notes(bill),
    )
    return bill


def _explain(e: ClientError, requests: int) -> str:
    code, msg = error_code(e), str(e.response.get("Error", {}).get("Message") or "")
    spent = f" ({requests} request(s) made, ${requests * REQUEST_USD:.2f})"
    if "not enabled for cost explorer" in msg.lower():
        return (
            "Cost Explorer is not enabled for this account: enable it in the Billing console "
            "(Cost Explorer > Launch Cost Explorer; data appears within 24 hours), or use "
            f"`ecrcost bill import` with a Cost and Usage Report{spent}"
        )
    if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
        return (
            "Cost Explorer: access denied: the caller needs ce:GetCostAndUsage (see the README's "
            f"minimal IAM policy); in an AWS Organization call it from the payer account{spent}"
        )
    return f"Cost Explorer: {describe_error(e)}{spent}"


def _rows(page: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for result in page.get("ResultsByTime") or []:
        month = str(result.get("TimePeriod", {}).get("Start", ""))[:7]
        for group in result.get("Groups") or []:
            keys = list(group.get("Keys") or [])
            account, usage_type = (keys + ["", ""])[:2]
            metrics = group.get("Metrics") or {}
            cost = metrics.get("UnblendedCost") or {}
            qty = metrics.get("UsageQuantity") or {}
            region, prefix = region_of(usage_type)
            category = category_of(usage_type)
            out.append(
                {
                    "month": month,
                    "account_id": account,
                    "region": region,
                    "region_prefix": prefix,
                    "usage_type": usage_type,
                    "category": category,
                    "usage_quantity": float(qty.get("Amount") or "nan"),
                    "usage_unit": qty.get("Unit") or UNITS[category],
                    "unblended_usd": float(cost.get("Amount") or "nan"),
                    "line_item_type": "Usage",
                    "source": "cost-explorer",
                }
            )
    return out


def _unknown_prefix_notes(bill: pd.DataFrame) -> list[str]:
    unknown = bill[bill["region"].isna() & bill["region_prefix"].notna()]
    return [
        f"unknown usage-type prefix {p!r} ({', '.join(sorted(set(g['usage_type'])))}): region "
        f"unknown, kept as its own row"
        for p, g in unknown.groupby("region_prefix")
    ]
