"""`bill import`: CUR 2.0 Parquet and legacy CUR CSV(.gz) written here in the real column names,
from local files, directories of monthly partitions and moto's S3; the bill table and BILLDIR."""

import json

import boto3
import pandas as pd
import pytest
from bill_fixtures import E1, EU, PAYER, W2, A, B, arn, line, write_cur2, write_legacy
from click.testing import CliRunner

from ecrcost.aws import Aws
from ecrcost.billing import BILL_SCHEMA, import_bill, load_bill, write_bill
from ecrcost.billing.usage_types import category_of, prefix_map, region_of, repository_of
from ecrcost.cli import cli
from ecrcost.errors import BillError, OutputExistsError


def november():
    return [
        line("TimedStorage-ByteHrs", 30.0, 3.0, resource=arn(A, E1, "team/api"), day=1),
        line("TimedStorage-ByteHrs", 20.0, 2.0, resource=arn(A, E1, "team/api"), day=2),
        line("TimedStorage-ByteHrs", 10.0, 1.0, resource="web", day=1),  # a bare name
        line("USW2-TimedStorage-ByteHrs", 50.0, 5.0, account=B, resource=arn(B, W2, "ml")),
        line("USW2-DataTransfer-Out-Bytes", 1024.0, 92.16, account=B),  # no resource ID
        line("USE1-TimedStorage-Archive-ByteHrs", 4.0, 0.4, resource=arn(A, E1, "team/api")),
        line("EUW1-USE1-AWS-Out-Bytes", 3.0, 0.06, account=B),
        line("XYZ9-TimedStorage-ByteHrs", 1.0, 0.1, account=B),  # unknown prefix, no region
        line("ZZZ1-TimedStorage-ByteHrs", 2.0, 0.2, account=B, region="mx-central-1"),
        line("TimedStorage-ByteHrs", 0.0, -1.5, kind="Credit"),
        line("", 0.0, 0.45, kind="Tax"),
        line("BoxUsage:t3.micro", 720.0, 7.49, product="AmazonEC2"),  # not ECR: dropped
    ]


def by_type(bill, usage_type, kind="Usage"):
    return bill[(bill["usage_type"] == usage_type) & (bill["line_item_type"] == kind)]


def test_usage_type_rules_from_the_billing_facts():
    assert region_of("TimedStorage-ByteHrs") == ("us-east-1", None)
    assert region_of("USE1-TimedStorage-Archive-ByteHrs") == ("us-east-1", "USE1")
    assert region_of("SAE1-DataTransfer-Out-Bytes") == ("sa-east-1", "SAE1")
    assert region_of("EU-TimedStorage-ByteHrs") == ("eu-west-1", "EU")
    assert region_of("QQQ1-TimedStorage-ByteHrs") == (None, "QQQ1")
    assert region_of("") == (None, None)
    assert [category_of(t) for t in ("USE1-TimedStorage-Archive-ByteHrs", "TimedStorage-ByteHrs",
            "EUW1-Retrieval-Archive", "DataTransfer-Out-Bytes", "USE1-EUW1-AWS-Out-Bytes",
            "DataTransfer-In-Bytes")] == ["archive_storage", "storage", "archive_restore",
            "egress_internet", "transfer_inter_region", "other"]  # fmt: skip
    assert repository_of(arn(A, E1, "team/api")) == "team/api"
    assert repository_of("team/api") == "team/api"
    assert repository_of("arn:aws:s3:::bucket") is None and repository_of("") is None
    assert len(prefix_map()) > 25 and prefix_map()["APN1"] == "ap-northeast-1"


def test_cur2_parquet_keeps_ecr_rows_at_the_bill_grain(tmp_path):
    bill = import_bill(str(write_cur2(tmp_path / "cur.parquet", november())))
    assert list(bill.columns) == list(BILL_SCHEMA)
    assert "AmazonEC2" not in set(bill["usage_type"]) and "BoxUsage:t3.micro" not in set(
        bill["usage_type"]
    )
    api = by_type(bill, "TimedStorage-ByteHrs")
    api = api.set_index("repository")
    assert api.loc["team/api", "usage_quantity"] == 50.0  # two daily rows summed
    assert api.loc["team/api", "unblended_usd"] == pytest.approx(5.0)
    assert api.loc["web", "resource_id"] == "web"
    row = by_type(bill, "USW2-TimedStorage-ByteHrs").iloc[0]
    assert (row["account_id"], row["region"], row["category"], row["usage_unit"]) == (
        B,
        W2,
        "storage",
        "GB-Mo",
    )
    assert row["payer_account_id"] == PAYER and row["month"] == "2026-11" and row["source"] == "cur"
    out = by_type(bill, "USW2-DataTransfer-Out-Bytes").iloc[0]
    assert (
        out["category"] == "egress_internet"
        and pd.isna(out["resource_id"])
        and pd.isna(out["repository"])
    )
    assert out["usage_unit"] == "GB" and out["unblended_usd"] == pytest.approx(92.16)
    assert by_type(bill, "EUW1-USE1-AWS-Out-Bytes").iloc[0][["region", "category"]].tolist() == [
        EU,
        "transfer_inter_region",
    ]
    # an unknown prefix is a named row, never dropped; the CUR's region column is used when it has one
    xyz = by_type(bill, "XYZ9-TimedStorage-ByteHrs").iloc[0]
    assert (
        pd.isna(xyz["region"])
        and xyz["region_prefix"] == "XYZ9"
        and xyz["unblended_usd"] == pytest.approx(0.1)
    )
    assert by_type(bill, "ZZZ1-TimedStorage-ByteHrs").iloc[0]["region"] == "mx-central-1"
    notes = " ".join(bill.attrs["meta"]["notes"])
    assert "'XYZ9'" in notes and "region unknown" in notes and "'ZZZ1'" in notes
    # credits and tax are kept with their line item type
    assert by_type(bill, "TimedStorage-ByteHrs", "Credit")["unblended_usd"].sum() == pytest.approx(
        -1.5
    )
    assert by_type(bill, "", "Tax")["unblended_usd"].sum() == pytest.approx(0.45)
    assert bill["unblended_usd"].sum() == pytest.approx(
        3 + 2 + 1 + 5 + 92.16 + 0.4 + 0.06 + 0.1 + 0.2 - 1.5 + 0.45
    )
    assert bill.attrs["meta"]["resource_ids"] is True and bill.attrs["meta"]["rows_read"] == 11


