"""The "Estimate vs bill" chart: billed and modelled USD by month (matplotlib, `ax=None`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .charts import USD_LABEL, _empty, new_axes


def billed_vs_modelled(by_month: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Bars of billed and modelled USD per month.

    `by_month`: month ("YYYY-MM"), billed_usd, modelled_usd (NaN: unknown, drawn as no bar and
    labelled "n/a"). Returns the Axes; never calls `plt.show()`.
    """
    ax = ax or new_axes()
    if len(by_month) == 0:
        return _empty(ax, "no bill months")
    x = np.arange(len(by_month))
    width = 0.38
    billed = by_month["billed_usd"].to_numpy(float)
    modelled = by_month["modelled_usd"].to_numpy(float)
    ax.bar(x - width / 2, billed, width, label="billed", color="#4c72b0")
    ax.bar(x + width / 2, np.nan_to_num(modelled), width, label="modelled", color="#dd8452")
    for i, m in enumerate(modelled):
        if np.isnan(m):
            ax.annotate("n/a", (x[i] + width / 2, 0), ha="center", va="bottom")
    ax.set_xticks(x, by_month["month"].astype(str).tolist())
    ax.set_ylabel(USD_LABEL)
    ax.set_title("ECR: billed vs modelled by month (usage lines, modelled categories)")
    ax.legend()
    return ax
