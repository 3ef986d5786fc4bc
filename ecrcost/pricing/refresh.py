"""Refresh the AWS rows of the price catalog from the AWS Price List API (``pricing`` client).

The Price List API lives in us-east-1, eu-central-1 and ap-south-1 (`ENDPOINT_REGIONS`).
`GetProducts` returns ``PriceList``: a list of JSON **strings**, one product each::

    {"product": {"sku": ..., "productFamily": ..., "attributes": {"regionCode": "us-east-2",
                 "usagetype": "USE2-TimedStorage-ByteHrs", "transferType": ..., ...}},
     "terms": {"OnDemand": {"<sku>.<offer>": {"effectiveDate": "2026-05-01T00:00:00Z",
               "priceDimensions": {"<sku>.<offer>.<rate>": {"unit": "GB-Mo", "beginRange": "0",
                   "endRange": "Inf", "pricePerUnit": {"USD": "0.1000000000"}}}}}},
     "publicationDate": "2026-05-11T...", ...}

paginated with ``NextToken``. Three queries are made (each through the boto3 paginator):
AmazonECR (all products), AWSDataTransfer with ``transferType = AWS Outbound`` (internet egress
tiers) and with ``transferType = InterRegion Outbound`` (inter-region transfer). Products are
mapped to catalog rows:

- ``storage`` STANDARD: AmazonECR usagetype matching ``(^|-)TimedStorage-ByteHrs$``; usage
  types naming Archive are ``storage`` ARCHIVE, naming Restore/Retriev ``archive restore``;
  anything else (signing, ...) is ignored.
- ``egress internet``: AWS Outbound tiers of ``fromRegionCode`` (beginRange/endRange in GB).
- ``inter-region transfer``: per source region the most common rate over its destination pairs
  (pair-specific rates are not modelled; the range is in the notes).

A malformed entry (not JSON, or without product / attributes / OnDemand price dimensions) is
skipped and reported in `RefreshResult.problems`, never fatal. The new catalog is the base catalog
with each refreshed (service, region, dimension, storage class) ladder replaced; every other row
(fallbacks, rules, free tiers, ECR Public) is kept.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError

from ..aws import describe_error
from ..errors import AwsError
from ..files import atomic_file
from .catalog import COLUMNS, OPTIONAL_COLUMNS, Catalog, load_catalog

ENDPOINT_REGIONS = ("us-east-1", "eu-central-1", "ap-south-1")
API_SOURCE = "https://api.pricing.{region}.amazonaws.com (GetProducts {service})"
QUERIES: tuple[tuple[str, list[dict[str, str]]], ...] = (
    ("AmazonECR", []),
    ("AWSDataTransfer", [{"Type": "TERM_MATCH", "Field": "transferType", "Value": "AWS Outbound"}]),
    (
        "AWSDataTransfer",
        [{"Type": "TERM_MATCH", "Field": "transferType", "Value": "InterRegion Outbound"}],
    ),
)
_STORAGE = re.compile(r"(^|-)TimedStorage-ByteHrs$")


@dataclass
class RefreshResult:
    """What a refresh produced: the new catalog rows, counts and the entries it skipped."""

    rows: pd.DataFrame
    products: int = 0
    used: int = 0
    problems: list[str] = field(default_factory=list)
    calls: int = 0


def price_list(
    client: Any, service_code: str, filters: list[dict[str, str]]
) -> Iterator[tuple[int, Any]]:
    """Yield (page number, PriceList entry) for one GetProducts query, following NextToken."""
    paginator = client.get_paginator("get_products")
    kwargs: dict[str, Any] = {"ServiceCode": service_code, "FormatVersion": "aws_v1"}
    if filters:
        kwargs["Filters"] = filters
    for page_no, page in enumerate(paginator.paginate(**kwargs), start=1):
        for entry in page.get("PriceList", []):
            yield page_no, entry


def parse_product(entry: Any) -> dict[str, Any]:
    """One PriceList entry (a JSON string or dict) -> {attributes, publication, dimensions}.

    `dimensions` is a list of (begin GB, end GB, unit, USD, effective date). Raises ValueError
    with the reason when the entry is malformed.
    """
    try:
        doc = json.loads(entry) if isinstance(entry, str | bytes) else entry
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON ({e.msg})") from None
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    attrs = (doc.get("product") or {}).get("attributes")
    if not isinstance(attrs, dict):
        raise ValueError("no product.attributes")
    on_demand = (doc.get("terms") or {}).get("OnDemand")
    if not isinstance(on_demand, dict) or not on_demand:
        raise ValueError("no OnDemand terms")
    dims = []
    for term in on_demand.values():
        effective = str(term.get("effectiveDate") or "")[:10]
        for d in (term.get("priceDimensions") or {}).values():
            try:
                usd = float(d["pricePerUnit"]["USD"])
                begin = float(d.get("beginRange", "0"))
                end_text = str(d.get("endRange", "Inf"))
                end = float("inf") if end_text.lower() == "inf" else float(end_text)
            except (KeyError, TypeError, ValueError) as e:
                raise ValueError(f"bad price dimension ({type(e).__name__}: {e})") from None
            dims.append((begin, end, str(d.get("unit", "")), usd, effective))
    if not dims:
        raise ValueError("no price dimensions")
    return {
        "attributes": attrs,
        "publication": str(doc.get("publicationDate") or "")[:10],
        "dimensions": dims,
    }


def classify(service: str, attrs: dict[str, Any]) -> tuple[str, str, str] | None:
    """(region, dimension, storage_class) of a product, or None when the catalog does not use it."""
    if service == "AmazonECR":
        usage = str(attrs.get("usagetype", ""))
        region = str(attrs.get("regionCode", ""))
        if not region:
            return None
        if re.search(r"archiv", usage, re.I):
            return (
                (region, "archive restore", "ARCHIVE")
                if re.search(r"restor|retriev", usage, re.I)
                else (region, "storage", "ARCHIVE")
            )
        if _STORAGE.search(usage):
            return region, "storage", "STANDARD"
        return None
    if service == "AWSDataTransfer":
        region = str(attrs.get("fromRegionCode") or attrs.get("regionCode") or "")
        kind = attrs.get("transferType")
        if not region:
            return None
        if kind == "AWS Outbound":
            return region, "egress internet", ""
        if kind == "InterRegion Outbound":
            return region, "inter-region transfer", ""
    return None


def refresh_rows(client: Any, region: str = "us-east-1", today: str | None = None) -> RefreshResult:
    """Query the Price List API through `client` and build the refreshed AWS catalog rows."""
    today = today or datetime.now(UTC).date().isoformat()
    result = RefreshResult(rows=pd.DataFrame(columns=COLUMNS + OPTIONAL_COLUMNS))
    ladders: dict[
        tuple[str, str, str, str], dict[str, list[tuple[float, float, str, float, str]]]
    ] = {}
    pairs: dict[tuple[str, str], list[tuple[float, str, str]]] = {}
    n = 0
    for service, filters in QUERIES:
        pages = 0
        for page_no, entry in price_list(client, service, filters):
            pages = max(pages, page_no)
            n += 1
            try:
                product = parse_product(entry)
            except ValueError as e:
                result.problems.append(f"{service} page {page_no} entry: {e}")
                continue
            where = classify(service, product["attributes"])
            if where is None:
                continue
            region_code, dimension, cls = where
            dated = [
                (b, e, u, usd, eff or product["publication"])
                for b, e, u, usd, eff in product["dimensions"]
            ]
            if dimension == "inter-region transfer":
                dest = str(product["attributes"].get("toRegionCode", "?"))
                pairs.setdefault((service, region_code), []).extend(
                    (usd, dest, d) for _, _, _, usd, d in dated
                )
            else:
                usage = str(product["attributes"].get("usagetype", ""))
                ladders.setdefault((service, region_code, dimension, cls), {}).setdefault(
                    usage, []
                ).extend(dated)
            result.used += 1
        result.calls += max(pages, 1)
    result.products = n
    rows = []
    source = API_SOURCE.format(region=region, service="{service}")
    for (service, region_code, dimension, cls), by_usage in sorted(ladders.items()):
        usage = _preferred(by_usage)
        for other in sorted(set(by_usage) - {usage}):
            result.problems.append(
                f"{service} {region_code} {dimension}: several usage types; kept {usage!r}, "
                f"ignored {other!r}"
            )
        for b, end, unit, usd, date in sorted(set(by_usage[usage])):
            rows.append(
                _row(
                    service,
                    region_code,
                    dimension,
                    cls,
                    b,
                    end,
                    unit,
                    usd,
                    source.format(service=service),
                    date,
                    today,
                    "Price List API",
                )
            )
    for (service, region_code), rates in sorted(pairs.items()):
        common, _ = Counter(r for r, _, _ in rates).most_common(1)[0]
        lo, hi = min(r for r, _, _ in rates), max(r for r, _, _ in rates)
        date = max(d for _, _, d in rates)
        note = f"most common rate over {len(rates)} destination pairs (range ${lo:g}-${hi:g}); pairs not modelled"
        rows.append(
            _row(
                service,
                region_code,
                "inter-region transfer",
                "",
                0,
                float("inf"),
                "GB",
                common,
                source.format(service=service),
                date,
                today,
                note,
            )
        )
    result.rows = pd.DataFrame(rows, columns=COLUMNS + OPTIONAL_COLUMNS)
    return result


def _preferred(by_usage: dict[str, Any]) -> str:
    """The usage type to keep when several products map to one ladder (the plain one first)."""
    plain = [u for u in by_usage if u.endswith(("DataTransfer-Out-Bytes", "TimedStorage-ByteHrs"))]
    return sorted(plain or by_usage, key=len)[0]


def _row(
    service: str,
    region: str,
    dimension: str,
    cls: str,
    begin: float,
    end: float,
    unit: str,
    usd: float,
    source: str,
    date: str,
    today: str,
    notes: str,
) -> dict[str, Any]:
    return {
        "provider": "aws",
        "service": service,
        "region": region,
        "dimension": dimension,
        "storage_class": cls,
        "tier_start_gb": begin,
        "tier_end_gb": end,
        "unit": unit or "GB",
        "usd": usd,
        "value": "",
        "source_url": source,
        "source_date": date or "undated",
        "read_date": today,
        "confidence": "high",
        "notes": notes,
    }


def merge(base: Catalog, fresh: pd.DataFrame) -> pd.DataFrame:
    """`base`'s rows with every ladder present in `fresh` replaced by the fresh rows."""
    key = ["provider", "service", "region", "dimension", "storage_class"]
    replaced = set(map(tuple, fresh[key].astype(str).to_numpy().tolist()))
    keep = base.rows[
        [tuple(r) not in replaced for r in base.rows[key].astype(str).to_numpy().tolist()]
    ]
    out = pd.concat([keep, fresh], ignore_index=True)
    return out.sort_values(key + ["tier_start_gb"], kind="stable").reset_index(drop=True)


