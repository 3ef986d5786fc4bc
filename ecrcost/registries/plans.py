"""Registry plan models as dated, sourced data: load and validate a plan file.

A plan file is a CSV with one row per priced figure (the bundled one is
``ecrcost/data/registry_plans.csv``, seeded from PRICES.md sections A3 and D). Columns:

    registry     one of REGISTRIES (ecr, ecr-public, dockerhub, ghcr, gar, acr, quay, artifactory, gitlab)
    plan         the plan's name as the vendor spells it ("Team", "Basic", ...)
    item         what the row is (ITEMS):
                   fee          fixed charge; unit USD/month, USD/day (x 365.25/12) or USD/user-month (x seats)
                   storage      tiered rate on a stored-GB quantity -> storage_usd
                   transfer     tiered rate on a transferred-GB quantity -> transfer_usd
                   consumption  tiered rate on storage + transfer GB together (JFrog), split pro rata
                   unbilled     a published rate that is not charged today (GHCR overage, Docker Hub
                                storage overage): priced into ``if_billed_usd`` only
                   limit        the plan fits only while the quantity is <= value
                   fair_use     an inclusion that is not enforced: exceeding it adds a note
    quantity     the workload quantity the row applies to (QUANTITIES; empty for fees)
    tier_start, tier_end   the tier's range in the quantity's unit (rates only; empty end = open)
    block        rates only, optional: billed quantity rounded up to whole blocks (storage packs)
    value        the number (USD or a limit); empty on a rate row = price unknown (a NaN cost
                 whenever the workload reaches that tier)
    unit         USD/month | USD/day | USD/user-month | USD/GB-month | USD/GB-day | USD/GB | a limit's unit
    source_url, source_date (YYYY[-MM[-DD]] or empty when the source has none), read_date (YYYY-MM-DD),
    confidence (high | medium | low, as in the price catalog), notes

Every plan has exactly one fee row; a rate ladder (rows of one plan, item and quantity) starts at 0,
is contiguous and ends open. GB are 2^30 bytes (ACR's GiB are the same unit).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import PlanCatalogError
from ..pricing.catalog import CONFIDENCE, parse_number
from ..units import DAYS_PER_MONTH

REGISTRIES = (
    "ecr",
    "ecr-public",
    "dockerhub",
    "ghcr",
    "gar",
    "acr",
    "quay",
    "artifactory",
    "gitlab",
)
ITEMS = ("fee", "storage", "transfer", "consumption", "unbilled", "limit", "fair_use")
RATE_ITEMS = ("storage", "transfer", "consumption", "unbilled")
QUANTITIES = (
    "stored_gb",
    "stored_gb_global",
    "largest_repository_gb",
    "repositories",
    "users",
    "pulls_per_month",
    "pulls_per_hour",
    "pulled_gb",
    "internet_gb",
    "pushed_gb",
    "consumption_gb",
)
FEE_UNITS = ("USD/month", "USD/day", "USD/user-month")
RATE_UNITS = ("USD/GB-month", "USD/GB-day", "USD/GB")
_CONFIDENCE_RANK = {"low": 0, "medium": 1, "high": 2}
COLUMNS = (
    "registry",
    "plan",
    "item",
    "quantity",
    "tier_start",
    "tier_end",
    "block",
    "value",
    "unit",
    "source_url",
    "source_date",
    "read_date",
    "confidence",
    "notes",
)
#: one month length everywhere (issue 13): daily fees (ACR) and per-day rates (GHCR) x the same
#: 365.25 / 12 = 30.4375-day month as every ECR figure (`units.DAYS_PER_MONTH`), so one compare
#: table never mixes two months
PLAN_DAYS_PER_MONTH = DAYS_PER_MONTH

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def weakest(confidences: Iterable[str]) -> str:
    """The lowest of some confidence levels ("high" when there are none)."""
    return min(confidences, key=lambda c: _CONFIDENCE_RANK.get(c, 0), default="high")


def default_plan_file() -> Path:
    """The bundled plan file (``ecrcost/data/registry_plans.csv``)."""
    return Path(str(resources.files("ecrcost") / "data" / "registry_plans.csv"))


def load_plans(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and validate a plan file (the bundled one when `path` is None).

    Returns one row per figure with COLUMNS; tier_start/tier_end/block/value are float (open
    tier_end is inf, an unknown value NaN), text columns are str ("" when empty), and a ``row``
    column holds the file line number. Raises `PlanCatalogError` naming the file and line for a
    missing file, missing columns, an unknown registry/item/quantity/unit/confidence, a bad number
    or date, a plan without exactly one fee, or a tier ladder with gaps/overlaps.
    """
    file = Path(path) if path is not None else default_plan_file()
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise PlanCatalogError(f"{file}: no such plan file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise PlanCatalogError(f"{file}: not a readable CSV plan file ({e})") from None
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise PlanCatalogError(f"{file}: missing columns {missing}")
    df = raw[list(COLUMNS)].map(str.strip)
    df.insert(0, "row", range(2, len(df) + 2))  # line 1 is the header
    if len(df) == 0:
        raise PlanCatalogError(f"{file}: no plans")
    for col in ("tier_start", "tier_end", "block", "value"):
        df[col] = [_number(file, r, col, v) for r, v in zip(df["row"], df[col], strict=True)]
    for r in df.to_dict("records"):
        _check_row(file, r)
    df["tier_start"] = df["tier_start"].fillna(0.0)
    df["tier_end"] = df["tier_end"].fillna(math.inf)
    _check_plans(file, df)
    return df.reset_index(drop=True)


def _number(file: Path, row: int, col: str, text: str) -> float:
    return (
        math.nan if text == "" else parse_number(f"{file}: row {row}", col, text, PlanCatalogError)
    )


def _check_row(file: Path, r: dict[str, Any]) -> None:
    def fail(msg: str) -> None:
        raise PlanCatalogError(f"{file}: row {r['row']}: {msg}")

    item, quantity, unit = r["item"], r["quantity"], r["unit"]
    start, end, block = r["tier_start"], r["tier_end"], r["block"]
    if r["registry"] not in REGISTRIES:
        fail(f"unknown registry {r['registry']!r} (expected one of {', '.join(REGISTRIES)})")
    if not r["plan"]:
        fail("empty plan name")
    if item not in ITEMS:
        fail(f"unknown item {item!r} (expected one of {', '.join(ITEMS)})")
    if item == "fee":
        if quantity:
            fail("a fee takes no quantity")
        if unit not in FEE_UNITS:
            fail(f"fee unit {unit!r} is not one of {', '.join(FEE_UNITS)}")
    elif quantity not in QUANTITIES:
        fail(f"unknown quantity {quantity!r} (expected one of {', '.join(QUANTITIES)})")
    if item in RATE_ITEMS:
        if unit not in RATE_UNITS:
            fail(f"rate unit {unit!r} is not one of {', '.join(RATE_UNITS)}")
        if not math.isnan(end) and not end > (0.0 if math.isnan(start) else start):
            fail("tier_end must be greater than tier_start")
        if not math.isnan(block) and block <= 0:
            fail("block must be positive")
    elif not (math.isnan(start) and math.isnan(end) and math.isnan(block)):
        fail(f"tier_start/tier_end/block apply to rates only, not to a {item}")
    if item not in RATE_ITEMS and math.isnan(r["value"]):
        fail(f"a {item} needs a value")
    if not r["source_url"]:
        fail("source_url is empty (every figure needs its source)")
    if r["source_date"] and not _DATE.match(r["source_date"]):
        fail(f"source_date {r['source_date']!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    if not _ISO_DAY.match(r["read_date"]):
        fail(f"read_date {r['read_date']!r} is not YYYY-MM-DD")
    if r["confidence"] not in CONFIDENCE:
        fail(f"confidence {r['confidence']!r} is not one of high, medium, low")


def _check_plans(file: Path, df: pd.DataFrame) -> None:
    """Each plan has exactly one fee; each rate ladder starts at 0, is contiguous and ends open."""
    plans: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in df.to_dict("records"):
        plans.setdefault((r["registry"], r["plan"]), []).append(r)
    for (registry, plan), rows in plans.items():
        fees = [r["row"] for r in rows if r["item"] == "fee"]
        if len(fees) != 1:
            where = f"row {rows[0]['row']}" if not fees else f"rows {', '.join(map(str, fees))}"
            raise PlanCatalogError(
                f"{file}: {where}: plan {registry}/{plan} needs exactly one fee row, has {len(fees)}"
            )
        ladders: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for r in rows:
            if r["item"] in RATE_ITEMS:
                ladders.setdefault((r["item"], r["quantity"]), []).append(r)
        for (item, quantity), ladder in ladders.items():
            ladder.sort(key=lambda t: t["tier_start"])
            if len({t["unit"] for t in ladder}) > 1:
                raise PlanCatalogError(f"{file}: row {ladder[0]['row']}: one ladder mixes units")
            expected = 0.0
            for t in ladder:
                if t["tier_start"] != expected:
                    raise PlanCatalogError(
                        f"{file}: row {t['row']}: tier starts at {t['tier_start']:g}, expected {expected:g} "
                        f"(gap or overlap in {registry}/{plan} {item} {quantity})"
                    )
                expected = t["tier_end"]
            if not math.isinf(expected):
                raise PlanCatalogError(
                    f"{file}: row {ladder[-1]['row']}: the last tier of {registry}/{plan} {item} "
                    f"{quantity} must be open (empty tier_end)"
                )
