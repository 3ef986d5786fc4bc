"""History: finding monthly snapshots, per-month figures, the forecast and its method, with 1, 2
and 13 monthly snapshots (small synthetic registries that grow every month)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ecrcost.errors import InputError
from ecrcost.history import (
    baseline_for,
    doubling_months,
    find_snapshots,
    forecast,
    monthly_by_account,
    monthly_snapshots,
    monthly_totals,
    monthly_usage,
    previous_month,
    report_month,
    top_repositories,
)
from ecrcost.synthetic import synthetic_snapshot


def write_months(root, n, start="2025-11"):
    """n monthly snapshots collected at 06:00 on the 1st of each month after `start` (each
    reporting the month before), growing by 40 images a month."""
    paths = []
    for i in range(n):
        collected = (pd.Period(start, "M") + i + 1).to_timestamp().tz_localize(
            "UTC"
        ) + pd.Timedelta(hours=6)
        snap = synthetic_snapshot(images=120 + 40 * i, repositories=12, seed=3, now=collected)
        paths.append(snap.write(root / f"snap-{collected:%Y-%m}"))
    return paths


@pytest.mark.parametrize(
    ("collected", "month"),
    [
        ("2026-12-01T06:00:00Z", "2026-11"),  # cron on the 1st reports the month just ended
        ("2026-12-05T23:59:00Z", "2026-11"),
        ("2026-12-06T00:00:00Z", "2026-12"),
        ("2026-11-28T06:00:00Z", "2026-11"),
        ("2027-01-02T00:00:00Z", "2026-12"),  # across a year
    ],
)
def test_report_month(collected, month):
    assert report_month(collected) == month


def test_previous_month():
    assert previous_month("2026-01") == "2025-12"


def test_find_snapshots_reads_meta_only_and_skips_corrupt(tmp_path):
    write_months(tmp_path, 2)
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / "meta.json").write_text("{not json")
    (tmp_path / "notes").mkdir()  # not a snapshot
    found = find_snapshots(tmp_path)
    assert list(found["month"]) == ["2025-11", "2025-12"]
    assert list(found["status"]) == ["ok", "ok"]
    assert len(found.attrs["skipped"]) == 1 and "broken" in found.attrs["skipped"][0]
    with pytest.raises(InputError, match="no such directory"):
        find_snapshots(tmp_path / "missing")


def test_monthly_snapshots_keeps_the_newest_of_each_month(tmp_path):
    write_months(tmp_path, 2)
    # a rerun later on the 2nd of the same month: it replaces the first for that month
    again = synthetic_snapshot(
        images=130, repositories=12, seed=3, now=pd.Timestamp("2025-12-02T09:00Z")
    )
    again.write(tmp_path / "rerun")
    months = monthly_snapshots(find_snapshots(tmp_path))
    assert list(months["month"]) == ["2025-11", "2025-12"]
    assert months.iloc[0]["path"].endswith("rerun")
    assert baseline_for(find_snapshots(tmp_path), "2025-12") is not None
    assert baseline_for(find_snapshots(tmp_path), "2025-11") is None


def test_one_snapshot_has_no_trend(tmp_path):
    write_months(tmp_path, 1)
    usage = monthly_usage(monthly_snapshots(find_snapshots(tmp_path)))
    totals = monthly_totals(usage)
    assert len(totals) == 1 and math.isnan(totals["change_usd"].iloc[0])
    f = forecast(totals, "storage_usd")
    assert f.empty and f.attrs["note"] == "no trend yet: one month of history"
    assert math.isnan(doubling_months(totals))


def test_two_snapshots_give_a_delta_and_a_line_without_band(tmp_path):
    write_months(tmp_path, 2)
    totals = monthly_totals(monthly_usage(monthly_snapshots(find_snapshots(tmp_path))))
    s = totals["storage_usd"].to_numpy()
    assert totals["change_usd"].iloc[1] == pytest.approx(s[1] - s[0])
    f = forecast(totals, "storage_usd")
    assert list(f["month"]) == ["2026-01", "2026-02", "2026-03"]
    assert f["forecast"].to_numpy() == pytest.approx(s[1] + (s[1] - s[0]) * np.arange(1, 4))
    assert f["low"].isna().all() and f["high"].isna().all()


def test_thirteen_snapshots_keep_twelve_months_and_forecast_with_a_band(tmp_path):
    write_months(tmp_path, 13)
    found = find_snapshots(tmp_path)
    months = monthly_snapshots(found)
    assert len(found) == 13 and len(months) == 12
    assert months["month"].iloc[0] == "2025-12" and months["month"].iloc[-1] == "2026-11"
    usage = monthly_usage(months)
    totals = monthly_totals(usage)
    # totals are the sums of the repositories, per month
    for m, grp in usage.groupby("month"):
        row = totals.set_index("month").loc[m]
        assert row["storage_usd"] == pytest.approx(grp["storage_usd"].sum())
        assert row["images"] == grp["images"].sum()
    acc = monthly_by_account(usage)
    assert acc.groupby("month")["unique_bytes"].sum().to_numpy() == pytest.approx(
        totals["unique_bytes"].to_numpy()
    )
    top = top_repositories(usage, n=3)
    assert top.groupby("month").size().max() <= 3
    f = forecast(totals, "stored_gb")
    assert len(f) == 3
    assert (f["low"] < f["forecast"]).all() and (f["forecast"] < f["high"]).all()
    # the band widens with the horizon
    width = (f["high"] - f["low"]).to_numpy()
    assert width[0] < width[1] < width[2]
    # OLS slope equals numpy's polyfit
    y = totals["stored_gb"].to_numpy()
    slope = np.polyfit(np.arange(len(y)), y, 1)[0]
    assert f.attrs["slope"] == pytest.approx(slope)
    assert doubling_months(totals) == pytest.approx(y[-1] / slope)


def test_forecast_of_a_flat_series_never_doubles():
    totals = pd.DataFrame(
        {"month": ["2026-01", "2026-02", "2026-03"], "stored_gb": [5.0, 5.0, 5.0]}
    )
    assert math.isnan(doubling_months(totals))
    f = forecast(totals, "stored_gb")
    assert f["forecast"].to_numpy() == pytest.approx([5.0, 5.0, 5.0])
    assert (f["high"] - f["low"]).to_numpy() == pytest.approx([0, 0, 0])


def test_unknown_egress_stays_unknown_in_totals(tmp_path):
    write_months(tmp_path, 2)
    totals = monthly_totals(monthly_usage(monthly_snapshots(find_snapshots(tmp_path))))
    assert totals["egress_usd"].isna().all() and totals["total_usd"].isna().all()
    assert totals["storage_usd"].notna().all()
    json.dumps(totals["month"].tolist())


def test_priced_months_are_cached(tmp_path, monkeypatch):
    write_months(tmp_path / "snaps", 3)
    months = monthly_snapshots(find_snapshots(tmp_path / "snaps"))
    first = monthly_usage(months)
    assert len(list((tmp_path / "cache" / "history").glob("*.parquet"))) == 3

    def no_loading(path):
        raise AssertionError(f"{path} was loaded again")

    monkeypatch.setattr("ecrcost.history.load_snapshot", no_loading)
    again = monthly_usage(months)
    pd.testing.assert_frame_equal(first, again)
    # another traffic profile is another key: priced again (and here, refused)
    with pytest.raises(AssertionError, match="was loaded again"):
        monthly_usage(
            months, traffic={"default": {"same_region": 1.0, "cross_region": 0.0, "internet": 0.0}}
        )
    # without the cache nothing is read from it
    with pytest.raises(AssertionError, match="was loaded again"):
        monthly_usage(months, cache=False)
