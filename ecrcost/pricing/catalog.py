"""The price catalog: dated, sourced prices as data (CSV), loaded, validated and looked up.

The bundled catalog is the newest ``ecrcost/pricing/data/<provider>-YYYY-MM-DD.csv``; a user's own
file (``--prices FILE``) has the same columns. One row per price (or price tier):

    provider        "aws"
    service         AmazonECR | AWSDataTransfer | AmazonECRPublic (Price List service codes)
    region          region code, or "*" = the documented FALLBACK for regions without a sourced price
    dimension       storage | archive restore | egress internet | inter-region transfer | ...
                    "free tier ..." rows are allowances (the free quantity is the tier end, usd 0);
                    "rule: ..." rows hold a pricing rule in `value` (unit "rule")
    storage_class   STANDARD | ARCHIVE | "" (not applicable)
    tier_start_gb   tier start in the unit's GB (0 for a flat price)
    tier_end_gb     tier end, empty = open-ended
    unit            GB-Mo (storage, per GB-month) | GB (transfer) | rule | days
    usd             USD per unit (empty only for "rule"/"days" rows)
    value           the value of a "rule"/"days" row (e.g. "internet", "90"); optional column
    source_url      where the figure comes from
    source_date     the source's own date (YYYY-MM-DD, YYYY-MM, YYYY or "undated")
    read_date       when it was read (YYYY-MM-DD)
    confidence      high | medium | low
    notes           optional free text

A malformed or incomplete file raises `PriceCatalogError` naming the file and the row (its line).
A price looked up for a region without its own row comes from the "*" row and is flagged
(`Price.fallback`); every output that uses it says so.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import PriceCatalogError
from ..flags import Flag
from .tiers import Tier, check_ladder, describe_ladder, usd_text

COLUMNS = [
    "provider",
    "service",
    "region",
    "dimension",
    "storage_class",
    "tier_start_gb",
    "tier_end_gb",
    "unit",
    "usd",
    "source_url",
    "source_date",
    "read_date",
    "confidence",
]
OPTIONAL_COLUMNS = ["value", "notes"]
CONFIDENCE = ("high", "medium", "low")
FALLBACK_REGION = "*"
FACT_UNITS = ("rule", "days")  # rows that carry a `value` instead of a price
_REQUIRED_TEXT = [
    "provider",
    "service",
    "region",
    "dimension",
    "unit",
    "source_url",
    "source_date",
    "read_date",
    "confidence",
]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SOURCE_DATE = re.compile(r"^(\d{4}(-\d{2}(-\d{2})?)?|undated)$")
_FILE_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_LADDER_KEY = ["provider", "service", "region", "dimension", "storage_class"]


@dataclass(frozen=True)
class Price:
    """One dimension's price in one region: its tier ladder and where the figures come from."""

    service: str
    dimension: str
    region: str  # the region asked for
    storage_class: str
    unit: str
    tiers: tuple[Tier, ...]
    source_url: str
    source_date: str
    read_date: str
    confidence: str  # the lowest confidence of the rows used
    fallback: bool  # True when the "*" fallback row stood in for a region without its own price

    @property
    def rate(self) -> float:
        """The first tier's USD per unit (the rate of a flat price)."""
        return self.tiers[0][2]

    @cached_property  # a Price is immutable; the catalog hands out one per dimension x region
    def description(self) -> str:
        """The ladder as text, e.g. "$0.09/GB to 10,240 GB; then $0.085/GB ..."."""
        return describe_ladder(self.tiers, self.unit)

    @property
    def flags(self) -> list[Flag]:
        """Warnings to carry into every output that uses this price (a new list each time)."""
        return list(self._flags)

    @cached_property
    def _flags(self) -> tuple[Flag, ...]:
        what = f"{self.dimension} ({self.storage_class})" if self.storage_class else self.dimension
        out = []
        if self.fallback:
            out.append(
                Flag(
                    "fallback-price",
                    f"fallback price: no sourced {what} price for {self.region}",
                    what=what,
                    region=self.region,
                )
            )
        if self.confidence == "low":
            out.append(
                Flag(
                    "low-confidence-price",
                    f"low-confidence price: {what} {self.region}",
                    what=what,
                    region=self.region,
                )
            )
        return tuple(out)


