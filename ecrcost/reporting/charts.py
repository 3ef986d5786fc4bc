"""Charts for the monthly report: matplotlib, non-interactive, one function per chart.

Every function takes the DataFrame it plots and `ax=None` (a new `matplotlib.figure.Figure` with
the Agg canvas is made when no Axes is given), returns the Axes, and never calls `plt.show()`;
pyplot is never imported. Axes are labelled with units: 1 GB = 2^30 bytes, money in USD/month.
Charts over repositories show the top N and fold the rest into one "others (k)" bar, so they stay
readable with thousands of repositories. `png_bytes(ax)` renders a chart for embedding.
"""

from __future__ import annotations

import io
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, StrMethodFormatter

from ..units import GB

GB_LABEL = "GB (1 GB = 2^30 bytes)"
USD_LABEL = "USD/month"
AGE_BUCKETS = (
    (0, 30, "< 30 d"),
    (30, 90, "30-89 d"),
    (90, 180, "90-179 d"),
    (180, 365, "180-364 d"),
    (365, 730, "1-2 y"),
    (730, np.inf, "2 y +"),
)


def new_axes(figsize: tuple[float, float] = (8.0, 4.5)) -> Axes:
    """A fresh Axes on its own Agg-backed Figure (no pyplot, no global state)."""
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def png_bytes(ax: Axes, dpi: int = 200) -> bytes:
    """The PNG image of the figure holding `ax`, at 2x resolution (sharp on high-density screens
    and in print; the page shows it at its 1x size)."""
    buf = io.BytesIO()
    cast(Figure, ax.figure).savefig(buf, format="png", dpi=dpi)  # our Axes sit on a Figure
    return buf.getvalue()


def repository_label(df: pd.DataFrame) -> pd.Series:
    """ "repository" alone, or "account/region/repository" when several registries are present."""
    if df[["account_id", "region"]].drop_duplicates().shape[0] > 1:
        return (
            df["account_id"].astype(str)
            + "/"
            + df["region"].astype(str)
            + "/"
            + df["repository"].astype(str)
        )
    return df["repository"].astype(str)


def push_month(times: pd.Series) -> pd.Series:
    """ "YYYY-MM" (UTC) of each timestamp; vectorised (strftime per row is slow at 10^5 rows)."""
    months = times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[M]")
    return pd.Series(np.datetime_as_string(months, unit="M"), index=times.index)


def top_n(values: pd.Series, n: int) -> pd.Series:
    """The n largest values (NaN counts as 0 for ranking) plus an "others (k)" row summing the rest."""
    values = values.astype(float)
    order = values.fillna(0).sort_values(ascending=False, kind="stable").index
    head = values.loc[order[:n]]
    rest = values.loc[order[n:]]
    if len(rest):
        head = pd.concat(
            [head, pd.Series([rest.sum(min_count=1)], index=[f"others ({len(rest):,})"])]
        )
    return head


OTHERS_COLOUR = "#b0b0b0"
MAX_LABEL = 48  # characters of a repository label on an axis (the tables have the full name)


def short(label: str) -> str:
    """`label` cut to MAX_LABEL characters, keeping its end (the repository name)."""
    return label if len(label) <= MAX_LABEL else "..." + label[-(MAX_LABEL - 3) :]


