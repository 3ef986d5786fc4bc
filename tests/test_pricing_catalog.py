"""The price catalog: the bundled file, lookups with fallback, and every malformed-file path."""

import csv
import math

import pytest

from ecrcost.errors import PriceCatalogError
from ecrcost.pricing.catalog import COLUMNS, bundled_catalog_path, load_catalog

HEADER = ",".join(COLUMNS[:9] + ["value"] + COLUMNS[9:] + ["notes"])
GOOD = "aws,AmazonECR,us-east-1,storage,STANDARD,0,,GB-Mo,0.10,,https://example.com,2026-03,2026-11-28,high,"


def write(tmp_path, *lines, header=HEADER, name="prices.csv"):
    p = tmp_path / name
    p.write_text("\n".join([header, *lines]) + "\n")
    return p


def test_bundled_catalog_is_dated_and_sourced():
    cat = load_catalog()
    assert cat.date == "2026-11-28" and cat.name == "bundled"
    assert bundled_catalog_path().name == "aws-2026-11-28.csv"
    rows = cat.rows
    assert (rows["source_url"].str.startswith("http")).all()
    assert set(rows["confidence"]) <= {"high", "medium", "low"}
    # every row of the bundled catalog is also a valid row when re-read as a user file
    assert len(load_catalog(bundled_catalog_path()).rows) == len(rows)


def test_seeded_figures():
    cat = load_catalog()
    assert cat.price("storage", "us-east-1", "STANDARD", service="AmazonECR").tiers == (
        (0, math.inf, 0.10),
    )
    egress = cat.price("egress internet", "us-east-2", service="AWSDataTransfer")
    assert egress.tiers == (
        (0, 10240, 0.09),
        (10240, 51200, 0.085),
        (51200, 153600, 0.07),
        (153600, math.inf, 0.05),
    )
    assert egress.confidence == "high" and not egress.fallback
    archive = cat.price("storage", "us-east-1", "ARCHIVE", service="AmazonECR")
    assert archive.tiers == ((0, 153600, 0.10), (153600, math.inf, 0.07))
    assert cat.price("archive restore", "ap-northeast-1", "ARCHIVE").rate == 0.03
    assert cat.fact("archive minimum duration")["value"] == "90"
    assert cat.allowance("free tier internet egress").tiers[-1][1] == 100
    assert cat.price("inter-region transfer", "us-east-1", service="AWSDataTransfer").rate == 0.02
    assert cat.rule("cross-region pulls", ("internet", "inter-region")) == "internet"
    public = cat.price("storage", "us-east-1", "STANDARD", service="AmazonECRPublic")
    assert public.tiers == ((0, 50, 0.0), (50, math.inf, 0.10))


def test_fallback_is_flagged_and_global_rows_are_not():
    cat = load_catalog()
    p = cat.price("storage", "me-south-1", "STANDARD", service="AmazonECR")
    assert p.fallback and p.rate == 0.10 and p.confidence == "low"
    assert any("fallback price" in f and "me-south-1" in f for f in p.flags)
    same = cat.price("egress same-region", "us-east-1", service="AWSDataTransfer")
    assert not same.fallback and same.rate == 0


def test_missing_price_names_the_catalog(tmp_path):
    cat = load_catalog(write(tmp_path, GOOD))
    with pytest.raises(
        PriceCatalogError, match=r"prices\.csv: no 'egress internet' price for region eu-west-1"
    ):
        cat.price("egress internet", "eu-west-1")
    with pytest.raises(PriceCatalogError, match="no 'rule: cross-region pulls' row"):
        cat.rule("cross-region pulls", ("internet",))


def test_rule_value_is_checked(tmp_path):
    rule = "aws,AWSDataTransfer,*,rule: cross-region pulls,,,,rule,,sometimes,https://x,undated,2026-11-28,high,"
    cat = load_catalog(write(tmp_path, GOOD, rule))
    with pytest.raises(
        PriceCatalogError, match="'sometimes'; expected one of internet, inter-region"
    ):
        cat.rule("cross-region pulls", ("internet", "inter-region"))


def test_user_catalog_is_used(tmp_path):
    cat = load_catalog(write(tmp_path, GOOD.replace("0.10", "0.12")))
    assert cat.name == "prices.csv" and cat.price("storage", "us-east-1", "STANDARD").rate == 0.12
    assert cat.date == "2026-11-28"  # no date in the file name: the newest read_date


