"""The ECR cost model against hand computation, to the cent. 1 GB = 2^30 bytes throughout."""

import math

import pandas as pd
import pytest

from ecrcost.errors import InputError, SnapshotError
from ecrcost.pricing.catalog import load_catalog
from ecrcost.pricing.model import line_items
from ecrcost.pricing.summary import costs
from ecrcost.snapshot import Snapshot
from ecrcost.traffic import TrafficProfile
from ecrcost.usage import egress_usage

GB, TB = 2**30, 2**40
A, B = "111111111111", "222222222222"
E1, W2 = "us-east-1", "us-west-2"
NOW = "2026-11-01T00:00:00+00:00"


class Reg:
    """A tiny registry builder: images with their own layers, pulls, replication rules."""

    def __init__(self, pull_days=30, collected_at=NOW):
        self.images, self.blobs, self.manifests, self.pulls, self.registries = [], [], [], [], []
        self.repos = set()
        self.meta = {"collected_at": collected_at, "pull_days": pull_days}

    def image(
        self,
        repo,
        digest,
        layers,
        tags=("v1",),
        account=A,
        region=E1,
        pushed="2026-10-01",
        status="ACTIVE",
        last_pull=None,
    ):
        self.repos.add((account, region, repo))
        self.images.append(
            {
                "account_id": account,
                "region": region,
                "repository": repo,
                "digest": digest,
                "tags": list(tags),
                "pushed_at": pushed,
                "status": status,
                "size_bytes": sum(s for _, s in layers),
                "last_pull_at": last_pull,
            }
        )
        if digest not in {m["digest"] for m in self.manifests}:
            self.manifests.append({"digest": digest, "kind": "image"})
            self.blobs += [
                {"manifest_digest": digest, "blob_digest": b, "size_bytes": s, "kind": "layer"}
                for b, s in layers
            ]
        return self

    def pulled(self, repo, total, account=A, region=E1, days=1):
        """`total` pulls spread over `days` daily data points."""
        for d in range(days):
            self.pulls.append(
                {
                    "account_id": account,
                    "region": region,
                    "repository": repo,
                    "date": pd.Timestamp("2026-10-02", tz="UTC") + pd.Timedelta(days=d),
                    "pulls": total / days,
                }
            )
        return self

    def replicate(self, account, region, rules):
        self.registries.append(
            {"account_id": account, "region": region, "replication_rules": rules}
        )
        return self

    def build(self):
        repos = [{"account_id": a, "region": r, "repository": n} for a, r, n in sorted(self.repos)]
        return Snapshot.build(
            dict(self.meta, registries=self.registries),
            repositories=repos,
            images=self.images,
            manifests=self.manifests,
            blobs=self.blobs,
            pulls=self.pulls,
        )


def row(df, repo):
    return df.set_index("repository").loc[repo]


def traffic(same=0.0, cross=0.0, internet=1.0, hit=0.0):
    return TrafficProfile.from_dict(
        {
            "default": {
                "same_region": same,
                "cross_region": cross,
                "internet": internet,
                "layer_cache_hit": hit,
            }
        }
    )


def pulls_for(monthly_gb, image_gb, pull_days=30):
    """Daily-window pulls that make `monthly_gb` per 30.4375-day month for an image of `image_gb`."""
    return monthly_gb / image_gb / 30.4375 * pull_days


def cents(x):
    return round(float(x), 2)


# ---- storage ------------------------------------------------------------------------------------
def test_one_repository_one_region():
    s = Reg().image("app", "m1", [("l1", 3 * GB), ("l2", 2 * GB)]).build()
    r = row(costs(s), "app")
    assert r["unique_bytes"] == 5 * GB and r["storage_gb"] == 5
    assert cents(r["storage_usd"]) == 0.50  # 5 GB-Mo x $0.10
    assert r["pulls"] == 0 and r["egress_gb"] == 0


def test_a_blob_shared_across_images_is_billed_once():
    s = (
        Reg()
        .image("app", "m1", [("base", 3 * GB), ("a", GB)])
        .image("app", "m2", [("base", 3 * GB), ("b", 2 * GB)])
        .build()
    )
    r = row(costs(s), "app")
    assert r["naive_bytes"] == 9 * GB and r["unique_bytes"] == 6 * GB
    assert cents(r["storage_usd"]) == 0.60


