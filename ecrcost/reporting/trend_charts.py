"""Charts of the history: monthly figures with the forecast and its band (matplotlib, `ax=None`
-> a new Axes, returned; never `plt.show()`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .charts import USD_LABEL, _empty, new_axes


def trend(
    totals: pd.DataFrame,
    forecast: pd.DataFrame,
    column: str = "total_usd",
    ax: Axes | None = None,
    label: str = USD_LABEL,
) -> Axes:
    """Line: `column` of `totals` (from `ecrcost.history.monthly_totals`) per month, then the
    `forecast` (from `ecrcost.history.forecast`) dashed with its 95% band shaded."""
    ax = ax or new_axes((8.0, 4.0))
    known = totals[["month", column]].dropna()
    if known.empty:
        return _empty(ax, "no monthly figures")
    months = list(known["month"]) + [m for m in forecast["month"] if m not in set(known["month"])]
    x = {m: i for i, m in enumerate(months)}
    ax.plot([x[m] for m in known["month"]], known[column].to_numpy(float), marker="o",
            color="#3b6ea8", label="actual")  # fmt: skip
    if len(forecast):
        fx = [x[known["month"].iloc[-1]]] + [x[m] for m in forecast["month"]]
        fy = [float(known[column].iloc[-1]), *forecast["forecast"].astype(float)]
        ax.plot(fx, fy, linestyle="--", color="#c0504d", label="forecast (linear)")
        low, high = forecast["low"].astype(float), forecast["high"].astype(float)
        if low.notna().all():
            ax.fill_between(fx[1:], low.to_numpy(), high.to_numpy(), color="#c0504d", alpha=0.15,
                            label="95% band")  # fmt: skip
    ax.set_xticks(range(len(months)), months, rotation=45, ha="right")
    ax.set_ylabel(label)
    ax.set_ylim(bottom=min(0.0, float(np.nanmin(known[column].to_numpy(float)))))
    ax.legend(loc="upper left", fontsize="small")
    return ax
