"""The bill table: what `ecrcost bill fetch` / `bill import` save and `reconcile` reads.

A BILLDIR is a directory::

    meta.json      schema_version, tool, tool_version, source ("cost-explorer" | "cur"), created_at,
                   months [YYYY-MM], inputs (CE request or the files read), resource_ids (bool: the
                   source names resources), requests (Cost Explorer requests made), request_usd,
                   api_calls {"service:Operation": n}, notes [str]
    bill.parquet   one row per month x payer/linked account x region x usage type (x resource
                   where the source has one) x line item type

Columns and dtypes are in `BILL_SCHEMA` (money in USD as billed, unblended; quantities in the unit
AWS reports: GB-Mo for storage, GB for transfer and restore; 1 GB = 2^30 bytes):

    month             "YYYY-MM", the billing period
    payer_account_id  the payer (management) account, <NA> when the source does not say (CE)
    account_id        the linked (usage) account
    region            region code from the usage type's prefix (`usage_types`); <NA> when the
                      prefix is unknown (the row is kept, see region_prefix)
    region_prefix     the usage type's prefix ("EUW1"), <NA> for an unprefixed (us-east-1) type
    usage_type        as on the bill ("EUW1-TimedStorage-ByteHrs")
    category          storage | archive_storage | archive_restore | egress_internet |
                      transfer_inter_region | other
    usage_quantity    float, the usage amount
    usage_unit        "GB-Mo" | "GB" | as reported
    unblended_usd     float
    resource_id       the CUR resource ID, <NA> when the source has none for the row
    repository        the ECR repository the resource ID names (ARN or bare name), else <NA>
    line_item_type    Usage | Credit | Refund | Tax | DiscountedUsage | ... (CE: "Usage")
    source            "cost-explorer" | "cur"

Writes are atomic (`files.atomic_directory`); `load_bill` validates the schema version, the
columns, their types and the category values, and fails with `BillError` naming what is wrong.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import BillError
from ..files import atomic_directory
from .usage_types import CATEGORIES

BILL_SCHEMA_VERSION = 1
SOURCES = ("cost-explorer", "cur")

#: column -> pandas dtype, in the on-disk order
BILL_SCHEMA: dict[str, str] = {
    "month": "string",
    "payer_account_id": "string",
    "account_id": "string",
    "region": "string",
    "region_prefix": "string",
    "usage_type": "string",
    "category": "string",
    "usage_quantity": "float64",
    "usage_unit": "string",
    "unblended_usd": "float64",
    "resource_id": "string",
    "repository": "string",
    "line_item_type": "string",
    "source": "string",
}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def empty_bill() -> pd.DataFrame:
    """An empty bill table with the schema's columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in BILL_SCHEMA.items()})


def conform_bill(df: pd.DataFrame | list[dict[str, Any]]) -> pd.DataFrame:
    """`df` with exactly the schema's columns and dtypes (missing columns become null)."""
    if not isinstance(df, pd.DataFrame):
        df = pd.DataFrame(list(df))
    extra = set(df.columns) - set(BILL_SCHEMA)
    if extra:
        raise ValueError(f"bill table: unknown columns {sorted(extra)}")
    out = {
        c: (df[c] if c in df.columns else pd.Series([None] * len(df), index=df.index)).astype(d)
        for c, d in BILL_SCHEMA.items()
    }
    return pd.DataFrame(out).reset_index(drop=True)


