"""`prices refresh`: the Price List API path with botocore's Stubber and responses in the real
GetProducts shape (PriceList is a list of JSON strings; NextToken pagination; a malformed entry)."""

import json

import boto3
import pytest
from botocore.stub import Stubber
from click.testing import CliRunner

from ecrcost.errors import AwsError, OutputExistsError
from ecrcost.pricing.catalog import load_catalog
from ecrcost.pricing.refresh import QUERIES, classify, parse_product, refresh, refresh_rows


def product(sku, attributes, dims, family="EC2 Container Registry", service="AmazonECR"):
    """One PriceList entry exactly as GetProducts returns it: a JSON string."""
    price_dims = {
        f"{sku}.JRTCKXETXF.{i}": {
            "unit": unit,
            "endRange": end,
            "beginRange": begin,
            "appliesTo": [],
            "rateCode": f"{sku}.JRTCKXETXF.{i}",
            "description": f"${usd} per {unit}",
            "pricePerUnit": {"USD": f"{usd:.10f}"},
        }
        for i, (begin, end, unit, usd) in enumerate(dims)
    }
    doc = {
        "product": {
            "productFamily": family,
            "attributes": {"servicecode": service, **attributes},
            "sku": sku,
        },
        "serviceCode": service,
        "terms": {
            "OnDemand": {
                f"{sku}.JRTCKXETXF": {
                    "priceDimensions": price_dims,
                    "sku": sku,
                    "effectiveDate": "2026-11-01T00:00:00Z",
                    "offerTermCode": "JRTCKXETXF",
                    "termAttributes": {},
                }
            }
        },
        "version": "20261101000000",
        "publicationDate": "2026-11-05T18:23:51Z",
    }
    return json.dumps(doc)


def ecr_storage(sku, region, prefix, usd=0.10):
    return product(
        sku,
        {
            "regionCode": region,
            "location": region,
            "usagetype": f"{prefix}TimedStorage-ByteHrs",
            "operation": "",
        },
        [("0", "Inf", "GB-Mo", usd)],
    )


LADDER = [
    ("0", "10240", "GB", 0.09),
    ("10240", "51200", "GB", 0.085),
    ("51200", "153600", "GB", 0.07),
    ("153600", "Inf", "GB", 0.05),
]


def outbound(sku, region, prefix, ladder=LADDER):
    return product(
        sku,
        {
            "fromRegionCode": region,
            "fromLocation": region,
            "toLocation": "External",
            "transferType": "AWS Outbound",
            "usagetype": f"{prefix}DataTransfer-Out-Bytes",
        },
        ladder,
        family="Data Transfer",
        service="AWSDataTransfer",
    )


def inter(sku, src, dst, usd):
    return product(
        sku,
        {
            "fromRegionCode": src,
            "toRegionCode": dst,
            "transferType": "InterRegion Outbound",
            "usagetype": "USE1-USW2-AWS-Out-Bytes",
        },
        [("0", "Inf", "GB", usd)],
        family="Data Transfer",
        service="AWSDataTransfer",
    )


def pages():
    """(expected params, response) per GetProducts call, in the order refresh makes them."""
    ecr1 = [
        ecr_storage("SKU1", "us-east-1", ""),
        ecr_storage("SKU2", "eu-west-1", "EU-", 0.11),
        "{not json",
        json.dumps({"product": {"attributes": {"regionCode": "x"}}, "terms": {}}),
    ]
    ecr2 = [
        ecr_storage("SKU3", "ap-south-1", "APS3-", 0.12),
        product(
            "SKU4",
            {"regionCode": "us-east-1", "usagetype": "USE1-Signing-Count"},
            [("0", "Inf", "Count", 1.0)],
        ),
    ]
    dt = [
        outbound("SKU5", "us-east-1", "USE1-"),
        outbound(
            "SKU6",
            "ap-south-1",
            "APS3-",
            [("0", "10240", "GB", 0.1093), ("10240", "Inf", "GB", 0.085)],
        ),
    ]
    ir = [
        inter("SKU7", "us-east-1", "us-west-2", 0.02),
        inter("SKU8", "us-east-1", "us-east-2", 0.01),
        inter("SKU9", "us-east-1", "eu-west-1", 0.02),
    ]
    (s1, f1), (s2, f2), (s3, f3) = QUERIES
    base = {"FormatVersion": "aws_v1"}
    return [
        (
            {**base, "ServiceCode": s1},
            {"FormatVersion": "aws_v1", "PriceList": ecr1, "NextToken": "page2"},
        ),
        (
            {**base, "ServiceCode": s1, "NextToken": "page2"},
            {"FormatVersion": "aws_v1", "PriceList": ecr2},
        ),
        ({**base, "ServiceCode": s2, "Filters": f2}, {"FormatVersion": "aws_v1", "PriceList": dt}),
        ({**base, "ServiceCode": s3, "Filters": f3}, {"FormatVersion": "aws_v1", "PriceList": ir}),
    ]


@pytest.fixture
def stubbed(aws_env):
    client = boto3.client("pricing", region_name="us-east-1")
    with Stubber(client) as stub:
        for params, response in pages():
            stub.add_response("get_products", response, params)
        yield client
        stub.assert_no_pending_responses()


