"""Charts of the registry comparison (matplotlib, Agg, no pyplot): `ax=None` -> a new Axes, returned.

- `cost_by_registry(compare_df)`: each registry's cheapest fitting plan, monthly USD (billed
  today); an unknown figure is written as "n/a" (no bar, never a zero bar), a registry with no
  fitting plan says so, bars resting on a low-confidence price are hatched, an upper bound is
  labelled "≤ $X", and a plan whose published rates are not charged today is labelled
  "not billed today: +$Y if billed" and outlined.
- `cost_vs_storage(snapshot_or_workload)`: monthly USD of each registry's cheapest fitting plan as
  stored GB grows from 0 to 10x today (other quantities unchanged), today's workload marked;
  `plot_cost_vs_storage(sweep)` draws the curves `sweep.storage_sweep` computed.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ..registries.comparison import cheapest_per_registry
from ..registries.plans import REGISTRIES
from ..registries.workload import Workload
from ..snapshot import Snapshot
from .charts import GB_LABEL, USD_LABEL, new_axes, outlier_scale
from .sweep import storage_sweep

BAR_COLOUR, ECR_COLOUR, UNBILLED_COLOUR = "#3b6ea8", "#e08a1e", "#a83b3b"


def cost_by_registry(compare_df: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Horizontal bars: monthly cost of each registry's cheapest fitting plan (rows of `compare`)."""
    ax = ax or new_axes((8.0, 4.8))
    best = cheapest_per_registry(compare_df)
    values = best["monthly_usd"].astype(float)
    labels = [
        r if p == "(none fits)" else f"{r} ({p})"
        for r, p in zip(best["registry"], best["plan"], strict=True)
    ]
    y = np.arange(len(best))
    known = values.notna().to_numpy()
    low = (best["confidence"] == "low").to_numpy()
    colours = [ECR_COLOUR if r == "ecr" else BAR_COLOUR for r in best["registry"]]
    unbilled = (
        best["unbilled_usd"].astype(float).fillna(0.0).to_numpy()
        if "unbilled_usd" in best
        else np.zeros(len(best))
    )
    bound = [
        isinstance(b, list | tuple | np.ndarray) and "monthly_usd" in list(b)
        for b in (best["upper_bound"] if "upper_bound" in best else [[]] * len(best))
    ]
    bars = ax.barh(y[known], values[known].to_numpy(), color=np.array(colours)[known])
    for bar, is_low, extra in zip(bars, low[known], unbilled[known], strict=True):
        if is_low:
            bar.set_hatch("//")
        if extra > 0:
            bar.set_edgecolor(UNBILLED_COLOUR)
            bar.set_linestyle("--")
    top = float(values.max()) if known.any() else 1.0
    for i, v in enumerate(values):
        if math.isnan(v):
            text = (
                "no plan fits"
                if best["plan"].iloc[i] == "(none fits)"
                else "n/a (unknown; see notes)"
            )
            ax.text(0, y[i], f" {text}", va="center", ha="left", style="italic", color="#555555")
        else:
            text = f"{'≤ ' if bound[i] else ''}${v:,.2f}"
            if unbilled[i] > 0:
                text += f" (not billed today: +${unbilled[i]:,.2f} if billed)"
            if text.count("$") > 1:  # two "$" would start matplotlib's mathtext: escape them
                text = text.replace("$", r"\$")
            ax.text(v + top * 0.01, y[i], text, va="center", ha="left")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.25 if top > 0 else 1.0)
    ax.set_xlabel(f"monthly cost, {USD_LABEL}")
    if outlier_scale(ax, values.to_numpy()):  # one outlier would flatten the other bars
        ax.set_xlim(0, top * 3)
    ax.set_title("This workload on each registry's cheapest fitting plan")
    handles = []
    if low[known].any():
        handles.append(
            Patch(facecolor=BAR_COLOUR, hatch="//", label="rests on a low-confidence price")
        )
    if (unbilled[known] > 0).any():
        handles.append(
            Patch(
                facecolor=BAR_COLOUR,
                edgecolor=UNBILLED_COLOUR,
                linestyle="--",
                label="published rates not charged today (billed cost shown)",
            )
        )
    if any(b for b, k in zip(bound, known, strict=True) if k):
        handles.append(
            Patch(facecolor=BAR_COLOUR, label="≤: upper bound (later tiers at the last known rate)")
        )
    if handles:
        ax.legend(handles=handles, loc="best", fontsize="small")
    return ax


