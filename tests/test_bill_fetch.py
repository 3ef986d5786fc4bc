"""`bill fetch`: Cost Explorer against moto over HTTP on 127.0.0.1 (results queued through
/moto-api/static/ce/cost-and-usage-results), NextPageToken paging, AccessDenied and an account
without Cost Explorer (botocore Stubber, which moto cannot produce)."""

import pandas as pd
import pytest
import requests
from bill_fixtures import W2, A, B, ce_result
from botocore.stub import Stubber
from click.testing import CliRunner

from ecrcost.aws import Aws
from ecrcost.billing import fetch_bill, load_bill, parse_months
from ecrcost.billing.explorer import cost_and_usage_request
from ecrcost.cli import cli
from ecrcost.errors import AwsError, BillError

OCT = ce_result(
    "2026-10",
    [
        (A, "TimedStorage-ByteHrs", 40.0, 4.0, "GB-Mo"),
        (B, "USW2-TimedStorage-ByteHrs", 50.0, 5.0, "GB-Mo"),
    ],
    token="page-2",
)
NOV = ce_result(
    "2026-11",
    [
        (B, "USW2-TimedStorage-ByteHrs", 50.0, 5.0, "GB-Mo"),
        (B, "USW2-DataTransfer-Out-Bytes", 1024.0, 92.16, "GB"),
        (B, "QQQ7-DataTransfer-Out-Bytes", 1.0, 0.09, "GB"),
    ],
)


@pytest.fixture
def server(moto_server):
    return moto_server


def queue(url, *results):
    r = requests.post(
        f"{url}/moto-api/static/ce/cost-and-usage-results",
        json={"results": list(results)},
        timeout=10,
    )
    assert r.status_code == 201