def _bad(line, what):
    return pytest.param(line, what, id=what)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        _bad(GOOD.replace("aws,", ",", 1), "line 3: empty provider"),
        _bad(GOOD.replace(",https://example.com,", ",,"), "line 3: empty source_url"),
        _bad(GOOD.replace("0.10", "ten cents"), "line 3: usd 'ten cents' is not a number"),
        _bad(GOOD.replace("0.10", "-0.10"), "line 3: usd must be a finite, non-negative number"),
        _bad(GOOD.replace("0.10", ""), "line 3: usd '' is not a number"),
        _bad(
            GOOD.replace("0.10", "inf"),
            "line 3: usd must be a finite, non-negative number, not 'inf'",
        ),
        _bad(
            GOOD.replace("0.10", "nan"),
            "line 3: usd must be a finite, non-negative number, not 'nan'",
        ),
        _bad(GOOD.replace(",0,,GB-Mo", ",1e999,,GB-Mo"), "line 3: tier_start_gb must be a finite"),
        _bad(GOOD.replace(",high,", ",certain,"), "line 3: confidence 'certain'"),
        _bad(GOOD.replace("2026-11-28", "28/11/2026"), "line 3: read_date '28/11/2026'"),
        _bad(GOOD.replace("2026-03", "March"), "line 3: source_date 'March'"),
        _bad(GOOD.replace(",0,,GB-Mo", ",5,2,GB-Mo"), "line 3: tier_end_gb must be greater"),
        _bad(GOOD + ",extra", "line 3: more cells than columns"),
        _bad(
            "aws,AWSDataTransfer,*,rule: x,,,,rule,,,https://x,undated,2026-11-28,high,",
            "line 3: a 'rule' row needs a value",
        ),
    ],
)
def test_malformed_rows_name_file_and_line(tmp_path, line, message):
    p = write(tmp_path, GOOD, line)
    with pytest.raises(PriceCatalogError) as e:
        load_catalog(p)
    assert str(p) in str(e.value) and message in str(e.value)


def test_tier_gap_names_the_rows(tmp_path):
    t1 = "aws,AWSDataTransfer,us-east-1,egress internet,,0,10240,GB,0.09,,https://x,undated,2026-11-28,high,"
    t2 = "aws,AWSDataTransfer,us-east-1,egress internet,,20000,,GB,0.085,,https://x,undated,2026-11-28,high,"
    with pytest.raises(
        PriceCatalogError,
        match=r"lines 3, 4: tiers of aws/AWSDataTransfer/us-east-1/egress internet",
    ):
        load_catalog(write(tmp_path, GOOD, t1, t2))


def test_overlapping_duplicate_rows(tmp_path):
    with pytest.raises(PriceCatalogError, match="lines 2, 3: .*gap or overlap"):
        load_catalog(write(tmp_path, GOOD, GOOD))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("provider,service\naws,AmazonECR\n", "missing columns region, dimension"),
        (HEADER + "\n", "has no rows"),
        ("", "missing columns provider"),
    ],
)
def test_incomplete_files(tmp_path, content, message):
    p = tmp_path / "p.csv"
    p.write_text(content)
    with pytest.raises(PriceCatalogError, match=message):
        load_catalog(p)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(PriceCatalogError, match="no such price catalog file"):
        load_catalog(tmp_path / "nope.csv")
    p = tmp_path / "bin.csv"
    p.write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(PriceCatalogError, match="bin.csv"):
        load_catalog(p)


def test_show_keeps_sources_and_opens_tiers():
    cat = load_catalog()
    full = cat.show()
    assert list(full.columns[: len(COLUMNS)]) == COLUMNS
    assert full["tier_end_gb"].isna().any()
    compact = cat.show(compact=True)
    row = compact[
        (compact["region"] == "us-east-2") & (compact["dimension"] == "egress internet")
    ].iloc[0]
    assert row["tier"] == "0-10,240" and row["price"] == "$0.09/GB"
    assert "internet" in set(compact["price"])  # the rule's value is shown


def test_bundled_csv_has_no_blank_required_cells():
    with bundled_catalog_path().open() as f:
        for row in csv.DictReader(f):
            assert row["source_url"] and row["read_date"] and row["confidence"]


def test_excel_byte_order_mark_is_accepted(tmp_path):
    # Excel's "CSV UTF-8" starts the file with U+FEFF; it is not part of the first column's name
    p = tmp_path / "excel.csv"
    p.write_bytes(b"\xef\xbb\xbf" + ("\n".join([HEADER, GOOD]) + "\n").encode())
    assert load_catalog(p).price("storage", "us-east-1", "STANDARD").rate == 0.10


def test_an_infinite_price_never_reaches_json(tmp_path):
    from click.testing import CliRunner

    from ecrcost.cli import cli

    p = write(tmp_path, GOOD.replace("0.10", "Infinity"))
    result = CliRunner().invoke(cli, ["prices", "show", "--prices", str(p), "--format", "json"])
    assert result.exit_code == 1 and "finite" in result.output