def test_registry_scope_splits_a_shared_blob():
    s = (
        Reg()
        .image("app", "m1", [("base", 4 * GB), ("a", GB)])
        .image("web", "m2", [("base", 4 * GB), ("b", GB)])
        .build()
    )
    by_repo = costs(s, scope="registry")
    assert cents(row(by_repo, "app")["storage_usd"]) == 0.30  # 2 + 1 GB
    assert cents(costs(s, scope="registry", by="total")["storage_usd"].iloc[0]) == 0.60
    assert cents(costs(s, by="total")["storage_usd"].iloc[0]) == 1.00  # repository scope: 5 + 5 GB


def test_a_region_with_a_different_price_and_a_fallback_region(tmp_path):
    p = tmp_path / "prices.csv"
    bundled = load_catalog()
    rows = bundled.show()
    rows.loc[(rows["region"] == "eu-west-1") & (rows["dimension"] == "storage"), "usd"] = 0.125
    from ecrcost.pricing.refresh import write_catalog

    write_catalog(rows, p)
    s = (
        Reg()
        .image("app", "m1", [("l", 8 * GB)])
        .image("eu", "m2", [("l", 8 * GB)], region="eu-west-1")
        .image("me", "m3", [("l", 8 * GB)], region="me-south-1")
        .build()
    )
    df = costs(s, prices=p)
    assert cents(row(df, "app")["storage_usd"]) == 0.80
    assert cents(row(df, "eu")["storage_usd"]) == 1.00  # 8 GB x $0.125
    me = row(df, "me")
    assert cents(me["storage_usd"]) == 0.80
    assert any("fallback price" in f and "me-south-1" in f for f in me["flags"])
    assert "me-south-1" in df.attrs["method"]["fallback_prices"]
    assert not any("fallback" in f for f in row(df, "app")["flags"])
    assert df.attrs["method"]["catalog"] == str(p)


def test_archive_above_150_tb_uses_the_account_total():
    # two repositories archive 120 TB + 80 TB = 200 TB in one account+region:
    # 153,600 GB x $0.10 + 51,200 GB x $0.07 = 15,360 + 3,584 = $18,944.00, split 3:2
    s = (
        Reg()
        .image("a", "m1", [("x", 120 * TB)], status="ARCHIVED")
        .image("b", "m2", [("y", 80 * TB)], status="ARCHIVED")
        .image("c", "m3", [("z", GB)])
        .build()
    )
    items = line_items(s)
    arc = items[items["item"] == "archive storage"].set_index("repository")
    assert cents(arc["usd"].sum()) == 18944.00
    assert cents(arc.loc["a", "usd"]) == cents(18944 * 0.6)
    assert arc.loc["a", "usd_per_unit"] == pytest.approx(18944 / 204800)
    assert cents(row(costs(s), "c")["storage_usd"]) == 0.10  # standard class unaffected


def test_month_pro_rates_by_hours_stored():
    # March 2026 has 744 hours. base (4 GB) pushed in February: stored all month.
    # new (10 GB) pushed 2026-03-16T00:00Z: 16 days = 384 hours -> 10 x 384/744 GB-Mo.
    # late (1 GB) pushed in April: not stored in March.
    s = (
        Reg()
        .image("app", "m1", [("base", 4 * GB)], pushed="2026-02-10")
        .image("app", "m2", [("base", 4 * GB), ("new", 10 * GB)], pushed="2026-03-16")
        .image("app", "m3", [("late", GB)], pushed="2026-04-02")
        .build()
    )
    r = row(costs(s, month="2026-03"), "app")
    assert r["storage_gb"] == pytest.approx(4 + 10 * 384 / 744)
    assert cents(r["storage_usd"]) == cents(0.4 + 10 * 384 / 744 * 0.10)  # $0.92
    # April: 720 hours; everything stored from the 1st except `late` (from the 2nd 00:00: 696 h)
    r = row(costs(s, month="2026-04"), "app")
    assert r["storage_gb"] == pytest.approx(14 + 696 / 720)
    assert costs(s, month="2026-03").attrs["method"]["period"] == "2026-03 (744 hours)"


def test_month_pulls_use_the_months_days():
    s = Reg().image("app", "m1", [("l", GB)]).pulled("app", 300).build()  # 10 a day
    assert row(costs(s, month="2026-03"), "app")["pulls"] == pytest.approx(310)
    assert row(costs(s), "app")["pulls"] == pytest.approx(304.375)  # 10 x 30.4375


# ---- egress ------------------------------------------------------------------------------------
def test_without_traffic_profile_egress_cost_is_unknown_not_zero():
    s = Reg().image("app", "m1", [("l", 2 * GB)]).pulled("app", 300).build()
    r = row(costs(s), "app")
    assert r["egress_gb"] == pytest.approx(304.375 * 2)
    assert math.isnan(r["egress_usd"]) and math.isnan(r["total_usd"])
    assert any("$0.09/GB to 10,240 GB" in f for f in r["flags"])
    items = line_items(s)
    e = items[items["item"] == "egress (destination unknown)"].iloc[0]
    assert math.isnan(e["usd"]) and e["tiers"].startswith("$0.09/GB")