@dataclass
class Catalog:
    """A validated price catalog: `rows` (a DataFrame with the module docstring's columns)."""

    rows: pd.DataFrame
    path: Path | None = None
    name: str = "bundled"
    date: str = ""
    _cache: dict[tuple[Any, ...], Price] = field(default_factory=dict, repr=False)
    _by_key: dict[tuple[str, str, str], list[dict[str, Any]]] | None = field(
        default=None, repr=False
    )

    def price(
        self,
        dimension: str,
        region: str,
        storage_class: str = "",
        service: str | None = None,
        provider: str = "aws",
    ) -> Price:
        """The price of `dimension` in `region` (fallback row "*" when the region has none).

        Raises PriceCatalogError when neither the region nor the fallback has the dimension.
        """
        key = (dimension, region, storage_class, service, provider)
        if key in self._cache:
            return self._cache[key]
        sel = self._records().get((provider, dimension, storage_class), [])
        if service is not None:
            sel = [x for x in sel if x["service"] == service]
        rows = [x for x in sel if x["region"] == region]
        # a "*" row stands in for a missing region (flagged) -- unless the dimension is priced
        # only by "*" rows, i.e. the same everywhere by design (same-region transfer, rules)
        fallback = not rows and any(x["region"] != FALLBACK_REGION for x in sel)
        if not rows:
            rows = [x for x in sel if x["region"] == FALLBACK_REGION]
        if not rows:
            cls = f" ({storage_class})" if storage_class else ""
            raise PriceCatalogError(
                f"{self.label}: no {dimension!r}{cls} price for region {region} and no fallback "
                f"row (region '{FALLBACK_REGION}')"
            )
        services = sorted({x["service"] for x in rows})
        if len(services) > 1:
            raise PriceCatalogError(
                f"{self.label}: {dimension!r} in {region} is priced by several services "
                f"{services}; pass service="
            )
        rows = sorted(rows, key=lambda x: x["tier_start_gb"])
        tiers = tuple(
            (float(x["tier_start_gb"]), float(x["tier_end_gb"]), float(x["usd"])) for x in rows
        )
        price = Price(
            service=str(rows[0]["service"]),
            dimension=dimension,
            region=region,
            storage_class=storage_class,
            unit=str(rows[0]["unit"]),
            tiers=tiers,
            source_url="; ".join(dict.fromkeys(x["source_url"] for x in rows)),
            source_date="; ".join(dict.fromkeys(x["source_date"] for x in rows)),
            read_date="; ".join(dict.fromkeys(x["read_date"] for x in rows)),
            confidence=max((x["confidence"] for x in rows), key=CONFIDENCE.index),
            fallback=fallback,
        )
        self._cache[key] = price
        return price

    def _records(self) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
        """The rows as dicts by (provider, dimension, storage_class), built on first use."""
        if self._by_key is None:
            self._by_key = {}
            for x in self.rows.to_dict("records"):
                key = (x["provider"], x["dimension"], x["storage_class"])
                self._by_key.setdefault(key, []).append(x)
        return self._by_key

    def fact(self, dimension: str, provider: str = "aws") -> pd.Series:
        """The "rule"/"days" row named `dimension` (a Series with `value`, `source_url`, ...)."""
        r = self.rows
        sel = r[(r["provider"] == provider) & (r["dimension"] == dimension)]
        if len(sel) == 0:
            raise PriceCatalogError(f"{self.label}: no {dimension!r} row")
        return sel.iloc[0]

    def rule(self, name: str, allowed: tuple[str, ...], provider: str = "aws") -> str:
        """The value of the row ``rule: <name>``, checked against `allowed`."""
        row = self.fact(f"rule: {name}", provider)
        value = str(row["value"]).strip()
        if value not in allowed:
            raise PriceCatalogError(
                f"{self.label}: 'rule: {name}' is {value!r}; expected one of {', '.join(allowed)}"
            )
        return value

    def allowance(
        self,
        dimension: str,
        region: str = FALLBACK_REGION,
        service: str | None = None,
        provider: str = "aws",
    ) -> Price:
        """A "free tier ..." allowance: the free quantity is ``price.tiers[-1][1]``."""
        return self.price(dimension, region, self._class_of(dimension, provider), service, provider)

    def _class_of(self, dimension: str, provider: str) -> str:
        sel = self.rows[(self.rows["provider"] == provider) & (self.rows["dimension"] == dimension)]
        return str(sel["storage_class"].iloc[0]) if len(sel) else ""

    @property
    def label(self) -> str:
        """How outputs name this catalog: its file path, or "bundled catalog <file>"."""
        return (
            str(self.path)
            if self.name != "bundled"
            else f"bundled catalog {self.path.name if self.path else ''}".strip()
        )

    def show(self, compact: bool = False) -> pd.DataFrame:
        """The catalog rows for ``prices show`` (open tiers: tier_end_gb None).

        `compact` (for terminal tables): service, region, dimension, storage_class, tier (text),
        price (text: "$0.09/GB", or a rule's value), confidence, source_date, read_date, source_url.
        """
        out = self.rows.copy()
        ends = out["tier_end_gb"]
        out["tier_end_gb"] = pd.Series(
            [None if math.isinf(e) else e for e in ends], dtype=object, index=out.index
        )
        if not compact:
            return out
        fact = out["unit"].isin(FACT_UNITS)
        tier = [
            ""
            if f or (s == 0 and math.isinf(e))
            else (f"{s:,.10g}+" if math.isinf(e) else f"{s:,.10g}-{e:,.10g}")
            for f, s, e in zip(fact, out["tier_start_gb"], ends, strict=True)
        ]
        price = [
            f"{v} {u}".replace(" rule", "") if f else f"{usd_text(p)}/{u}"
            for f, v, u, p in zip(fact, out["value"], out["unit"], out["usd"], strict=True)
        ]
        return out.assign(tier=tier, price=price)[
            [
                "service",
                "region",
                "dimension",
                "storage_class",
                "tier",
                "price",
                "confidence",
                "source_date",
                "read_date",
                "source_url",
            ]
        ]


