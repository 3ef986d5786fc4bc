"""The bill from Cost and Usage Report files: CUR 2.0 / Data Exports Parquet and legacy CUR CSV.

`import_bill(paths)` reads local files, directories of monthly partitions (searched recursively
for ``*.parquet``, ``*.csv``, ``*.csv.gz``) and ``s3://bucket/prefix`` URLs (listed and read
through the read-only AWS seam: s3:ListBucket, s3:GetObject), keeps only ECR rows
(product code ``AmazonECR``) and sums them in DuckDB to the bill table's grain (month x payer x
account x usage type x resource x line item type). Column names (`COLUMNS`): CUR 2.0 uses
``line_item_usage_account_id`` etc., legacy CUR ``lineItem/UsageAccountId`` etc.

- A file lacking a needed column is a `BillError` naming the file and the columns.
- A CUR without resource IDs (no ``line_item_resource_id``: the export lacks INCLUDE_RESOURCES)
  still imports, at account x region grain; ``attrs["meta"]["notes"]`` says so.
- Region: the usage type's prefix (`usage_types.region_of`); when the prefix is unknown, the
  CUR's own region column (``product_region_code``, ``product['region']``, ``product/region``);
  else <NA> with the prefix named in the notes.
"""

from __future__ import annotations

import csv
import gzip
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from ..aws import Aws, describe_error
from ..errors import BillError
from ..snapshot_files import duckdb_connect
from .table import bill_meta, conform_bill
from .usage_types import UNITS, category_of, prefix_map, region_of, repository_of

PRODUCT_CODE = "AmazonECR"
SUFFIXES = (".parquet", ".csv", ".csv.gz")
#: bill field -> (CUR 2.0 / Athena column, legacy CUR column); the first group is required
REQUIRED: dict[str, tuple[str, str]] = {
    "account_id": ("line_item_usage_account_id", "lineItem/UsageAccountId"),
    "usage_type": ("line_item_usage_type", "lineItem/UsageType"),
    "usage_quantity": ("line_item_usage_amount", "lineItem/UsageAmount"),
    "unblended_usd": ("line_item_unblended_cost", "lineItem/UnblendedCost"),
    "product_code": ("line_item_product_code", "lineItem/ProductCode"),
}
PERIOD = (
    ("bill_billing_period_start_date", "bill/BillingPeriodStartDate"),
    ("line_item_usage_start_date", "lineItem/UsageStartDate"),
)
OPTIONAL: dict[str, tuple[str, str]] = {
    "resource_id": ("line_item_resource_id", "lineItem/ResourceId"),
    "line_item_type": ("line_item_line_item_type", "lineItem/LineItemType"),
    "payer_account_id": ("bill_payer_account_id", "bill/PayerAccountId"),
    "region_code": ("product_region_code", "product/region"),
    "usage_unit": ("pricing_unit", "pricing/unit"),
}
COLUMNS = {**REQUIRED, **OPTIONAL}


def import_bill(
    paths: str | Iterable[str],
    *,
    profile: str | None = None,
    endpoint_url: str | None = None,
    aws: Aws | None = None,
) -> pd.DataFrame:
    """The ECR bill from CUR files, directories or ``s3://bucket/prefix`` URLs.

    Returns the bill table (`billing.table.BILL_SCHEMA`: month, payer_account_id, account_id,
    region, region_prefix, usage_type, category, usage_quantity, usage_unit, unblended_usd,
    resource_id, repository, line_item_type, source "cur") with ``attrs["meta"]``: the files read,
    whether resource IDs were present, notes (no resource IDs, unknown prefixes), api_calls.
    `profile`, `endpoint_url`, `aws`: for s3:// inputs (the read-only seam, `aws.Aws`).
    Raises `BillError` for a missing path, no CUR files, or a file without the needed columns.
    """
    items = [paths] if isinstance(paths, str) else list(paths)
    if not items:
        raise BillError("bill import: no input given")
    with _local_files(items, profile, endpoint_url, aws) as (files, seam):
        frames, notes, shown = [], [], []
        no_ids: list[str] = []
        for group in _by_layout(files):
            frame, has_ids = _read_group(group)
            frames.append(frame)
            labels = [g[1] for g in group]
            shown.extend(labels)
            if not has_ids:
                no_ids.extend(labels)
        api_calls = seam.operations() if seam else {}
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    bill = _to_bill(raw)
    if no_ids:
        notes.append(
            f"no resource IDs in {_few(no_ids)} (the export lacks INCLUDE_RESOURCES / "
            "line_item_resource_id): imported at account x region grain, no per-repository rows"
        )
    notes += _prefix_notes(bill)
    bill.attrs["meta"] = bill_meta(
        "cur",
        sorted(set(bill["month"])),
        inputs=shown,
        resource_ids=not no_ids and bool(bill["resource_id"].notna().any()),
        api_calls=api_calls,
        notes=notes,
        rows_read=int(raw["rows"].sum()) if len(raw) else 0,
    )
    return bill


