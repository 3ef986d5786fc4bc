"""`reconcile`: hand-computed estimates beside bills. 1 GB = 2^30 bytes; November has 720 hours."""

import json

import pandas as pd
import pytest
from bill_fixtures import E1, GB, W2, A, B, Reg, arn, ce_result, line, write_cur2
from click.testing import CliRunner

from ecrcost.aws import Aws
from ecrcost.billing import fetch_bill, import_bill, write_bill
from ecrcost.cli import cli
from ecrcost.errors import BillError
from ecrcost.reconcile import COLUMNS, reconcile
from ecrcost.traffic import TrafficProfile

INTERNET = TrafficProfile.from_dict(
    {"default": {"same_region": 0.0, "cross_region": 0.0, "internet": 1.0}}
)


def at(df, level="account-region", **keys):
    m = df["level"] == level
    for k, v in keys.items():
        m &= df[k].isna() if v is None else df[k] == v
    rows = df[m]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def two_repos():
    """team/api 30 GiB and web 20 GiB in A/us-east-1, stored all November."""
    return (
        Reg()
        .image("team/api", "sha256:a", [("l1", 30 * GB)])
        .image("web", "sha256:w", [("l2", 20 * GB)])
    )


def test_storage_matching_the_bill_to_the_cent(tmp_path):
    snap = two_repos().build()
    bill = import_bill(
        str(
            write_cur2(
                tmp_path / "cur.parquet",
                [
                    line(
                        "TimedStorage-ByteHrs", 18.0, 1.80, resource=arn(A, E1, "team/api"), day=1
                    ),
                    line(
                        "TimedStorage-ByteHrs", 12.0, 1.20, resource=arn(A, E1, "team/api"), day=2
                    ),
                    line("TimedStorage-ByteHrs", 20.0, 2.00, resource="web"),
                ],
            )
        )
    )
    df = reconcile(snap, bill, "2026-11")
    assert list(df.columns) == COLUMNS
    r = at(df, account_id=A, region=E1, category="storage")
    assert (r.billed_quantity, r.billed_usd) == (50.0, pytest.approx(5.00))
    assert r.modelled_quantity == pytest.approx(50.0) and round(r.modelled_usd, 2) == 5.00
    assert abs(r.diff_usd) < 0.005 and r.note == "matches"
    api = at(df, "repository", repository="team/api")
    assert api.billed_usd == pytest.approx(3.00) and round(api.modelled_usd, 2) == 3.00
    assert at(df, "repository", repository="web").modelled_quantity == pytest.approx(20.0)
    s = df.attrs["summary"]
    assert s["storage_billed_usd"] == pytest.approx(5.0) and abs(s["storage_error_pct"]) < 1e-9
    assert s["line"].startswith("Storage 2026-11: modelled $5.00 vs billed $5.00: error +0.00 %")


def test_an_image_deleted_mid_month_and_one_pushed_mid_month(tmp_path):
    # the bill: team/api held a second 30 GiB image until Nov 16 00:00 (15 of 30 days = 15 GB-Mo);
    # web got a 10 GiB image on Nov 16 (15 days = 5 GB-Mo). The snapshot (Dec 1) lacks the first.
    snap = two_repos().image("web", "sha256:w2", [("l3", 10 * GB)], pushed="2026-11-16").build()
    bill = import_bill(
        str(
            write_cur2(
                tmp_path / "cur.parquet",
                [
                    line(
                        "TimedStorage-ByteHrs", 30.0 + 15.0, 4.50, resource=arn(A, E1, "team/api")
                    ),
                    line("TimedStorage-ByteHrs", 20.0 + 5.0, 2.50, resource=arn(A, E1, "web")),
                ],
            )
        )
    )
    df = reconcile(snap, bill, "2026-11")
    r = at(df, category="storage")
    assert r.billed_usd == pytest.approx(7.00)
    assert r.modelled_quantity == pytest.approx(55.0) and r.modelled_usd == pytest.approx(5.50)
    assert r.diff_usd == pytest.approx(-1.50) and r.diff_pct == pytest.approx(-1.5 / 7 * 100)
    assert "images deleted during the month are not in it" in r.note
    assert "1 image(s) pushed during the month, pro-rated from their push" in r.note
    assert at(df, "repository", repository="web").note == "matches"
    api = at(df, "repository", repository="team/api")
    assert api.diff_usd == pytest.approx(-1.50)
    assert df.attrs["summary"]["storage_error_pct"] == pytest.approx(-1.5 / 7 * 100)


