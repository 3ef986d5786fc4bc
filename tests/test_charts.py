"""Charts: tested on their artists and labels (units, top-N + others), never shown, no pyplot."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from report_fixtures import build

from ecrcost.reporting import charts
from ecrcost.storage import image_storage

GB = 2**30


def many_repos(n: int = 5000) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    usd = rng.gamma(0.5, 10, n)
    return pd.DataFrame(
        {
            "account_id": "111111111111",
            "region": "us-east-1",
            "repository": [f"team/svc-{i:04d}" for i in range(n)],
            "storage_usd": usd,
            "total_usd": np.nan,
            "same_region_gb": usd * 3,
            "cross_region_gb": usd,
            "internet_gb": usd / 2,
        }
    )


def bar_values(ax: Axes) -> list[float]:
    return [p.get_width() for p in ax.patches]


def test_top_n_folds_the_rest_into_others():
    s = pd.Series([5.0, 1.0, np.nan, 3.0, 2.0], index=list("abcde"))
    t = charts.top_n(s, 2)
    assert list(t.index) == ["a", "d", "others (3)"]
    assert t.iloc[-1] == 3.0  # 1 + 2, the unknown one does not count as 0 but is skipped in the sum
    assert list(charts.top_n(s, 10).index) == list("adebc")


def test_cost_by_repository_readable_with_5000_repositories():
    df = many_repos()
    ax = charts.cost_by_repository(df, n=15, column="total_usd")  # total unknown -> storage
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 16 and labels[-1] == "others (4,985)"
    top = df.sort_values("storage_usd", ascending=False)
    assert labels[0] == top["repository"].iloc[0]
    values = bar_values(ax)
    assert values[0] == pytest.approx(top["storage_usd"].iloc[0])
    assert sum(values) == pytest.approx(df["storage_usd"].sum())  # nothing lost in "others"
    assert "USD/month" in ax.get_xlabel() and "storage" in ax.get_xlabel()


def test_given_axes_is_used_and_returned():
    ax = charts.new_axes()
    assert charts.cost_by_repository(many_repos(20), ax=ax) is ax
    assert len(ax.patches) == 16


def test_storage_by_push_month_stacks_top_repositories():
    imgs = image_storage(build())
    ax = charts.storage_by_push_month(imgs, n=2)
    assert "2^30" in ax.get_ylabel() and "month" in ax.get_xlabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[-1].startswith("others (") and len(legend) == 3
    # total height = every non-index image's bytes, in GB
    expected = imgs.loc[imgs["kind"] != "index", "bytes"].astype(float).sum() / GB
    assert sum(p.get_height() for p in ax.patches) == pytest.approx(expected)


def test_image_age_histogram_counts_every_image():
    imgs = image_storage(build())
    now = pd.Timestamp("2026-11-28T06:00:00Z")
    ax = charts.image_age_histogram(imgs, now)
    assert sum(p.get_height() for p in ax.patches) == len(imgs)
    assert ax.get_ylabel() == "images" and "days" in ax.get_xlabel()
    ages = charts.age_buckets(imgs, now)
    assert ages["2 y +"] == 1 and ages["< 30 d"] == 2


def test_month_over_month_diverges_and_labels_units():
    d = pd.DataFrame(
        {
            "account_id": "a",
            "region": "r",
            "repository": ["up", "down", "same"],
            "delta_bytes": [2 * GB, -GB, 0.0],
            "delta_storage_usd": [0.2, -0.1, 0.0],
        }
    )
    ax = charts.month_over_month(d)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["up", "down"]
    assert bar_values(ax) == [2.0, -1.0] and "GB" in ax.get_xlabel()
    ax = charts.month_over_month(d, column="delta_storage_usd")
    assert "USD/month" in ax.get_xlabel()


def test_egress_by_destination_stacks_three_destinations():
    df = many_repos(30)
    ax = charts.egress_by_destination(df, n=5)
    assert len(ax.patches) == 3 * 6  # 5 repositories + others, three destinations each
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "same region",
        "cross region",
        "internet",
    ]
    assert sum(bar_values(ax)) == pytest.approx(
        df[["same_region_gb", "cross_region_gb", "internet_gb"]].sum().sum()
    )


def test_naive_vs_unique_and_empty_inputs():
    ax = charts.naive_vs_unique({"naive_bytes": 3 * GB, "unique_bytes": np.nan})
    assert bar_values(ax) == [3.0, 0.0]
    assert [t.get_text() for t in ax.texts] == [
        "3.00 GB",
        "n/a",
    ]  # unknown is n/a, not a zero bar label
    empty = charts.cost_by_repository(many_repos(0))
    assert empty.texts[0].get_text() == "no repositories"


def test_png_bytes_is_a_png():
    png = charts.png_bytes(charts.cost_by_repository(many_repos(10)))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_charts_never_use_pyplot():
    code = (
        "import sys, matplotlib; from ecrcost.reporting import charts; "
        "ax = charts.naive_vs_unique({'naive_bytes': 1, 'unique_bytes': 1}); charts.png_bytes(ax); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_long_labels_are_shortened_keeping_the_repository_name():
    long = "123456789012/ap-southeast-2/" + "a" * 40 + "/service"
    assert charts.short(long).endswith("/service") and len(charts.short(long)) == charts.MAX_LABEL
    assert charts.short("app") == "app"
    df = many_repos(3).assign(repository=["x" * 80, "b", "c"])
    ax = charts.cost_by_repository(df)
    assert all(len(t.get_text()) <= charts.MAX_LABEL for t in ax.get_yticklabels())
    assert [t.get_text().startswith("$") for t in ax.texts] == [
        True
    ] * 3  # every bar carries its value