# ---- inputs -------------------------------------------------------------------------------------
@contextmanager
def _local_files(
    items: list[str], profile: str | None, endpoint_url: str | None, aws: Aws | None
) -> Iterator[tuple[list[tuple[Path, str]], Aws | None]]:
    """(local path, label) for every CUR file of `items`; s3:// objects downloaded to a temp dir."""
    out: list[tuple[Path, str]] = []
    seam = aws
    with tempfile.TemporaryDirectory(prefix="ecrcost-cur-") as tmp:
        for item in items:
            if item.startswith("s3://"):
                seam = seam or Aws(profile=profile, endpoint_url=endpoint_url, workers=1)
                out.extend(_download(seam, item, Path(tmp) / str(len(out))))
                continue
            p = Path(item)
            if p.is_dir():
                found = sorted(f for f in p.rglob("*") if f.is_file() and _is_cur(f.name))
                if not found:
                    raise BillError(f"{p}: no CUR files (*.parquet, *.csv, *.csv.gz) in it")
                out.extend((f, str(f)) for f in found)
            elif p.is_file():
                out.append((p, str(p)))
            else:
                raise BillError(f"{p}: no such file or directory")
        yield out, seam


def _is_cur(name: str) -> bool:
    return name.lower().endswith(SUFFIXES) and not name.startswith(".")


def _download(aws: Aws, url: str, dest: Path) -> list[tuple[Path, str]]:
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise BillError(f"{url}: expected s3://bucket/prefix")
    s3 = aws.client("s3", aws.default_region or "us-east-1")
    aws.check_credentials()
    out = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents") or []:
                key = obj["Key"]
                if not _is_cur(key.rsplit("/", 1)[-1]):
                    continue
                local = dest / key
                local.parent.mkdir(parents=True, exist_ok=True)
                body = s3.get_object(Bucket=bucket, Key=key)["Body"]
                with local.open("wb") as f:
                    shutil.copyfileobj(body, f, 1 << 20)
                out.append((local, f"s3://{bucket}/{key}"))
    except Exception as e:
        if type(e).__module__.startswith(("botocore.", "boto3.")):
            raise BillError(f"{url}: cannot read ({describe_error(e)})") from None
        raise
    if not out:
        raise BillError(f"{url}: no CUR files (*.parquet, *.csv, *.csv.gz) under it")
    return out


def _columns(path: Path, label: str) -> tuple[str, tuple[str, ...]]:
    """("parquet" | "csv", column names) of one file, reading only its header / footer."""
    try:
        if path.name.lower().endswith(".parquet"):
            return "parquet", tuple(pq.read_schema(path).names)
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as f:  # type: ignore[operator]
            header = f.readline()
    except Exception as e:  # corrupt Parquet footers and gzip streams raise several types
        raise BillError(f"{label}: unreadable CUR file ({e})") from None
    return "csv", tuple(next(csv.reader([header]), []))


def _by_layout(files: list[tuple[Path, str]]) -> list[list[tuple[Path, str, str, tuple[str, ...]]]]:
    groups: dict[tuple[str, tuple[str, ...]], list[Any]] = {}
    for path, label in files:
        fmt, cols = _columns(path, label)
        groups.setdefault((fmt, tuple(sorted(cols))), []).append((path, label, fmt, cols))
    return list(groups.values())


# ---- reading ------------------------------------------------------------------------------------
def _pick(cols: tuple[str, ...], names: tuple[str, str]) -> str | None:
    return next((n for n in names if n in cols), None)