def bundled_catalog_path() -> Path:
    """The newest dated CSV in ``ecrcost/pricing/data``."""
    data = resources.files("ecrcost.pricing") / "data"
    files = sorted(Path(str(p)) for p in data.iterdir() if str(p).endswith(".csv"))
    if not files:
        raise PriceCatalogError(f"{data}: no bundled price catalog (*.csv)")
    return max(files, key=lambda p: (_file_date(p) or "", p.name))


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load and validate a price catalog: the bundled one by default, else the CSV at `path`.

    Raises `PriceCatalogError` naming the file and the line of the first bad row: a missing
    column, an empty required cell, a non-numeric or negative price or tier bound, an unknown
    confidence, a bad date, or tiers of one ladder that do not start at 0, leave gaps or overlap.
    """
    bundled = path is None
    p = bundled_catalog_path() if bundled else Path(path)  # type: ignore[arg-type]
    if not p.is_file():
        raise PriceCatalogError(f"{p}: no such price catalog file")
    try:
        # utf-8-sig: a file saved by Excel starts with a byte-order mark; it is not part of a column name
        with p.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in COLUMNS if c not in header]
            if missing:
                raise PriceCatalogError(
                    f"{p}: not a price catalog: missing columns {', '.join(missing)}"
                )
            raw = []
            for rec in reader:
                if None in rec:  # more cells than header columns
                    raise PriceCatalogError(f"{p}, line {reader.line_num}: more cells than columns")
                raw.append(
                    (reader.line_num, {k.strip(): (v or "").strip() for k, v in rec.items()})
                )
    except UnicodeDecodeError as e:
        raise PriceCatalogError(f"{p}: not a UTF-8 CSV file ({e})") from None
    except csv.Error as e:
        raise PriceCatalogError(f"{p}: malformed CSV ({e})") from None
    if not raw:
        raise PriceCatalogError(f"{p}: the price catalog has no rows")
    rows = [_parse_row(p, line, rec) for line, rec in raw]
    df = pd.DataFrame(rows)
    _check_ladders(p, df)
    date = _file_date(p) or str(df["read_date"].max())
    return Catalog(
        rows=df.drop(columns="line"), path=p, name="bundled" if bundled else p.name, date=date
    )


def _parse_row(path: Path, line: int, rec: dict[str, Any]) -> dict[str, Any]:
    where = f"{path}, line {line}"
    for c in _REQUIRED_TEXT:
        if not rec.get(c):
            raise PriceCatalogError(f"{where}: empty {c}")
    out: dict[str, Any] = {c: rec.get(c, "") or "" for c in COLUMNS + OPTIONAL_COLUMNS}
    out["line"] = line
    if out["confidence"] not in CONFIDENCE:
        raise PriceCatalogError(
            f"{where}: confidence {out['confidence']!r} is not one of {', '.join(CONFIDENCE)}"
        )
    if not _DATE.match(out["read_date"]):
        raise PriceCatalogError(f"{where}: read_date {out['read_date']!r} is not YYYY-MM-DD")
    if not _SOURCE_DATE.match(out["source_date"]):
        raise PriceCatalogError(
            f"{where}: source_date {out['source_date']!r} is not YYYY[-MM[-DD]] or 'undated'"
        )
    if out["unit"] in FACT_UNITS:
        if not out["value"]:
            raise PriceCatalogError(f"{where}: a {out['unit']!r} row needs a value")
        out["tier_start_gb"], out["tier_end_gb"], out["usd"] = math.nan, math.nan, math.nan
        return out
    out["usd"] = parse_number(where, "usd", out["usd"])
    out["tier_start_gb"] = parse_number(where, "tier_start_gb", out["tier_start_gb"] or "0")
    end = out["tier_end_gb"]
    out["tier_end_gb"] = (
        math.inf if end in ("", "inf", "Inf") else parse_number(where, "tier_end_gb", end)
    )
    if out["tier_end_gb"] <= out["tier_start_gb"]:
        raise PriceCatalogError(f"{where}: tier_end_gb must be greater than tier_start_gb")
    return out


def parse_number(
    where: str, column: str, text: str, error: type[Exception] = PriceCatalogError
) -> float:
    """`text` as a finite, non-negative number, else `error` naming `where` (file and row) and
    `column`.

    Shared by the price catalog and the registry plan files (`error=PlanCatalogError`)."""
    try:
        v = float(text)
    except ValueError:
        raise error(f"{where}: {column} {text!r} is not a number") from None
    if not math.isfinite(v) or v < 0:  # NaN and inf would end up as NaN/Infinity in JSON output
        raise error(f"{where}: {column} must be a finite, non-negative number, not {text!r}")
    return v


def _check_ladders(path: Path, df: pd.DataFrame) -> None:
    ladders: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for x in df[~df["unit"].isin(FACT_UNITS)].to_dict("records"):
        ladders.setdefault(tuple(x[k] for k in _LADDER_KEY), []).append(x)
    for key, rows in ladders.items():
        rows.sort(key=lambda x: x["tier_start_gb"])
        if len({x["unit"] for x in rows}) > 1:
            raise PriceCatalogError(f"{path}, line {rows[1]['line']}: tiers of {key} mix units")
        try:
            check_ladder([(x["tier_start_gb"], x["tier_end_gb"], x["usd"]) for x in rows])
        except ValueError as e:
            lines = ", ".join(str(x["line"]) for x in rows)
            raise PriceCatalogError(
                f"{path}, lines {lines}: tiers of {'/'.join(k for k in key if k)}: {e}"
            ) from None


def _file_date(p: Path) -> str | None:
    m = _FILE_DATE.search(p.name)
    return m.group(1) if m else None