def test_internet_egress_crossing_10_and_50_tb_shares_one_ladder_across_accounts():
    # 40 TB from account A and 20 TB from account B, both us-east-1: 60 TB = 61,440 GB on one ladder
    # 10,240 x 0.09 + 40,960 x 0.085 + 10,240 x 0.07 = 921.60 + 3,481.60 + 716.80 = $5,120.00
    s = (
        Reg()
        .image("a", "m1", [("l", GB)])
        .pulled("a", pulls_for(40960, 1))
        .image("b", "m2", [("l", GB)], account=B)
        .pulled("b", pulls_for(20480, 1), account=B)
        .build()
    )
    df = costs(s, traffic=traffic())
    assert row(df, "a")["egress_gb"] == pytest.approx(40960)
    assert cents(df["egress_usd"].sum()) == 5120.00
    assert cents(row(df, "a")["egress_usd"]) == 3413.33  # 2/3, pro rata
    assert cents(row(df, "b")["egress_usd"]) == 1706.67
    assert cents(row(df, "a")["total_usd"]) == cents(3413.333333 + 0.10)
    assert (
        cents(
            costs(s, traffic=traffic(), by="account").set_index("account_id").loc[B, "egress_usd"]
        )
        == 1706.67
    )


def test_cross_region_pulls_share_the_internet_tiers():
    # 20 TB pulled: half cross-region, half internet -> one ladder: 921.60 + 870.40 = $1,792.00
    s = Reg().image("app", "m1", [("l", GB)]).pulled("app", pulls_for(20480, 1)).build()
    items = line_items(s, traffic=traffic(cross=0.5, internet=0.5))
    by_item = items.set_index("item")
    assert cents(by_item.loc["egress cross-region", "usd"]) == 896.00
    assert cents(by_item.loc["egress internet", "usd"]) == 896.00
    assert by_item.loc["egress same-region", "usd"] == 0
    assert any(
        "cross-region pulls priced at the source region's internet rates" in f
        for f in by_item.loc["egress cross-region", "flags"]
    )


def test_the_cross_region_rule_is_catalog_data(tmp_path):
    rows = load_catalog().show()
    rows.loc[rows["dimension"] == "rule: cross-region pulls", "value"] = "inter-region"
    from ecrcost.pricing.refresh import write_catalog

    p = write_catalog(rows, tmp_path / "p.csv")
    s = Reg().image("app", "m1", [("l", GB)]).pulled("app", pulls_for(20480, 1)).build()
    items = line_items(s, traffic=traffic(cross=0.5, internet=0.5), prices=p).set_index("item")
    assert cents(items.loc["egress cross-region", "usd"]) == 204.80  # 10,240 x $0.02
    assert cents(items.loc["egress internet", "usd"]) == 921.60
    assert "inter-region" in costs(s, traffic=traffic(), prices=p).attrs["method"]["egress"]


def test_same_region_is_free_and_cache_hit_reduces_bytes():
    s = Reg().image("app", "m1", [("l", 4 * GB)]).pulled("app", 300).build()
    r = row(costs(s, traffic=traffic(same=1.0, internet=0.0, hit=0.25)), "app")
    assert r["egress_gb"] == pytest.approx(304.375 * 3)
    assert r["egress_usd"] == 0


def test_bytes_per_pull_rule():
    window_start = pd.Timestamp(NOW) - pd.Timedelta(days=30)
    inside, outside = window_start + pd.Timedelta(days=1), window_start - pd.Timedelta(days=1)
    s = (
        Reg()
        # "app": two images pulled in the window (2 GB, 4 GB -> mean 3 GB), one pulled earlier (10 GB)
        .image("app", "a1", [("x1", 2 * GB)], last_pull=inside)
        .image("app", "a2", [("x2", 4 * GB)], last_pull=inside)
        .image("app", "a3", [("x3", 10 * GB)], last_pull=outside)
        # "svc": nothing pulled in the window: the newest tagged image (5 GB), not the newer untagged one
        .image("svc", "s1", [("y1", 5 * GB)], pushed="2026-10-05")
        .image("svc", "s2", [("y2", 7 * GB)], tags=(), pushed="2026-10-06")
        .image("old", "o1", [("z", GB)], tags=(), pushed="2026-10-06")
        .pulled("app", 30)
        .pulled("svc", 30)
        .pulled("old", 30)
        .build()
    )
    eg = egress_usage(s).set_index("repository")
    assert (
        eg.loc["app", "bytes_per_pull"] == 3 * GB
        and eg.loc["app", "bytes_rule"] == "pulled in window (2 images)"
    )
    assert (
        eg.loc["svc", "bytes_per_pull"] == 5 * GB
        and eg.loc["svc", "bytes_rule"] == "newest tagged image"
    )
    assert eg.loc["old", "bytes_rule"] == "newest image"
    assert eg.loc["app", "pulled_gb"] == pytest.approx(30.4375 * 3)
    assert math.isnan(eg.loc["app", "internet_gb"])  # no profile: destinations unknown