def _read_group(group: list[Any]) -> tuple[pd.DataFrame, bool]:
    """Sum one group of same-layout files to the bill grain in DuckDB; (frame, has resource IDs)."""
    _, label, fmt, cols = group[0]
    picked = {k: _pick(cols, v) for k, v in COLUMNS.items()}
    period = next((c for names in PERIOD if (c := _pick(cols, names))), None)
    missing = [" or ".join(v) for k, v in REQUIRED.items() if picked[k] is None]
    if period is None:
        missing.append(" or ".join(p[0] for p in PERIOD))
    if missing:
        names = _few([g[1] for g in group])
        raise BillError(f"{names}: not a usable CUR file: missing column(s) {', '.join(missing)}")

    def q(name: str | None, cast: str = "VARCHAR") -> str:
        if not name:
            return "CAST(NULL AS VARCHAR)"
        ident = '"' + name.replace('"', '""') + '"'
        col = ident if fmt == "parquet" else f"nullif({ident}, '')"  # CSV: every column is text
        return f"CAST({col} AS {cast})"

    region = q(picked["region_code"])
    if picked["region_code"] is None and "product" in cols and fmt == "parquet":
        region = "CAST(product['region'] AS VARCHAR)"
    amount = "DOUBLE"
    files = [str(g[0]) for g in group]
    source = (
        "read_parquet($files, union_by_name=true)"
        if fmt == "parquet"
        else "read_csv($files, header=true, all_varchar=true, union_by_name=true)"
    )
    sql = f"""
        SELECT substr(CAST({q(period, "TIMESTAMP")} AS VARCHAR), 1, 7) AS month,
               {q(picked["payer_account_id"])} AS payer_account_id,
               {q(picked["account_id"])} AS account_id,
               coalesce({q(picked["usage_type"])}, '') AS usage_type,
               nullif({q(picked["resource_id"])}, '') AS resource_id,
               coalesce(nullif({q(picked["line_item_type"])}, ''), 'Usage') AS line_item_type,
               max({region}) AS region_code,
               max(nullif({q(picked["usage_unit"])}, '')) AS usage_unit,
               sum(coalesce({q(picked["usage_quantity"], amount)}, 0)) AS usage_quantity,
               sum(coalesce({q(picked["unblended_usd"], amount)}, 0)) AS unblended_usd,
               count(*) AS rows
        FROM {source}
        WHERE {q(picked["product_code"])} = '{PRODUCT_CODE}'
        GROUP BY ALL
    """
    con = duckdb_connect()  # on this process's CPUs, no progress bar
    try:
        con.execute("SET TimeZone = 'UTC'")
        frame = con.execute(sql, {"files": files}).df()
    except duckdb.Error as e:
        raise BillError(f"{_few(files)}: cannot read as CUR ({str(e).splitlines()[0]})") from None
    finally:
        con.close()
    return frame, picked["resource_id"] is not None


def _to_bill(raw: pd.DataFrame) -> pd.DataFrame:
    if len(raw) == 0:
        return conform_bill([])
    types = pd.Series(raw["usage_type"].unique())
    regions = {t: region_of(t) for t in types}
    category = raw["usage_type"].map(category_of)
    region = raw["usage_type"].map(lambda t: regions[t][0])
    prefix = raw["usage_type"].map(lambda t: regions[t][1])
    region = region.where(region.notna(), raw["region_code"].replace("", None))
    repo_of = {r: repository_of(r) for r in raw["resource_id"].dropna().unique()}
    df = pd.DataFrame(
        {
            "month": raw["month"],
            "payer_account_id": raw["payer_account_id"],
            "account_id": raw["account_id"],
            "region": region,
            "region_prefix": prefix,
            "usage_type": raw["usage_type"],
            "category": category,
            "usage_quantity": raw["usage_quantity"].astype(float),
            "usage_unit": raw["usage_unit"].where(raw["usage_unit"].notna(), category.map(UNITS)),
            "unblended_usd": raw["unblended_usd"].astype(float),
            "resource_id": raw["resource_id"],
            "repository": raw["resource_id"].map(repo_of),
            "line_item_type": raw["line_item_type"],
            "source": "cur",
        }
    )
    # several file groups may hold the same key: sum once more
    keys = [c for c in df.columns if c not in ("usage_quantity", "unblended_usd")]
    df = df.groupby(keys, dropna=False, sort=True)[["usage_quantity", "unblended_usd"]].sum()
    return conform_bill(df.reset_index())


def _prefix_notes(bill: pd.DataFrame) -> list[str]:
    known = set(bill["region_prefix"].dropna())
    unknown = sorted(known - set(prefix_map()))
    out = []
    for p in unknown:
        rows = bill[bill["region_prefix"] == p]
        where = (
            f"region from the CUR's region column ({', '.join(sorted(set(rows['region'].dropna())))})"
            if rows["region"].notna().all()
            else "region unknown, kept as its own row"
        )
        out.append(
            f"unknown usage-type prefix {p!r} ({', '.join(sorted(set(rows['usage_type'])))}): {where}"
        )
    return out


def _few(labels: list[str], n: int = 3) -> str:
    return ", ".join(labels[:n]) + (f" and {len(labels) - n} more" if len(labels) > n else "")