def test_legacy_csv_gz_gives_the_same_bill(tmp_path):
    new = import_bill(str(write_cur2(tmp_path / "cur.parquet", november())))
    old = import_bill(str(write_legacy(tmp_path / "legacy-00001.csv.gz", november())))
    plain = import_bill(str(write_legacy(tmp_path / "legacy-00001.csv", november())))
    pd.testing.assert_frame_equal(new, old, check_like=False)
    pd.testing.assert_frame_equal(new, plain)


def test_region_from_the_product_map_when_there_is_no_region_column(tmp_path):
    lines = [line("ZZZ1-TimedStorage-ByteHrs", 2.0, 0.2, region="mx-central-1")]
    bill = import_bill(str(write_cur2(tmp_path / "cur.parquet", lines, product_map=True)))
    assert bill["region"].tolist() == ["mx-central-1"]


def test_a_directory_of_monthly_partitions(tmp_path):
    root = tmp_path / "export" / "data"
    write_cur2(
        root / "BILLING_PERIOD=2026-10" / "part-0.parquet",
        [line("TimedStorage-ByteHrs", 10, 1, month="2026-10")],
    )
    write_cur2(root / "BILLING_PERIOD=2026-11" / "part-0.parquet", november()[:3])
    write_cur2(root / "BILLING_PERIOD=2026-11" / "part-1.parquet", november()[3:5])
    (root / "manifest.json").write_text("{}")  # not a CUR file: ignored
    bill = import_bill(str(tmp_path / "export"))
    assert sorted(set(bill["month"])) == ["2026-10", "2026-11"]
    assert bill.attrs["meta"]["months"] == ["2026-10", "2026-11"]
    assert len(bill.attrs["meta"]["inputs"]) == 3
    assert bill[bill["month"] == "2026-11"]["unblended_usd"].sum() == pytest.approx(
        3 + 2 + 1 + 5 + 92.16
    )