def test_bytes_per_pull_of_an_index_is_its_largest_child():
    s = Reg().pulled("multi", 30)
    s.repos.add((A, E1, "multi"))
    s.images.append(
        {
            "account_id": A,
            "region": E1,
            "repository": "multi",
            "digest": "ix",
            "tags": ["v1"],
            "pushed_at": "2026-10-01",
            "size_bytes": 3 * GB,
        }
    )
    s.manifests += [
        {"digest": "ix", "kind": "index"},
        {"digest": "c1", "kind": "image"},
        {"digest": "c2", "kind": "image"},
    ]
    s.blobs += [
        {"manifest_digest": "c1", "blob_digest": "p", "size_bytes": GB, "kind": "layer"},
        {"manifest_digest": "c2", "blob_digest": "q", "size_bytes": 3 * GB, "kind": "layer"},
    ]
    snap = s.build()
    snap.children = pd.DataFrame(
        {
            "index_digest": ["ix", "ix"],
            "child_digest": ["c1", "c2"],
            "platform": ["linux/arm64", "linux/amd64"],
            "media_type": [None, None],
            "size_bytes": [None, None],
        }
    )
    assert egress_usage(snap).set_index("repository").loc["multi", "bytes_per_pull"] == 3 * GB


def test_free_tier_only_when_asked():
    # 1,100 GB internet: $99.00 without, (1,100 - 100) x 0.09 = $90.00 with --free-tier
    s = Reg().image("app", "m1", [("l", GB)]).pulled("app", pulls_for(1100, 1)).build()
    assert cents(row(costs(s, traffic=traffic()), "app")["egress_usd"]) == 99.00
    df = costs(s, traffic=traffic(), free_tier=True)
    assert cents(row(df, "app")["egress_usd"]) == 90.00
    assert df.attrs["method"]["free_tier"].startswith("subtracted")
    assert costs(s, traffic=traffic()).attrs["method"]["free_tier"].startswith("not subtracted")
    # legacy storage allowance: 500 MB = 0.48828125 GB per account
    assert cents(row(df, "app")["storage_usd"]) == cents((1 - 0.48828125) * 0.10)


# ---- replication ----------------------------------------------------------------------------------
def test_a_replicated_repository():
    # "app" (us-east-1): base 3 GB pushed 60 days ago, new 1 GB pushed 10 days ago -> 4 GB unique,
    # 1 GB newly pushed in the last 30.4375 days. Replicated to us-west-2 (same account):
    # replica storage 4 GB x $0.10 = $0.40; transfer 1 GB x $0.02 = $0.02. "other" is not covered.
    rules = [
        {
            "destinations": [{"region": W2, "registryId": A}],
            "repositoryFilters": [{"filter": "app", "filterType": "PREFIX_MATCH"}],
        }
    ]
    s = (
        Reg()
        .image("app", "m1", [("base", 3 * GB)], pushed="2026-09-02")
        .image("app", "m2", [("base", 3 * GB), ("new", GB)], pushed="2026-10-22")
        .image("other", "m3", [("o", GB)])
        .replicate(A, E1, rules)
        .build()
    )
    items = line_items(s)
    rep = items[items["item"].str.startswith("replication")].set_index("item")
    assert list(rep["repository"]) == ["app", "app"]
    assert rep.loc["replication storage", "destination"] == f"{W2}/{A}"
    assert cents(rep.loc["replication storage", "usd"]) == 0.40
    assert rep.loc["replication transfer", "quantity"] == pytest.approx(1.0)
    assert cents(rep.loc["replication transfer", "usd"]) == 0.02
    r = row(costs(s), "app")
    assert cents(r["replication_usd"]) == 0.42 and cents(r["storage_usd"]) == 0.40
    assert row(costs(s), "other")["replication_usd"] == 0