def _label_bars(ax: Axes, totals: np.ndarray, fmt: str) -> None:
    """Write each horizontal bar's value (`fmt`, e.g. "${:,.2f}") at its end; thousands-separated ticks."""
    for y, v in enumerate(totals):
        ax.annotate(
            "n/a" if np.isnan(v) else fmt.format(v),
            (0 if np.isnan(v) else v, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ax.margins(x=0.2)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.6g}"))


def _bar_colours(index: pd.Index, colour: str) -> list[str]:
    return [OTHERS_COLOUR if str(i).startswith("others (") else colour for i in index]


#: the largest value over the median of the positive ones beyond which a linear axis flattens the rest
OUTLIER_RATIO = 20.0


def outlier_scale(ax: Axes, values: np.ndarray | pd.Series, axis: str = "x") -> bool:
    """Switch the value axis of a bar chart to a symmetric log scale when one value flattens the
    rest (max over the median positive value above OUTLIER_RATIO); say so in the axis label.
    Zero stays at zero (linear below the smallest positive value). True when switched."""
    v = np.asarray(values, dtype=float)
    pos = v[np.isfinite(v) & (v > 0)]
    if len(pos) < 2 or pos.max() / np.median(pos) <= OUTLIER_RATIO:
        return False
    thresh = float(10 ** np.floor(np.log10(pos.min())))
    if axis == "x":
        ax.set_xscale("symlog", linthresh=thresh)
        ax.set_xlabel(f"{ax.get_xlabel()} (log scale)".strip())
    else:
        ax.set_yscale("symlog", linthresh=thresh)
        ax.set_ylabel(f"{ax.get_ylabel()} (log scale)".strip())
    return True


def _empty(ax: Axes, message: str) -> Axes:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def cost_by_repository(
    costs: pd.DataFrame, n: int = 15, column: str = "total_usd", ax: Axes | None = None
) -> Axes:
    """Horizontal bars: monthly cost per repository, largest first, top `n` plus "others".

    `costs` has the columns of `ecrcost.costs(by="repository")`; `column` is the USD column to plot
    (falls back to storage_usd when every value of `column` is unknown).
    """
    ax = ax or new_axes()
    if len(costs) == 0:
        return _empty(ax, "no repositories")
    if costs[column].isna().all():
        column = "storage_usd"
    s = top_n(pd.Series(costs[column].to_numpy(float), index=repository_label(costs).to_numpy()), n)
    ax.barh(range(len(s)), s.fillna(0).to_numpy(), color=_bar_colours(s.index, "#3b6ea8"))
    ax.set_yticks(range(len(s)), [short(str(i)) for i in s.index])
    ax.invert_yaxis()
    _label_bars(ax, s.to_numpy(float), "${:,.2f}")
    ax.set_xlabel(f"{column.removesuffix('_usd')} cost, {USD_LABEL}")
    ax.set_title(f"Top {min(n, len(costs))} repositories by {column.removesuffix('_usd')} cost")
    outlier_scale(ax, s.to_numpy(float))
    return ax


def naive_vs_unique(summary: dict[str, float], ax: Axes | None = None) -> Axes:
    """Two bars: the sum of imageSizeInBytes (naive) against the deduplicated (billed) bytes.

    `summary` holds "naive_bytes" and "unique_bytes" (bytes; NaN when unknown).
    """
    ax = ax or new_axes((6.0, 3.0))
    labels = ["naive (sum of imageSizeInBytes)", "deduplicated (billed estimate)"]
    vals = [summary.get("naive_bytes", np.nan), summary.get("unique_bytes", np.nan)]
    gb = [float(v) / GB if pd.notna(v) else 0.0 for v in vals]
    bars = ax.barh(labels, gb, color=["#bbbbbb", "#3b6ea8"])
    for bar, v in zip(bars, vals, strict=True):
        ax.annotate(
            "n/a" if pd.isna(v) else f"{float(v) / GB:,.2f} GB",
            (bar.get_width(), bar.get_y() + 0.4),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
        )
    ax.invert_yaxis()
    ax.set_xlabel(f"stored {GB_LABEL}")
    ax.margins(x=0.25)
    ax.set_title("Naive vs deduplicated storage")
    return ax


def storage_by_push_month(images: pd.DataFrame, n: int = 8, ax: Axes | None = None) -> Axes:
    """Stacked bars: GB of images by the month they were pushed, one colour per top-`n` repository.

    `images` has the columns of `ecrcost.storage.image_storage` (bytes = the image's blob bytes).
    Bytes shared between images are counted in every image here (this shows what was pushed when,
    not the deduplicated bill); an image index is skipped, its child images carry its bytes.
    """
    ax = ax or new_axes()
    df = images[images["pushed_at"].notna() & (images["kind"] != "index")]
    if len(df) == 0:
        return _empty(ax, "no images with a push time")
    month = push_month(df["pushed_at"])
    label = repository_label(df)
    gb = df["bytes"].astype("Float64").fillna(0).to_numpy(float) / GB
    per_repo = pd.Series(gb, index=label.to_numpy()).groupby(level=0).sum()
    top = list(per_repo.sort_values(ascending=False, kind="stable").index[:n])
    others = f"others ({len(per_repo) - len(top):,})"
    stack = np.where(label.isin(top), label, others)
    table = pd.DataFrame({"month": month.to_numpy(), "stack": stack, "gb": gb}).pivot_table(
        index="month", columns="stack", values="gb", aggfunc="sum", fill_value=0.0
    )
    order = [c for c in [*top, others] if c in table.columns]
    table = table[order].sort_index()
    bottom = np.zeros(len(table))
    colors = [
        OTHERS_COLOUR if c == others else p
        for c, p in zip(order, _palette(len(order)), strict=True)
    ]
    for col, colour in zip(order, colors, strict=True):
        ax.bar(
            table.index, table[col].to_numpy(), bottom=bottom, label=short(str(col)), color=colour
        )
        bottom += table[col].to_numpy()
    ax.set_xlabel("push month (UTC)")
    ax.set_ylabel(GB_LABEL)
    ax.set_title("Stored image bytes by push month")
    ax.tick_params(axis="x", labelrotation=90 if len(table) > 12 else 0)
    ax.legend(fontsize="small", loc="upper left")
    return ax


def image_age_histogram(images: pd.DataFrame, now: pd.Timestamp, ax: Axes | None = None) -> Axes:
    """Bars: number of images by age (days since push at `now`), in fixed buckets."""
    ax = ax or new_axes((7.0, 3.5))
    counts = age_buckets(images, now)
    ax.bar(counts.index, counts.to_numpy(), color="#3b6ea8")
    ax.set_xlabel("image age (days since push)")
    ax.set_ylabel("images")
    ax.set_title("Image age")
    return ax


def age_buckets(images: pd.DataFrame, now: pd.Timestamp) -> pd.Series:
    """Image counts per AGE_BUCKETS label (and "unknown" when some push times are missing)."""
    age = (now - images["pushed_at"]).dt.total_seconds() / 86400
    out = {label: int(((age >= lo) & (age < hi)).sum()) for lo, hi, label in AGE_BUCKETS}
    missing = int(age.isna().sum())
    if missing:
        out["unknown"] = missing
    return pd.Series(out, dtype="int64")


def month_over_month(
    delta: pd.DataFrame, n: int = 15, column: str = "delta_bytes", ax: Axes | None = None
) -> Axes:
    """Diverging horizontal bars: the `n` largest per-repository changes since the baseline.

    `delta` is the month-over-month table of `ecrcost.report` (account_id, region, repository and
    `column`, either delta_bytes (plotted in GB) or a *_usd column).
    """
    ax = ax or new_axes()
    d = delta[delta[column].fillna(0) != 0]
    if len(d) == 0:
        return _empty(ax, "no change since the baseline")
    values = d[column].to_numpy(float)
    scale, unit = (GB, GB_LABEL) if column.endswith("_bytes") else (1.0, USD_LABEL)
    s = pd.Series(values / scale, index=repository_label(d).to_numpy())
    s = s.loc[s.abs().sort_values(ascending=False, kind="stable").index[:n]]
    ax.barh(range(len(s)), s.to_numpy(), color=np.where(s.to_numpy() > 0, "#c0504d", "#4f9a55"))
    ax.set_yticks(range(len(s)), [short(str(i)) for i in s.index])
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"change since baseline, {unit}")
    ax.set_title("Largest changes since the baseline")
    return ax