def write_catalog(rows: pd.DataFrame, path: str | Path, force: bool = False) -> Path:
    """Write catalog rows to CSV atomically (open tiers as an empty tier_end_gb)."""
    out = rows.copy()
    for c in ("tier_start_gb", "tier_end_gb", "usd"):
        out[c] = out[c].map(_num_text)
    with atomic_file(path, force) as tmp:
        out[COLUMNS[:9] + ["value"] + COLUMNS[9:] + ["notes"]].to_csv(
            tmp, index=False, lineterminator="\n", encoding="utf-8"
        )
    return Path(path)


def _num_text(v: Any) -> str:
    if v is None or v == "" or (isinstance(v, float) and (v != v or v == float("inf"))):
        return ""
    return f"{float(v):.10g}"


def refresh(
    client: Any,
    out: str | Path,
    base: Catalog | None = None,
    region: str = "us-east-1",
    force: bool = False,
    today: str | None = None,
) -> tuple[Path, RefreshResult]:
    """Refresh the AWS prices through `client` (a boto3 ``pricing`` client) into a new catalog file.

    The file is validated by loading it back (`load_catalog`) before this returns. Raises AwsError
    when the API returned no usable product at all.
    """
    try:
        result = refresh_rows(client, region=region, today=today)
    except (BotoCoreError, ClientError) as e:  # unreachable endpoint, no permission, throttled out
        raise AwsError(f"Price List API ({region}): {describe_error(e)}") from None
    if result.used == 0:
        detail = f"; skipped: {'; '.join(result.problems[:3])}" if result.problems else ""
        raise AwsError(
            f"the Price List API returned no usable ECR or data-transfer price ({result.products} "
            f"products){detail}"
        )
    rows = merge(base or load_catalog(), result.rows)
    path = write_catalog(rows, out, force=force)
    load_catalog(path)  # the new file must pass the same validation as any user catalog
    return path, result