def test_a_replica_already_in_the_snapshot_is_not_counted_twice():
    rules = {
        "rules": [{"destinations": [{"region": W2, "registryId": A}]}]
    }  # no filter: every repository
    s = (
        Reg()
        .image("app", "m1", [("l", 2 * GB)], pushed="2026-10-25")
        .image("app", "m1", [("l", 2 * GB)], region=W2, pushed="2026-10-25")
        .replicate(A, E1, rules)
        .build()
    )
    items = line_items(s)
    rep = items[items["item"] == "replication storage"].iloc[0]
    assert rep["usd"] == 0 and any("counted there" in f for f in rep["flags"])
    transfer = items[items["item"] == "replication transfer"].iloc[0]
    assert cents(transfer["usd"]) == 0.04  # the 2 GB still crossed regions


def test_unknown_replication_rules_are_flagged():
    s = Reg().image("app", "m1", [("l", GB)]).build()
    s.meta["registries"] = [{"account_id": A, "region": E1, "replication_rules": "unknown"}]
    assert any("replication rules unknown" in f for f in row(costs(s), "app")["flags"])


# ---- summaries and bad input ------------------------------------------------------------------------
def test_by_account_region_total_and_nan_propagation():
    s = (
        Reg()
        .image("a", "m1", [("l", GB)])
        .image("b", "m2", [("l", 2 * GB)], account=B, region=W2)
        .pulled("a", 30)
        .build()
    )
    assert list(costs(s, by="account")["account_id"]) == [A, B]
    assert list(costs(s, by="region")["region"]) == [E1, W2]
    total = costs(s, by="total")
    assert len(total) == 1 and cents(total["storage_usd"].iloc[0]) == 0.30
    assert math.isnan(total["egress_usd"].iloc[0])  # unknown stays unknown when summed
    assert list(total.columns)[:3] == ["images", "tagged_images", "untagged_images"]


def test_empty_snapshot():
    df = costs(Snapshot.build())
    assert len(df) == 0 and "storage_usd" in df.columns
    assert len(costs(Snapshot.build(), by="total")) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "team"}, "--by 'team'"),
        ({"scope": "galaxy"}, "--scope 'galaxy'"),
        ({"month": "2026-13"}, "--month '2026-13': expected YYYY-MM"),
        ({"month": "March"}, "--month 'March'"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(InputError, match=message):
        costs(Reg().image("a", "m1", [("l", GB)]).build(), **kwargs)


def test_bad_pull_days_in_snapshot():
    s = Reg(pull_days=0).image("a", "m1", [("l", GB)]).build()
    with pytest.raises(SnapshotError, match="pull_days 0"):
        costs(s)


def test_tier_basis_per_account_is_catalog_data(tmp_path):
    from ecrcost.pricing.refresh import write_catalog

    rows = load_catalog().show()
    rows.loc[rows["dimension"] == "rule: egress tier basis", "value"] = "per account"
    p = write_catalog(rows, tmp_path / "p.csv")
    s = (
        Reg()
        .image("a", "m1", [("l", GB)])
        .pulled("a", pulls_for(40960, 1))
        .image("b", "m2", [("l", GB)], account=B)
        .pulled("b", pulls_for(20480, 1), account=B)
        .build()
    )
    df = costs(s, traffic=traffic(), prices=p)
    assert cents(row(df, "a")["egress_usd"]) == 3532.80  # 921.60 + 30,720 x 0.085: its own ladder
    assert cents(row(df, "b")["egress_usd"]) == 1792.00  # 921.60 + 10,240 x 0.085


@pytest.mark.parametrize("by", ["repository", "total"])
def test_cost_breakdown_is_costs_and_line_items_from_one_pass(by):
    from ecrcost.pricing.summary import cost_breakdown

    rules = [
        {
            "destinations": [{"region": W2, "registryId": A}],
            "repositoryFilters": [{"filter": "app", "filterType": "PREFIX_MATCH"}],
        }
    ]
    s = (
        Reg()
        .image("app", "m1", [("base", 3 * GB)], pushed="2026-09-02")
        .pulled("app", 50)
        .image("other", "m3", [("o", GB)])
        .replicate(A, E1, rules)
        .build()
    )
    profile = traffic(same=0.5, cross=0.25, internet=0.25)
    df, items = cost_breakdown(s, by=by, traffic=profile)
    pd.testing.assert_frame_equal(df, costs(s, by=by, traffic=profile))
    pd.testing.assert_frame_equal(items, line_items(s, traffic=profile))
    assert df.attrs["method"] == costs(s, by=by, traffic=profile).attrs["method"]