def test_missing_columns_name_the_file_and_the_columns(tmp_path):
    f = write_cur2(
        tmp_path / "bad.parquet",
        november(),
        drop=("line_item_unblended_cost", "line_item_usage_type"),
    )
    with pytest.raises(BillError) as e:
        import_bill(str(f))
    msg = str(e.value)
    assert "bad.parquet" in msg and "line_item_unblended_cost or lineItem/UnblendedCost" in msg
    assert "line_item_usage_type" in msg
    g = write_legacy(
        tmp_path / "bad.csv.gz",
        november(),
        drop=("bill_billing_period_start_date", "line_item_usage_start_date"),
    )
    with pytest.raises(
        BillError,
        match=r"bad\.csv\.gz.*bill_billing_period_start_date or line_item_usage_start_date",
    ):
        import_bill(str(g))
    res = CliRunner().invoke(cli, ["bill", "import", str(f), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1 and "Traceback" not in res.output and "bad.parquet" in res.output
    assert not (tmp_path / "out").exists()


def test_not_a_cur_file_and_missing_paths(tmp_path):
    (tmp_path / "junk.parquet").write_bytes(b"not parquet")
    with pytest.raises(BillError, match="junk.parquet: unreadable CUR file"):
        import_bill(str(tmp_path / "junk.parquet"))
    with pytest.raises(BillError, match="no such file or directory"):
        import_bill(str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(BillError, match="no CUR files"):
        import_bill(str(tmp_path / "empty"))


def test_a_cur_without_resource_ids_imports_at_account_region_grain(tmp_path):
    f = write_cur2(tmp_path / "cur.parquet", november(), drop=("line_item_resource_id",))
    bill = import_bill(str(f))
    assert bill["resource_id"].isna().all() and bill["repository"].isna().all()
    storage = by_type(bill, "TimedStorage-ByteHrs")
    assert (
        len(storage) == 1 and storage["usage_quantity"].iloc[0] == 60.0
    )  # three repos' rows summed
    meta = bill.attrs["meta"]
    assert meta["resource_ids"] is False
    assert any(
        "no resource IDs in" in n and "cur.parquet" in n and "account x region grain" in n
        for n in meta["notes"]
    )
    res = CliRunner().invoke(cli, ["bill", "import", str(f), "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert "no resource IDs" in res.output and "Wrote" in res.output


def test_import_from_moto_s3_through_the_read_only_seam(moto_aws, tmp_path):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="cur-bucket")
    f1 = write_cur2(tmp_path / "a.parquet", november()[:5])
    f2 = write_legacy(tmp_path / "b.csv.gz", november()[5:7])
    s3.upload_file(str(f1), "cur-bucket", "cur2/ecr/data/BILLING_PERIOD=2026-11/a.parquet")
    s3.upload_file(str(f2), "cur-bucket", "cur2/ecr/data/BILLING_PERIOD=2026-11/b.csv.gz")
    s3.put_object(Bucket="cur-bucket", Key="cur2/ecr/metadata/manifest.json", Body=b"{}")
    s3.put_object(Bucket="cur-bucket", Key="other/x.parquet", Body=b"x")
    aws = Aws()
    bill = import_bill(["s3://cur-bucket/cur2/ecr/"], aws=aws)
    assert bill["unblended_usd"].sum() == pytest.approx(3 + 2 + 1 + 5 + 92.16 + 0.4 + 0.06)
    assert bill.attrs["meta"]["inputs"] == [
        "s3://cur-bucket/cur2/ecr/data/BILLING_PERIOD=2026-11/a.parquet",
        "s3://cur-bucket/cur2/ecr/data/BILLING_PERIOD=2026-11/b.csv.gz",
    ]
    assert aws.operations() == {"s3:GetObject": 2, "s3:ListObjectsV2": 1}
    with pytest.raises(BillError, match="s3://cur-bucket/none/: no CUR files"):
        import_bill(["s3://cur-bucket/none/"], aws=aws)
    with pytest.raises(BillError, match="s3://missing-bucket/x: cannot read .*NoSuchBucket"):
        import_bill(["s3://missing-bucket/x"], aws=aws)


def test_billdir_round_trip_and_validation(tmp_path):
    bill = import_bill(str(write_cur2(tmp_path / "cur.parquet", november())))
    out = write_bill(bill, tmp_path / "bill")
    back = load_bill(out)
    pd.testing.assert_frame_equal(back, bill)
    assert back.attrs["meta"]["source"] == "cur" and back.attrs["meta"]["schema_version"] == 1
    with pytest.raises(OutputExistsError):
        write_bill(bill, out)
    with pytest.raises(BillError, match="no such bill directory"):
        load_bill(tmp_path / "missing")
    meta = json.loads((out / "meta.json").read_text())
    (out / "meta.json").write_text(json.dumps(dict(meta, schema_version=99)))
    with pytest.raises(BillError, match="schema version 99"):
        load_bill(out)
    (out / "meta.json").write_text("{nope")
    with pytest.raises(BillError, match="corrupt meta.json"):
        load_bill(out)
    (out / "meta.json").write_text(json.dumps(meta))
    bad = bill.drop(columns=["category"])
    bad.to_parquet(out / "bill.parquet")
    with pytest.raises(BillError, match=r"missing columns \['category'\]"):
        load_bill(out)
    bill.assign(category="storage-ish").to_parquet(out / "bill.parquet")
    with pytest.raises(BillError, match="unknown categories"):
        load_bill(out)
    (out / "bill.parquet").write_bytes(b"garbage")
    with pytest.raises(BillError, match="unreadable Parquet"):
        load_bill(out)


def test_legacy_csv_blank_amounts_are_empty_and_garbage_is_a_clear_error(tmp_path):
    lines = [line("TimedStorage-ByteHrs", 5.0, 0.5), line("", 0.0, 0.45, kind="Tax")]
    f = write_legacy(tmp_path / "blank.csv", lines)
    text = f.read_text().replace(",0.0,0.45,", ",,0.45,")  # the tax row's UsageAmount is blank
    f.write_text(text)
    bill = import_bill(str(f))
    assert by_type(bill, "", "Tax")["usage_quantity"].tolist() == [0.0]
    f.write_text(text.replace(",5.0,0.5,", ",five,0.5,"))
    with pytest.raises(BillError, match=r"blank\.csv: cannot read as CUR"):
        import_bill(str(f))


def test_names_from_the_cur_are_sanitised_on_the_terminal(tmp_path):
    evil = "QQQ1-TimedStorage-ByteHrs\x1b]0;pwned\x07\nforged line"
    f = write_cur2(tmp_path / "cur.parquet", [line(evil, 1.0, 0.1)])
    res = CliRunner().invoke(cli, ["bill", "import", str(f), "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.output and "\x07" not in res.output
    assert "note: unknown usage-type prefix 'QQQ1'" in res.output
    assert "\nforged line" not in res.output  # the newline cannot start a second line
