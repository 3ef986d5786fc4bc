"""The four-dimension comparison: workflow, authentication/authorization, availability/performance,
pricing -- as sourced data (``ecrcost/data/registry_dimensions.csv``, one row per registry, dimension
and aspect with source_url, source_date, read_date and confidence high/medium/low).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import PlanCatalogError
from .comparison import cheapest_per_registry
from .plans import CONFIDENCE, REGISTRIES, weakest

DIMENSIONS = ("name", "workflow", "auth", "availability", "pricing")
COLUMNS = (
    "registry",
    "dimension",
    "aspect",
    "value",
    "source_url",
    "source_date",
    "read_date",
    "confidence",
)
#: dimensions() columns
DIMENSION_COLUMNS = [
    "registry",
    "name",
    "workflow",
    "authentication",
    "availability",
    "pricing",
    "monthly_usd",
    "cheapest_plan",
    "confidence",
    "sources",
]


def load_dimensions(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read the dimension file (the bundled one by default); `PlanCatalogError` names file and row."""
    file = (
        Path(path)
        if path
        else Path(str(resources.files("ecrcost") / "data" / "registry_dimensions.csv"))
    )
    try:
        df = pd.read_csv(file, dtype=str, keep_default_na=False)
    except (FileNotFoundError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
        raise PlanCatalogError(f"{file}: not a readable dimension file ({e})") from None
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise PlanCatalogError(f"{file}: missing columns {missing}")
    for i, r in enumerate(df.to_dict("records"), start=2):
        if r["registry"] not in REGISTRIES:
            raise PlanCatalogError(f"{file}: row {i}: unknown registry {r['registry']!r}")
        if r["dimension"] not in DIMENSIONS:
            raise PlanCatalogError(f"{file}: row {i}: unknown dimension {r['dimension']!r}")
        if r["confidence"] not in CONFIDENCE or not r["source_url"] or not r["value"]:
            raise PlanCatalogError(
                f"{file}: row {i}: needs a value, a source_url and confidence high/medium/low"
            )
    return df[list(COLUMNS)]


def dimensions(
    compare_df: pd.DataFrame | None = None, path: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """One row per registry (REGISTRIES order): DIMENSION_COLUMNS.

    Each dimension cell is "aspect: value; ..." with "[low confidence]" after weakly sourced
    entries. With `compare_df` (from `compare`), monthly_usd and cheapest_plan are this workload's
    cheapest fitting plan (NaN / "(none fits)" when no plan fits), and the pricing cell says so.
    `sources` lists every source URL behind the row; `confidence` is the weakest of them.
    """
    facts = load_dimensions(path)
    best = (
        cheapest_per_registry(compare_df).set_index("registry") if compare_df is not None else None
    )
    rows = []
    for registry in REGISTRIES:
        f = facts[facts["registry"] == registry]
        if len(f) == 0:
            continue
        row: dict[str, object] = {"registry": registry}
        names = f.loc[f["dimension"] == "name", "value"]
        row["name"] = names.iloc[0] if len(names) else registry
        for dim, col in (
            ("workflow", "workflow"),
            ("auth", "authentication"),
            ("availability", "availability"),
            ("pricing", "pricing"),
        ):
            d = f[f["dimension"] == dim]
            row[col] = "; ".join(
                f"{a}: {v}{' [low confidence]' if c == 'low' else ''}"
                for a, v, c in zip(d["aspect"], d["value"], d["confidence"], strict=True)
            )
        row["monthly_usd"], row["cheapest_plan"] = float("nan"), ""
        if best is not None and registry in best.index:
            b = best.loc[registry]
            row["monthly_usd"], row["cheapest_plan"] = b["monthly_usd"], b["plan"]
            cost = (
                "n/a (unknown)" if pd.isna(b["monthly_usd"]) else f"${b['monthly_usd']:,.2f}/month"
            )
            row["pricing"] = f"{row['pricing']}; this workload: {cost} on {b['plan']}"
        row["confidence"] = weakest(f["confidence"])
        row["sources"] = sorted(set(f["source_url"]))
        rows.append(row)
    return pd.DataFrame(rows, columns=DIMENSION_COLUMNS)