def egress_by_destination(usage: pd.DataFrame, n: int = 15, ax: Axes | None = None) -> Axes:
    """Stacked horizontal bars: pulled GB per repository by destination (top `n` plus "others").

    `usage` has the columns of `ecrcost.usage.egress_usage`: account_id, region, repository,
    same_region_gb, cross_region_gb, internet_gb (GB = 2^30 bytes).
    """
    ax = ax or new_axes()
    dests = ["same_region_gb", "cross_region_gb", "internet_gb"]
    if len(usage) == 0:
        return _empty(ax, "no pulls")
    df = usage[dests].astype(float).fillna(0).set_axis(repository_label(usage).to_numpy())
    df = df.groupby(level=0).sum()
    total = df.sum(axis=1)
    order = total.sort_values(ascending=False, kind="stable").index
    head = df.loc[order[:n]]
    if len(order) > n:
        head.loc[f"others ({len(order) - n:,})"] = df.loc[order[n:]].sum()
    left = np.zeros(len(head))
    for col, colour in zip(dests, ["#9bbb59", "#f79646", "#c0504d"], strict=True):
        ax.barh(
            range(len(head)),
            head[col].to_numpy(),
            left=left,
            color=colour,
            label=col.removesuffix("_gb").replace("_", " "),
        )
        left += head[col].to_numpy()
    ax.set_yticks(range(len(head)), [short(str(i)) for i in head.index])
    ax.invert_yaxis()
    _label_bars(ax, left, "{:,.1f} GB")
    ax.set_xlabel(f"pulled {GB_LABEL} per month")
    ax.set_title("Pulled data by destination")
    ax.legend(fontsize="small", loc="best")
    return ax


def _palette(k: int) -> list[Any]:
    cmap = colormaps["tab10"] if k <= 10 else colormaps["tab20"]
    return [cmap(i % cmap.N) for i in range(k)]