def validate_bill(df: pd.DataFrame, where: str = "bill") -> None:
    """Raise `BillError` when `df` breaks the bill table's contract (module docstring)."""
    missing = [c for c in BILL_SCHEMA if c not in df.columns]
    if missing:
        raise BillError(f"{where}: missing columns {missing}")
    bad = sorted(set(df["category"].dropna()) - set(CATEGORIES))
    if bad:
        raise BillError(f"{where}: unknown categories {bad} (expected {', '.join(CATEGORIES)})")
    months = df["month"].dropna().astype(str)
    wrong = sorted({m for m in months if not _MONTH.match(m)})
    if wrong or df["month"].isna().any():
        raise BillError(f"{where}: month must be YYYY-MM, found {wrong[:3] or ['<NA>']}")
    for col in ("account_id", "usage_type", "source"):
        if df[col].isna().any():
            raise BillError(f"{where}: column {col} has empty values")
    bad_src = sorted(set(df["source"]) - set(SOURCES))
    if bad_src:
        raise BillError(f"{where}: unknown source {bad_src}")
    for col in ("usage_quantity", "unblended_usd"):
        if not pd.api.types.is_float_dtype(df[col]):
            raise BillError(f"{where}: column {col} is not numeric")


def bill_meta(source: str, months: list[str], **extra: Any) -> dict[str, Any]:
    """A meta.json dict for a bill (every key present)."""
    from .. import __version__

    meta: dict[str, Any] = {
        "schema_version": BILL_SCHEMA_VERSION,
        "tool": "ecrcost",
        "tool_version": __version__,
        "source": source,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "months": months,
        "inputs": [],
        "resource_ids": False,
        "requests": 0,
        "request_usd": 0.0,
        "api_calls": {},
        "notes": [],
    }
    meta.update(extra)
    return meta


def write_bill(bill: pd.DataFrame, path: str | os.PathLike[str], force: bool = False) -> Path:
    """Write `bill` (its ``attrs["meta"]``) to the BILLDIR `path` atomically; return the path."""
    df = conform_bill(bill)
    validate_bill(df)
    meta = dict(bill.attrs.get("meta") or bill_meta("cur", sorted(set(df["month"]))))
    meta["schema_version"] = BILL_SCHEMA_VERSION
    with atomic_directory(path, force) as tmp:
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp / "bill.parquet")
    return Path(path)


def load_bill(path: str | os.PathLike[str] | pd.DataFrame) -> pd.DataFrame:
    """Read and validate the BILLDIR at `path` (a bill DataFrame is validated and returned).

    Returns the bill table (`BILL_SCHEMA` columns) with ``attrs["meta"]`` = meta.json. Raises
    `BillError` naming the problem: no such directory, no or corrupt meta.json, another schema
    version, no or unreadable bill.parquet, missing columns, wrong types or values.
    """
    if isinstance(path, pd.DataFrame):
        validate_bill(path)
        return path
    p = Path(path)
    if not p.is_dir():
        raise BillError(f"{p}: no such bill directory (run `ecrcost bill fetch|import --out {p}`)")
    meta_file = p / "meta.json"
    try:
        meta = json.loads(meta_file.read_text())
    except FileNotFoundError:
        raise BillError(f"{p}: not an ecrcost bill (no meta.json)") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise BillError(f"{meta_file}: corrupt meta.json ({e})") from None
    if not isinstance(meta, dict) or meta.get("tool") != "ecrcost" or "source" not in meta:
        raise BillError(f"{meta_file}: not an ecrcost bill")
    if meta.get("schema_version") != BILL_SCHEMA_VERSION:
        raise BillError(
            f"{p}: bill schema version {meta.get('schema_version')!r}, "
            f"this ecrcost reads version {BILL_SCHEMA_VERSION}"
        )
    f = p / "bill.parquet"
    if not f.is_file():
        raise BillError(f"{p}: missing table bill.parquet")
    try:
        df = pq.read_table(f).to_pandas()
    except Exception as e:  # pyarrow raises several types for corrupt files
        raise BillError(f"{f}: unreadable Parquet table ({e})") from None
    validate_bill(df, str(f))
    try:
        df = conform_bill(df[list(BILL_SCHEMA)])
    except (ValueError, TypeError) as e:
        raise BillError(f"{f}: column of the wrong type ({e})") from None
    df.attrs["meta"] = meta
    return df
