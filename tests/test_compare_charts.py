"""The comparison charts, tested on their artists and labels (no image comparison)."""

import math

import numpy as np
import pytest
from matplotlib.axes import Axes

from ecrcost.registries import REGISTRIES, Workload, load_plans, price_plans
from ecrcost.registries.comparison import cheapest
from ecrcost.reporting.charts import new_axes, png_bytes
from ecrcost.reporting.compare_charts import cost_by_registry, cost_vs_storage


def W(**kw):
    base = dict(
        stored_gb=50.0,
        stored_gb_global=40.0,
        largest_repository_gb=20.0,
        repositories=12,
        users=3,
        pulls_per_month=5000.0,
        pulled_gb=300.0,
        same_region_gb=200.0,
        cross_region_gb=50.0,
        internet_gb=50.0,
        pushed_gb=5.0,
        users_given=True,
        traffic_given=True,
    )
    base.update(kw)
    return Workload(**base)


def frame(w):
    df = cheapest(price_plans(load_plans(), w))
    df.attrs["workload"] = w.to_dict()
    return df


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_cost_by_registry_bars_values_and_labels():
    df = frame(W())
    ax = cost_by_registry(df)
    assert isinstance(ax, Axes)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert (
        labels[0] == "ecr (private)" and "dockerhub (Team)" in labels and "quay (Small)" in labels
    )
    assert "ecr-public" in labels  # no plan fits: said so, no bar
    assert any("no plan fits" in t for t in texts(ax))
    bars = ax.patches
    assert len(bars) == len(REGISTRIES) - 1
    widths = sorted(round(b.get_width(), 2) for b in bars)
    expected = df[df["cheapest"]]["monthly_usd"].round(2).sort_values().tolist()
    assert widths == expected
    assert "$550.00" in texts(ax)  # JFrog Pro: 150 + (345 - 25) x 1.25
    assert "USD/month" in ax.get_xlabel()
    assert any(b.get_hatch() == "//" for b in bars)  # the low-confidence ones (GAR, ACR)
    assert ax.get_legend() is not None


def test_unknown_cost_is_not_a_zero_bar():
    df = frame(
        W(
            pulled_gb=math.nan,
            same_region_gb=math.nan,
            cross_region_gb=math.nan,
            internet_gb=math.nan,
            traffic_given=False,
        )
    )
    ax = cost_by_registry(df)
    unknown = df[df["cheapest"] & df["monthly_usd"].isna()]["registry"]
    assert {"gar", "acr", "artifactory"} <= set(unknown)
    assert len(ax.patches) == len(REGISTRIES) - 1 - len(unknown)
    assert sum("n/a" in t for t in texts(ax)) == len(unknown)


def test_cost_by_registry_draws_on_a_given_axes():
    ax = new_axes()
    assert cost_by_registry(frame(W()), ax=ax) is ax
    assert png_bytes(ax).startswith(b"\x89PNG")


def test_cost_vs_storage_lines_and_today_marker():
    w = W()
    ax = cost_vs_storage(w, points=11)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    today = lines["today: 50.00 GB"]
    assert list(today.get_xdata()) == [50.0, 50.0]
    assert "ecr" not in lines  # a bare Workload has no ECR price: left out
    gar = lines["gar"]
    x, y = np.asarray(gar.get_xdata()), np.asarray(gar.get_ydata())
    assert x[0] == 0 and x[-1] == pytest.approx(500.0) and len(x) == 11
    # GAR at 10x: (500 - 0.5) x 0.10 storage + 300 x 0.12 transfer
    assert y[-1] == pytest.approx(499.5 * 0.10 + 36.0)
    quay = np.asarray(lines["quay"].get_ydata())
    assert (quay == 60).all()  # priced by repository count: storage does not move it
    assert "GB" in ax.get_xlabel() and "USD/month" in ax.get_ylabel()
    assert ax.get_xlim()[1] == pytest.approx(500.0)
    markers = [ln for ln in ax.get_lines() if ln.get_marker() == "o"]
    registries = [label for label in lines if label.split(" ")[0] in REGISTRIES]
    assert len(registries) == 7  # ecr-public fits nothing and ecr needs a compare frame
    # GHCR Free bills $0 today while its published rates would charge: said so, drawn dashed
    assert lines["ghcr (not billed today)"].get_linestyle() == "--"
    assert "gar" in lines and lines["gar"].get_linestyle() == "-"
    assert len(markers) == len(registries)  # today's cost marked on each registry's line


def test_cost_vs_storage_from_a_compare_frame_includes_ecr():
    w = W()
    df = frame(w)
    ecr = df.index[df["registry"] == "ecr"][0]
    df.loc[ecr, ["storage_usd", "transfer_usd", "base_usd", "monthly_usd"]] = [5.0, 10.0, 0.0, 15.0]
    ax = cost_vs_storage(df, points=5)  # a compare frame carries its workload in .attrs
    line = {ln.get_label(): ln for ln in ax.get_lines()}["ecr"]
    assert np.asarray(line.get_ydata())[-1] == pytest.approx(
        10.0 + 5.0 * 10
    )  # storage scales, transfer not


def test_cost_vs_storage_unknown_registry_is_listed_not_drawn():
    ax = cost_vs_storage(W(pulled_gb=math.nan, traffic_given=False), points=5)
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert "gar: n/a (unknown)" in labels
    gar = next(ln for ln in ax.get_lines() if ln.get_label() == "gar: n/a (unknown)")
    assert len(gar.get_xdata()) == 0


def test_cost_vs_storage_from_nothing_stored():
    ax = cost_vs_storage(
        W(stored_gb=0.0, stored_gb_global=0.0, largest_repository_gb=0.0), points=3
    )
    gar = {ln.get_label(): ln for ln in ax.get_lines()}["gar"]
    x, y = np.asarray(gar.get_xdata()), np.asarray(gar.get_ydata())
    assert list(x) == [0.0, 5.0, 10.0]  # 0 to 10 GB when nothing is stored today
    assert y[-1] == pytest.approx(9.5 * 0.10 + 36.0)


def test_unbilled_plans_and_upper_bounds_are_marked_on_the_chart():
    # GHCR Free: $0 billed today, its published overage is shown beside it, not ranked on
    ax = cost_by_registry(frame(W(stored_gb=1000.0, pulled_gb=600_000.0)))
    shown = [t.replace("\\$", "$") for t in texts(ax)]  # "$" escaped for matplotlib's mathtext
    assert any(
        t.startswith("$0.00 (not billed today: +$") and t.endswith("if billed)") for t in shown
    )
    # every "$" of a two-amount label is escaped, or matplotlib would typeset it as math
    assert all(t.count("$") == t.count("\\$") for t in texts(ax) if "billed" in t)
    assert any(t.startswith("≤ $") for t in shown)  # ACR beyond 500 TB: an upper bound
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("not charged today" in t for t in legend) and any("upper bound" in t for t in legend)