def test_the_cost_explorer_figures_of_the_billing_facts(moto_aws):
    """BILLING.md §5: 50 GiB in us-west-2 all month = $5.00; 1 TiB out to the internet = $92.16."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.set_ce_cost_usage(
        result=ce_result(
            "2026-11",
            [
                (B, "USW2-TimedStorage-ByteHrs", 50.0, 5.00, "GB-Mo"),
                (B, "USW2-DataTransfer-Out-Bytes", 1024.0, 92.16, "GB"),
                (B, "QQQ7-DataTransfer-Out-Bytes", 1.0, 0.09, "GB"),
            ],
        ),
        account_id="123456789012",
    )
    bill = fetch_bill("2026-11", aws=Aws())
    # 20.48 pulls of the 50 GiB image in November = 1,024 GB, all to the internet
    snap = (
        Reg()
        .image("ml", "sha256:m", [("big", 50 * GB)], account=B, region=W2)
        .pulled("ml", 20.48 / 30, account=B, region=W2)
        .build()
    )
    df = reconcile(snap, bill, "2026-11", traffic=INTERNET)
    st = at(df, account_id=B, region=W2, category="storage")
    assert round(st.modelled_usd, 2) == 5.00 and st.note == "matches"
    eg = at(df, account_id=B, region=W2, category="egress_internet")
    assert eg.modelled_quantity == pytest.approx(1024.0) and round(eg.modelled_usd, 2) == 92.16
    assert eg.billed_usd == pytest.approx(92.16) and eg.note.startswith("matches")
    assert round(df[df["region"] == W2]["modelled_usd"].sum(), 2) == 97.16
    unknown = at(df, region=None)
    assert (
        unknown.billed_usd == pytest.approx(0.09)
        and "unknown usage-type prefix (QQQ7-DataTransfer-Out-Bytes)" in unknown.note
    )
    assert "repository" not in set(df["level"])  # Cost Explorer has no resource IDs
    # without a traffic profile the modelled egress is unknown, never $0
    eg = at(reconcile(snap, bill, "2026-11"), account_id=B, region=W2, category="egress_internet")
    assert (
        pd.isna(eg.modelled_usd)
        and pd.isna(eg.modelled_quantity)
        and "no traffic profile" in eg.note
    )


def test_credits_tax_coverage_and_unattributed_transfer(tmp_path):
    snap = two_repos()
    snap.targets.add((A, "eu-west-1"))  # collected, empty, and not billed
    snap = snap.image("old", "sha256:o", [("l9", GB)], status="ARCHIVED").build()
    lines = [
        line("TimedStorage-ByteHrs", 50.0, 5.00, resource=arn(A, E1, "team/api")),
        line("USE1-TimedStorage-Archive-ByteHrs", 1.0, 0.10, resource=arn(A, E1, "old")),
        line("DataTransfer-Out-Bytes", 10.0, 0.90),  # no resource ID
        line("TimedStorage-ByteHrs", 0.0, -1.00, kind="Credit"),
        line("", 0.0, 0.45, kind="Tax"),
        line("USW2-TimedStorage-ByteHrs", 5.0, 0.50, account=B, resource=arn(B, W2, "gone")),
        line("EUW1-TimedStorage-ByteHrs", 2.0, 0.20, resource=arn(A, "eu-west-2", "x")),
    ]
    bill = import_bill(str(write_cur2(tmp_path / "cur.parquet", lines)))
    df = reconcile(snap, bill, "2026-11")
    credit = at(df, line_item_type="Credit")
    assert (
        credit.billed_usd == -1.00
        and pd.isna(credit.modelled_usd)
        and "not modelled" in credit.note
    )
    tax = at(df, line_item_type="Tax")
    assert tax.billed_usd == pytest.approx(0.45) and pd.isna(tax.region) and "Tax line" in tax.note
    b = at(df, account_id=B, category="storage")
    assert "account in the bill, not in the snapshot" in b.note and pd.isna(b.modelled_usd)
    arc = at(df, category="archive_storage")
    assert "90-day archive minimum" in arc.note and arc.modelled_quantity == pytest.approx(1.0)
    # collected but empty: a known zero, so the whole bill there is a residual
    eu = at(df, account_id=A, region="eu-west-1", category="storage")
    assert (eu.modelled_usd, eu.diff_usd, eu.diff_pct) == (
        0.0,
        pytest.approx(-0.2),
        pytest.approx(-100),
    )
    assert "images deleted during the month" in eu.note
    un = at(df, "repository", category="egress_internet", repository=None)
    assert un.billed_usd == pytest.approx(0.90) and pd.isna(un.modelled_usd)
    assert un.note.startswith("unattributed")
    assert (
        at(df, "repository", repository="web").note == "repository in the snapshot, not in the bill"
    )
    gone = at(df, "repository", repository="gone")
    assert "repository in the bill, not in the snapshot" in gone.note
    # per-repository egress rows appear only where the bill attributes egress to repositories
    assert (
        set(
            df[(df["level"] == "repository") & (df["category"] == "egress_internet")][
                "repository"
            ].dropna()
        )
        == set()
    )
    assert "credits/refunds/tax not modelled: $-0.55" in df.attrs["summary"]["line"]
    with pytest.raises(BillError, match=r"no rows for it \(its months: 2026-11\)"):
        reconcile(snap, bill, "2026-10")


def test_cli_json_keys_and_summary(tmp_path):
    snap_dir = two_repos().build().write(tmp_path / "snap")
    bill = import_bill(
        str(
            write_cur2(
                tmp_path / "c.parquet", [line("TimedStorage-ByteHrs", 50.0, 5.0, resource="web")]
            )
        )
    )
    write_bill(bill, tmp_path / "bill")
    res = CliRunner().invoke(
        cli,
        [
            "reconcile",
            str(snap_dir),
            "--bill",
            str(tmp_path / "bill"),
            "--month",
            "2026-11",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert all(list(r) == COLUMNS for r in rows)
    assert "Storage 2026-11: modelled $5.00 vs billed $5.00: error +0.00 %" in res.stderr
    res = CliRunner().invoke(
        cli, ["reconcile", str(snap_dir), "--bill", str(tmp_path / "bill"), "--month", "2026-10"]
    )
    assert res.exit_code == 1 and "no rows for it" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(
        cli, ["reconcile", str(snap_dir), "--bill", str(tmp_path / "nobill"), "--month", "2026-11"]
    )
    assert res.exit_code == 1 and "no such bill directory" in res.output
    res = CliRunner().invoke(
        cli, ["reconcile", str(snap_dir), "--bill", str(tmp_path / "bill"), "--month", "2026-11"]
    )
    assert res.exit_code == 0 and "Estimate vs bill, 2026-11" in res.output