def test_months_and_the_one_request():
    assert parse_months("2026-11..2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert parse_months("2026-11") == ["2026-11"]
    for bad in ("2026-13", "2026-11..2026-09", "nov", "2026-9..2026-11"):
        with pytest.raises(BillError, match="--months"):
            parse_months(bad)
    req = cost_and_usage_request(["2026-09", "2026-10", "2026-11"])
    assert req["TimePeriod"] == {"Start": "2026-09-01", "End": "2026-12-01"}  # End is exclusive
    assert req["Granularity"] == "MONTHLY" and req["Metrics"] == ["UnblendedCost", "UsageQuantity"]
    assert req["Filter"] == {
        "Dimensions": {"Key": "SERVICE", "Values": ["Amazon EC2 Container Registry (ECR)"]}
    }
    assert [g["Key"] for g in req["GroupBy"]] == ["LINKED_ACCOUNT", "USAGE_TYPE"]


def test_fetch_over_http_follows_next_page_token(server):
    queue(server, OCT, NOV)
    bill = fetch_bill("2026-10..2026-11", endpoint_url=server)
    meta = bill.attrs["meta"]
    assert meta["requests"] == 2 and meta["request_usd"] == 0.02
    assert meta["api_calls"] == {"ce:GetCostAndUsage": 2}
    assert len(bill) == 5 and set(bill["source"]) == {"cost-explorer"}
    row = bill[
        (bill["month"] == "2026-11") & (bill["usage_type"] == "USW2-DataTransfer-Out-Bytes")
    ].iloc[0]
    assert (row["account_id"], row["region"], row["category"], row["usage_unit"]) == (
        B,
        W2,
        "egress_internet",
        "GB",
    )
    assert row["usage_quantity"] == 1024.0 and row["unblended_usd"] == pytest.approx(92.16)
    assert bill[bill["usage_type"] == "TimedStorage-ByteHrs"]["region"].tolist() == ["us-east-1"]
    unknown = bill[bill["usage_type"] == "QQQ7-DataTransfer-Out-Bytes"].iloc[0]
    assert pd.isna(unknown["region"]) and unknown["region_prefix"] == "QQQ7"
    assert any("'QQQ7'" in n for n in meta["notes"])
    assert bill["resource_id"].isna().all() and not meta["resource_ids"]


def test_cli_fetch_prints_requests_and_cost_and_writes_the_billdir(server, tmp_path):
    queue(server, OCT, NOV)
    out = tmp_path / "bill"
    res = CliRunner().invoke(
        cli,
        [
            "bill",
            "fetch",
            "--months",
            "2026-10..2026-11",
            "--endpoint-url",
            server,
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Cost Explorer: 2 request(s) made, $0.02" in res.output
    assert f"Wrote {out}: 5 rows, 2026-10..2026-11, 2 account(s)" in res.output
    bill = load_bill(out)
    assert bill.attrs["meta"]["source"] == "cost-explorer" and bill.attrs["meta"]["months"] == [
        "2026-10",
        "2026-11",
    ]
    # an existing --out is refused before any (paid) request is made
    res = CliRunner().invoke(
        cli, ["bill", "fetch", "--months", "2026-10", "--endpoint-url", server, "--out", str(out)]
    )
    assert res.exit_code == 1 and "already exists" in res.output


def stubbed(aws_env):
    aws = Aws()
    ce = aws.client("ce", "us-east-1")
    return aws, Stubber(ce)


def test_stubber_exact_pages_and_no_extra_request(aws_env):
    aws, stub = stubbed(aws_env)
    req = cost_and_usage_request(["2026-10", "2026-11"])
    stub.add_response("get_cost_and_usage", OCT, req)
    mid = dict(
        ce_result("2026-10", [(A, "USE1-TimedStorage-Archive-ByteHrs", 1.0, 0.1, "GB-Mo")]),
        NextPageToken="p3",
    )
    stub.add_response("get_cost_and_usage", mid, dict(req, NextPageToken="page-2"))
    stub.add_response("get_cost_and_usage", NOV, dict(req, NextPageToken="p3"))
    with stub:
        bill = fetch_bill(["2026-10", "2026-11"], aws=aws)
    stub.assert_no_pending_responses()
    assert bill.attrs["meta"]["requests"] == 3 and bill.attrs["meta"]["request_usd"] == 0.03
    assert "archive_storage" in set(bill["category"])


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "User: arn:aws:iam::1:user/x is not authorized to perform: ce:GetCostAndUsage",
            "access denied: the caller needs ce:GetCostAndUsage",
        ),
        (
            "User not enabled for cost explorer access",
            "Cost Explorer is not enabled for this account",
        ),
    ],
)
def test_access_denied_and_cost_explorer_not_enabled(aws_env, message, expected, monkeypatch):
    aws, stub = stubbed(aws_env)
    stub.add_client_error("get_cost_and_usage", "AccessDeniedException", message, 400)
    with stub, pytest.raises(AwsError, match=expected) as e:
        fetch_bill("2026-11", aws=aws)
    assert "1 request(s) made, $0.01" in str(e.value)
    # through the CLI: one clean line, exit 1
    import ecrcost.billing.explorer as explorer

    def fake(months, profile=None, endpoint_url=None):
        aws2, stub2 = stubbed(aws_env)
        stub2.add_client_error("get_cost_and_usage", "AccessDeniedException", message, 400)
        with stub2:
            return explorer.fetch_bill(months, aws=aws2)

    monkeypatch.setattr("ecrcost.billing.fetch_bill", fake)
    res = CliRunner().invoke(
        cli, ["bill", "fetch", "--months", "2026-11", "--out", "/tmp/wt-9/never"]
    )
    assert res.exit_code == 1 and expected in res.output and "Traceback" not in res.output


def test_other_errors_and_no_credentials(aws_env, monkeypatch):
    aws, stub = stubbed(aws_env)
    stub.add_client_error(
        "get_cost_and_usage", "DataUnavailableException", "Data is not available", 400
    )
    with (
        stub,
        pytest.raises(AwsError, match="Cost Explorer: GetCostAndUsage: DataUnavailableException"),
    ):
        fetch_bill("2026-11", aws=aws)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(k)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(AwsError, match="no AWS credentials"):
        fetch_bill("2026-11")