def test_parse_product_real_shape():
    p = parse_product(ecr_storage("S", "us-east-2", "USE2-"))
    assert p["attributes"]["usagetype"] == "USE2-TimedStorage-ByteHrs"
    assert p["dimensions"] == [(0.0, float("inf"), "GB-Mo", 0.10, "2026-11-01")]
    assert classify("AmazonECR", p["attributes"]) == ("us-east-2", "storage", "STANDARD")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"terms": {"OnDemand": {}}}), "no product.attributes"),
        (json.dumps({"product": {"attributes": {}}, "terms": {}}), "no OnDemand terms"),
        (
            json.dumps(
                {
                    "product": {"attributes": {}},
                    "terms": {
                        "OnDemand": {
                            "t": {"priceDimensions": {"d": {"pricePerUnit": {"EUR": "1"}}}}
                        }
                    },
                }
            ),
            "bad price dimension",
        ),
    ],
)
def test_malformed_entries(entry, message):
    with pytest.raises(ValueError, match=message):
        parse_product(entry)


def test_refresh_rows_paginates_and_skips_malformed(stubbed):
    result = refresh_rows(stubbed, today="2026-11-28")
    assert result.calls == 4 and result.products == 11
    assert len(result.problems) == 2 and "AmazonECR page 1 entry: not JSON" in result.problems[0]
    rows = result.rows.set_index(["region", "dimension"])
    assert rows.loc[("ap-south-1", "storage"), "usd"] == 0.12  # from the second page
    assert ("us-east-1", "storage") in rows.index and "Signing" not in " ".join(
        result.rows["notes"]
    )
    egress = result.rows[
        (result.rows["region"] == "us-east-1") & (result.rows["dimension"] == "egress internet")
    ]
    assert list(egress["usd"]) == [0.09, 0.085, 0.07, 0.05]
    assert list(egress["tier_end_gb"]) == [10240, 51200, 153600, float("inf")]
    ir = rows.loc[("us-east-1", "inter-region transfer")]
    assert (
        ir["usd"] == 0.02 and "3 destination pairs" in ir["notes"] and "$0.01-$0.02" in ir["notes"]
    )
    assert set(result.rows["read_date"]) == {"2026-11-28"} and set(result.rows["source_date"]) == {
        "2026-11-01"
    }
    assert set(result.rows["confidence"]) == {"high"}


def test_refresh_writes_a_valid_merged_catalog(stubbed, tmp_path):
    path, result = refresh(stubbed, tmp_path / "aws-2026-11-28.csv", today="2026-11-28")
    cat = load_catalog(path)
    assert cat.date == "2026-11-28"
    assert cat.price("storage", "eu-west-1", "STANDARD", service="AmazonECR").rate == 0.11
    aps = cat.price("egress internet", "ap-south-1", service="AWSDataTransfer")
    assert aps.tiers == ((0, 10240, 0.1093), (10240, float("inf"), 0.085)) and not aps.fallback
    assert "api.pricing.us-east-1.amazonaws.com" in aps.source_url
    # rows the API does not cover are kept from the base catalog
    assert cat.rule("cross-region pulls", ("internet", "inter-region")) == "internet"
    assert cat.price("storage", "me-south-1", "STANDARD", service="AmazonECR").fallback
    assert cat.price("storage", "us-east-1", "ARCHIVE", service="AmazonECR").tiers[1][2] == 0.07


def test_refresh_refuses_to_overwrite(stubbed, tmp_path):
    out = tmp_path / "p.csv"
    out.write_text("keep me")
    with pytest.raises(OutputExistsError):
        refresh(stubbed, out)
    assert out.read_text() == "keep me"


def test_refresh_with_nothing_usable(aws_env, tmp_path):
    client = boto3.client("pricing", region_name="us-east-1")
    with Stubber(client) as stub:
        for _ in QUERIES:
            stub.add_response("get_products", {"FormatVersion": "aws_v1", "PriceList": ["{bad"]})
        with pytest.raises(AwsError, match="no usable"):
            refresh(client, tmp_path / "p.csv")
    assert not (tmp_path / "p.csv").exists()


def test_cli_refresh_uses_the_pricing_client(stubbed, tmp_path, monkeypatch):
    from ecrcost import aws
    from ecrcost.cli import cli

    made = []

    def fake_client(self, service, region, role_arn=None):
        made.append((service, region))
        return stubbed

    monkeypatch.setattr(aws.Aws, "client", fake_client)
    out = tmp_path / "new.csv"
    r = CliRunner().invoke(cli, ["prices", "refresh", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert made == [("pricing", "us-east-1")]
    assert (
        "8 of 11 products used" in r.stdout
        and "skipped: AmazonECR page 1 entry: not JSON" in r.stderr
    )
    assert (
        load_catalog(out).price("storage", "eu-west-1", "STANDARD", service="AmazonECR").rate
        == 0.11
    )
    r = CliRunner().invoke(cli, ["costs", "--help"])
    assert "--prices" in r.output


def test_cli_refresh_with_an_unreachable_endpoint_is_one_clean_line(aws_env, tmp_path, monkeypatch):
    from ecrcost.cli import cli

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on loopback:9
    res = CliRunner().invoke(cli, ["prices", "refresh", "--out", str(tmp_path / "p.csv")])
    assert res.exit_code == 1
    assert "Price List API (us-east-1)" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "p.csv").exists()


def test_cli_turns_an_unanticipated_aws_error_into_one_line(aws_env, tmp_path, monkeypatch):
    # the CLI's safety net: a botocore error that no library function caught is still no traceback
    from botocore.exceptions import NoRegionError

    import ecrcost.pricing.refresh as mod
    from ecrcost.cli import cli

    def boom(*a, **k):
        raise NoRegionError()

    monkeypatch.setattr(mod, "refresh", boom)
    res = CliRunner().invoke(cli, ["prices", "refresh", "--out", str(tmp_path / "p.csv")])
    assert res.exit_code == 1 and "AWS: You must specify a region" in res.output
    assert "Traceback" not in res.output