def cost_vs_storage(
    source: Snapshot | Workload | pd.DataFrame | str | os.PathLike[str],
    compare_df: pd.DataFrame | None = None,
    *,
    traffic: Any = None,
    users: int | None = None,
    prices: Any = None,
    plans: Any = None,
    max_factor: float = 10.0,
    points: int = 41,
    ax: Axes | None = None,
) -> Axes:
    """Lines: monthly USD of each registry's cheapest fitting plan against stored GB, from 0 to
    `max_factor` x today; today's workload is marked. The arguments are those of
    `sweep.storage_sweep` (which computes the curves); `plot_cost_vs_storage` draws a sweep
    already computed."""
    sweep = storage_sweep(
        source,
        compare_df,
        traffic=traffic,
        users=users,
        prices=prices,
        plans=plans,
        max_factor=max_factor,
        points=points,
    )
    return plot_cost_vs_storage(sweep, ax=ax)


def plot_cost_vs_storage(sweep: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Draw a `sweep.storage_sweep` frame: one line per registry, today's costs as markers and
    today's stored GB as a dashed line; a registry whose plan has published rates not charged today
    is labelled "(not billed today)" and drawn dashed (its line is the billed cost). Where a cost is unknown (e.g. transfer without a traffic
    profile) the line has a gap, and a registry unknown everywhere is listed as such in the
    legend."""
    ax = ax or new_axes((8.0, 5.0))
    xs = sweep["stored_gb"].to_numpy(float)
    now: dict[str, float] = sweep.attrs.get("today", {})
    stored_gb = float(sweep.attrs.get("stored_gb", math.nan))
    max_factor = float(sweep.attrs.get("max_factor", 10.0))
    known = not math.isnan(stored_gb)
    unbilled = set(sweep.attrs.get("unbilled", []))
    colours = _colours()
    for registry in REGISTRIES:
        if registry not in sweep.columns:
            continue
        y = sweep[registry].to_numpy(float)
        if np.isnan(y).all():
            ax.plot(
                [], [], color=colours[registry], linestyle=":", label=f"{registry}: n/a (unknown)"
            )
            continue
        ax.plot(
            xs,
            y,
            color=colours[registry],
            label=f"{registry} (not billed today)" if registry in unbilled else registry,
            linestyle="--" if registry in unbilled else "-",
            linewidth=2.2 if registry == "ecr" else 1.4,
        )
        if not math.isnan(now.get(registry, math.nan)):
            ax.plot([stored_gb], [now[registry]], marker="o", color=colours[registry])
    if known:
        ax.axvline(
            stored_gb,
            color="#555555",
            linestyle="--",
            linewidth=1,
            label=f"today: {stored_gb:,.2f} GB",
        )
    else:
        ax.plot([], [], color="#555555", linestyle="--", label="today: stored GB unknown")
    ax.set_xlabel(f"stored {GB_LABEL}, layers deduplicated per repository")
    ax.set_ylabel(f"cheapest fitting plan, {USD_LABEL}")
    ax.set_xlim(0, xs[-1])
    ax.set_ylim(bottom=0)
    ax.set_title(f"Monthly cost as storage grows to {max_factor:g}x today")
    ax.legend(fontsize="small", loc="upper left", ncols=2)
    return ax


def _colours() -> dict[str, Any]:
    cmap = colormaps["tab10"]
    return {r: (ECR_COLOUR if r == "ecr" else cmap(i)) for i, r in enumerate(REGISTRIES)}
