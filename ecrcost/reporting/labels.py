"""Human column headers and cell decorations for the report's HTML and Markdown tables.

The CSV files and the JSON output keep the column names (they are the data contract); the page and
report.md show `header(column)`: "Total / month" for total_usd, "Stored (dedup.)" for unique_bytes.
Unknown columns are shown with their underscores as spaces and a capital first letter.
"""

from __future__ import annotations

import json
from typing import Any

#: column name -> the header shown in the report
HEADERS: dict[str, str] = {
    "account_id": "Account",
    "region": "Region",
    "repository": "Repository",
    "group": "Group",
    "registry": "Registry",
    "plan": "Plan",
    "month": "Month",
    "total_usd": "Total / month",
    "storage_usd": "Storage / month",
    "egress_usd": "Egress / month",
    "replication_usd": "Replication / month",
    "monthly_usd": "Cost / month",
    "transfer_usd": "Transfer / month",
    "base_usd": "Plan fee / month",
    "unbilled_usd": "Not billed today / month",
    "delta_usd": "Change / month",
    "old_usd": "Before / month",
    "new_usd": "After / month",
    "previous_usd": "Last month",
    "change_usd": "Change",
    "change_pct": "Change, %",
    "share_pct": "Share, %",
    "delta_storage_usd": "Storage change / month",
    "delta_total_usd": "Total change / month",
    "before_storage_usd": "Storage before / month",
    "after_storage_usd": "Storage after / month",
    "untagged_storage_usd": "Untagged: storage / month",
    "unpulled_storage_usd": "Unpulled: storage / month",
    "images": "Images",
    "tagged_images": "Tagged",
    "untagged_images": "Untagged",
    "unpulled_images": "Unpulled",
    "before_images": "Images before",
    "after_images": "Images after",
    "old_images": "Images before",
    "new_images": "Images after",
    "naive_bytes": "Sum of image sizes (naive)",
    "unique_bytes": "Stored (dedup.)",
    "exclusive_bytes": "Frees if deleted",
    "before_unique_bytes": "Stored before",
    "after_unique_bytes": "Stored after",
    "old_bytes": "Stored before",
    "new_bytes": "Stored after",
    "delta_bytes": "Stored change",
    "untagged_exclusive_bytes": "Untagged: frees",
    "unpulled_exclusive_bytes": "Unpulled: frees",
    "image_bytes": "Image bytes",
    "storage_gb": "Storage, GB-Mo",
    "stored_gb": "Stored, GB",
    "pulled_gb": "Pulled, GB",
    "egress_gb": "Pulled, GB",
    "same_region_gb": "Same region, GB",
    "cross_region_gb": "Cross region, GB",
    "internet_gb": "Internet, GB",
    "pulls": "Pulls / month",
    "push_month": "Pushed in",
    "pushed_at": "Pushed",
    "last_pull_at": "Last pulled",
    "digest": "Digest",
    "tags": "Tags",
    "resource_tags": "Resource tags",
    "reason": "Why",
    "change": "Change",
    "fits": "Fits",
    "fit_reason": "Why not",
    "confidence": "Confidence",
    "notes": "Notes",
    "price_date": "Prices of",
    "status": "Status",
    "error": "Error",
    "errors": "Errors",
    "forecast": "Forecast",
    "low": "Low (95%)",
    "high": "High (95%)",
    "repositories": "Repositories",
    "billed": "Billed today",
    "cheapest": "Cheapest",
    "money": "Money compared",
    "baseline": "Baseline",
    "savings_usd": "Savings available now / month",
    "alternative": "Cheapest billed alternative",
    "alternative_usd": "Its cost / month",
    "alternative_delta_usd": "Its cost vs ECR / month",
    "unbilled": "Not billed today (not ranked)",
    "targets": "Account-regions",
    "failed": "Failed",
    "partial": "Partial",
    "measure": "Measure",
    "method": "Method",
}
DIGEST_SHOWN = 19  # "sha256:" + 12 hex digits


def header(column: object) -> str:
    """The header shown for `column`."""
    c = str(column)
    if c in HEADERS:
        return HEADERS[c]
    text = c.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def short_digest(value: str) -> str:
    """ "sha256:0123456789ab…" for a long digest (the full value goes in a title attribute)."""
    return value if len(value) <= DIGEST_SHOWN + 1 else value[:DIGEST_SHOWN] + "…"


def tag_pairs(value: Any) -> list[str] | None:
    """A resource-tags JSON object text as ["key=value", ...] (None when it is not one); an image's
    tag list as its tags."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if not isinstance(value, str) or not value.startswith("{"):
        return None
    try:
        tags = json.loads(value)
    except ValueError:
        return None
    if not isinstance(tags, dict):
        return None
    return [f"{k}={v}" for k, v in tags.items()]
