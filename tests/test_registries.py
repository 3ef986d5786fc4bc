"""Registry plan models priced on hand-built workloads: every expected figure is computed by hand.

ACR month = 365.25/12 days (the one month length, usage.DAYS_PER_MONTH); 1 GB = 2^30 bytes (ACR's GiB); USD per month.
"""

import math

import pandas as pd
import pytest

from ecrcost.errors import PlanCatalogError
from ecrcost.registries import REGISTRIES, Workload, load_plans, price_plans
from ecrcost.registries.comparison import cheapest
from ecrcost.registries.plans import DAYS_PER_MONTH
from ecrcost.registries.price import ladder_cost

DAYS = DAYS_PER_MONTH
BASIC, STANDARD, PREMIUM = 0.167 * DAYS, 0.667 * DAYS, 1.667 * DAYS  # 5.0831, 20.3017, 50.7392
ACR_GB = 0.003 * DAYS  # 0.0913125 per GiB-month beyond the inclusion


def W(**kw):
    """A small workload with everything known; override what the case is about."""
    base = dict(
        stored_gb=1.0,
        stored_gb_global=1.0,
        largest_repository_gb=1.0,
        repositories=1,
        users=1,
        pulls_per_month=0.0,
        pulled_gb=0.0,
        same_region_gb=0.0,
        cross_region_gb=0.0,
        internet_gb=0.0,
        pushed_gb=0.0,
        users_given=True,
        traffic_given=True,
    )
    base.update(kw)
    return Workload(**base)


@pytest.fixture(scope="module")
def plans():
    return load_plans()


def priced(plans, w, registry=None):
    df = cheapest(price_plans(plans, w))
    if registry:
        df = df[df["registry"] == registry]
    return df.set_index("plan")


def best(df):
    chosen = df[df["cheapest"]]
    assert len(chosen) <= 1
    return chosen.index[0] if len(chosen) else None


# ---- the bundled plan file -----------------------------------------------------------------
def test_bundled_plans_cover_every_registry_with_sources(plans):
    assert set(plans["registry"]) == set(REGISTRIES)
    assert (plans["source_url"] != "").all() and (plans["read_date"] != "").all()
    assert set(plans["confidence"]) <= {"high", "medium", "low"}
    counts = plans.groupby("registry")["plan"].nunique()
    assert counts["quay"] == 11 and counts["acr"] == 3 and counts["dockerhub"] == 4
    assert counts["artifactory"] == 2 and counts["gitlab"] == 2 and counts["ghcr"] == 3


def test_every_plan_is_priced_once(plans):
    df = price_plans(plans, W())
    assert len(df) == plans.groupby(["registry", "plan"]).ngroups
    assert list(dict.fromkeys(df["registry"])) == list(REGISTRIES)


# ---- ACR: daily fee, included GiB, $/GiB/day beyond, 40 TiB limit ----------------------------
@pytest.mark.parametrize(
    ("gb", "basic", "standard"),
    [
        (10, BASIC, STANDARD),  # exactly Basic's inclusion
        (11, BASIC + ACR_GB, STANDARD),  # 1 GiB beyond it
        (100, BASIC + 90 * ACR_GB, STANDARD),  # exactly Standard's inclusion
        (101, BASIC + 91 * ACR_GB, STANDARD + ACR_GB),  # beyond both
    ],
)
def test_acr_basic_vs_standard(plans, gb, basic, standard):
    df = priced(
        plans, W(stored_gb_global=gb, stored_gb=gb * 3), "acr"
    )  # ACR stores blobs registry-wide
    assert df.loc["Basic", "monthly_usd"] == pytest.approx(basic)
    assert df.loc["Standard", "monthly_usd"] == pytest.approx(standard)
    assert df.loc["Premium", "monthly_usd"] == pytest.approx(PREMIUM)
    assert df.loc["Basic", "base_usd"] == pytest.approx(BASIC)
    # same extra-storage rate on every SKU: Basic's lower fee always wins on price alone
    assert best(df) == "Basic"


def test_acr_hand_values():
    assert BASIC == pytest.approx(5.0830625) and ACR_GB == pytest.approx(0.0913125)


def test_acr_40_tib_limit(plans):
    df = priced(plans, W(stored_gb_global=40 * 1024 + 1), "acr")
    assert not df["fits"].any() and best(df) is None
    assert "40 TiB" in df.loc["Basic", "fit_reason"]
    assert priced(plans, W(stored_gb_global=40 * 1024), "acr")["fits"].all()


# ---- Quay: plans by private repository count ------------------------------------------------
@pytest.mark.parametrize(
    ("repos", "plan", "usd"),
    [
        (0, "Open Source", 0),
        (1, "Developer", 15),
        (5, "Developer", 15),
        (6, "Micro", 30),
        (10, "Micro", 30),
        (11, "Small", 60),
        (2000, "XXXXL", 3100),
        (2001, "XXXXXL", 21700),
    ],
)
def test_quay_cheapest_plan_around_repository_limits(plans, repos, plan, usd):
    df = priced(plans, W(repositories=repos), "quay")
    assert best(df) == plan
    assert df.loc[plan, "monthly_usd"] == usd
    assert df.loc[plan, "storage_usd"] == 0 and df.loc[plan, "transfer_usd"] == 0


def test_quay_plan_over_its_limit_says_why(plans):
    df = priced(plans, W(repositories=6), "quay")
    assert not df.loc["Developer", "fits"]
    assert "private repositories 6 > 5" in df.loc["Developer", "fit_reason"]
    assert df.loc["Micro", "fits"] and df.loc["Micro", "fit_reason"] == ""
    assert best(priced(plans, W(repositories=15001), "quay")) is None


# ---- JFrog Artifactory: base consumption + tiered overage on storage + transfer ---------------
@pytest.mark.parametrize(
    ("stored", "pulled", "pushed", "pro", "enterprise"),
    [
        (20, 0, 0, 150, 950),  # inside Pro's 25 GB
        (25, 0, 0, 150, 950),  # exactly on it
        (100, 1000, 104, 150 + 1179 * 1.25, 950 + 1079 * 1.25),  # 1,204 GB: top of tier 1
        (100, 1000, 200, 150 + 1179 * 1.25 + 96 * 1.00, 950 + 1175 * 1.25),  # 1,300 GB: into tier 2
        (
            24,
            3000,
            0,
            150 + 1179 * 1.25 + 820 * 1.00 + 1000 * 0.75,
            950 + 2899 * 1.25,
        ),  # 3,024 GB: tier 3
    ],
)
def test_artifactory_overage_tiers(plans, stored, pulled, pushed, pro, enterprise):
    df = priced(
        plans, W(stored_gb_global=stored, pulled_gb=pulled, pushed_gb=pushed), "artifactory"
    )
    assert df.loc["Pro", "monthly_usd"] == pytest.approx(pro)
    assert df.loc["Enterprise X", "monthly_usd"] == pytest.approx(enterprise)
    assert best(df) == "Pro"
    # the consumption charge is split between storage and transfer in proportion to their GB
    row = df.loc["Pro"]
    overage = pro - 150
    assert row["storage_usd"] + row["transfer_usd"] == pytest.approx(overage)
    total = stored + pulled + pushed
    assert row["storage_usd"] == pytest.approx(overage * stored / total)
    assert df.loc["Enterprise X", "confidence"] == ("low" if enterprise > 950 else "medium")


def test_artifactory_unknown_without_traffic(plans):
    df = priced(
        plans, W(stored_gb_global=10, pulled_gb=math.nan, traffic_given=False), "artifactory"
    )
    assert math.isnan(df.loc["Pro", "monthly_usd"]) and math.isnan(df.loc["Pro", "transfer_usd"])
    assert "--traffic" in df.loc["Pro", "notes"]
    assert best(df) == "Pro"  # judged on the plan fee alone, and the note says so
    assert "plan fee alone" in df.loc["Pro", "notes"]


# ---- Google Artifact Registry: 0.5 GB free, then $0.10/GB-month; egress ------------------------
@pytest.mark.parametrize(("gb", "storage"), [(0, 0), (0.4, 0), (0.5, 0), (1.5, 0.10), (10.5, 1.00)])
def test_gar_free_tier(plans, gb, storage):
    row = priced(plans, W(stored_gb=gb, stored_gb_global=gb / 2), "gar").loc["Standard"]
    assert row["storage_usd"] == pytest.approx(
        storage
    )  # per repository, not the registry-wide figure
    assert row["monthly_usd"] == pytest.approx(storage)
    assert row["fits"] and row["cheapest"]


def test_gar_egress_known_then_unknown(plans):
    row = priced(plans, W(stored_gb=1.5, pulled_gb=10), "gar").loc["Standard"]
    assert row["transfer_usd"] == pytest.approx(1.20) and row["monthly_usd"] == pytest.approx(1.30)
    assert row["confidence"] == "low" and "low confidence" in row["notes"]
    # the later Premium Tier tiers (PRICES.md section G): $0.11/GB 1-10 TiB, $0.08/GB above
    beyond = priced(plans, W(pulled_gb=2000), "gar").loc["Standard"]
    assert beyond["transfer_usd"] == pytest.approx(1024 * 0.12 + 976 * 0.11)
    far = priced(plans, W(pulled_gb=20480), "gar").loc["Standard"]
    assert far["transfer_usd"] == pytest.approx(1024 * 0.12 + 9216 * 0.11 + 10240 * 0.08)
    assert far["upper_bound"] == []  # every tier is sourced: an estimate, not a bound
    unknown = priced(plans, W(stored_gb=0.5, pulled_gb=math.nan, traffic_given=False), "gar").loc[
        "Standard"
    ]
    assert math.isnan(unknown["monthly_usd"]) and unknown["storage_usd"] == 0
    assert "--traffic" in unknown["notes"] and "$0.12/GB" in unknown["notes"]
    # a traffic profile was given, yet some repository's pulled GB is unknown: say that instead
    partial = priced(plans, W(pulled_gb=math.nan, traffic_given=True), "gar").loc["Standard"]
    assert "--traffic" not in partial["notes"] and "(pulled GB/month unknown)" in partial["notes"]


# ---- Docker Hub: seats, private repositories, pull limits; storage not enforced ---------------
def test_dockerhub_personal_fits_one_user_one_repository(plans):
    df = priced(plans, W(users=1, repositories=1, stored_gb=30), "dockerhub")
    assert best(df) == "Personal" and df.loc["Personal", "monthly_usd"] == 0
    # 30 GB is over Personal's 2 GB, but storage overage is not enforced: $0 and a note
    assert df.loc["Personal", "storage_usd"] == 0
    assert df.loc["Personal", "unbilled_usd"] == pytest.approx(28 * 0.07)
    assert "not charged today" in df.loc["Personal", "notes"]


@pytest.mark.parametrize(("users", "team", "business"), [(2, 30, 48), (4, 60, 96), (25, 375, 600)])
def test_dockerhub_seats(plans, users, team, business):
    df = priced(plans, W(users=users, repositories=3), "dockerhub")
    assert not df.loc["Personal", "fits"] and not df.loc["Pro", "fits"]
    assert f"users {users} > 1" in df.loc["Pro", "fit_reason"]
    assert df.loc["Team", "monthly_usd"] == team and df.loc["Business", "monthly_usd"] == business
    assert best(df) == "Team"
    assert df.loc["Team", "confidence"] == "high" and df.loc["Business", "confidence"] == "low"


def test_dockerhub_personal_pull_limit(plans):
    cap = 100 * 24 * DAYS  # 100 pulls/hour over a 365.25/12-day month = 73,050
    assert priced(plans, W(pulls_per_month=cap), "dockerhub").loc["Personal", "fits"]
    df = priced(plans, W(pulls_per_month=cap + 1), "dockerhub")
    assert not df.loc["Personal", "fits"] and "pulls/hour" in df.loc["Personal", "fit_reason"]
    assert best(df) == "Pro"
    assert "above the included 25,000" in df.loc["Pro", "notes"]  # fair use: a note, still fits


# ---- GHCR: free today, the older overage rates as an "if billing starts" figure ---------------
def test_ghcr_is_free_with_a_note(plans):
    df = priced(plans, W(stored_gb=10.5, pulled_gb=11, users=3), "ghcr")
    free = df.loc["Free"]
    assert free["monthly_usd"] == 0 and free["storage_usd"] == 0 and free["transfer_usd"] == 0
    assert free["cheapest"] and "currently free" in free["notes"]
    # if billed: storage $0.008/GB/day x the days of the month (not a flat $0.25), transfer $0.50/GB
    assert free["unbilled_usd"] == pytest.approx(10 * 0.008 * DAYS + 10 * 0.50)
    assert f"if billed: +${10 * 0.008 * DAYS:,.2f}/month" in free["notes"]
    assert df.loc["Team", "monthly_usd"] == 12  # GitHub seats only


# ---- GitLab.com: seats, included storage, per-project limit ------------------------------------
def test_gitlab_seats_and_limits(plans):
    df = priced(plans, W(users=6, stored_gb=10.1), "gitlab")
    assert not df.loc["Free", "fits"] and "users 6 > 5" in df.loc["Free", "fit_reason"]
    assert df.loc["Premium", "monthly_usd"] == 6 * 29 and best(df) == "Premium"
    free = priced(plans, W(users=5, stored_gb=10.1), "gitlab").loc["Free"]
    assert free["fits"] and free["monthly_usd"] == 0
    assert free["unbilled_usd"] == pytest.approx(5.0)  # one 10 GB pack at $60/year
    big = priced(plans, W(users=6, largest_repository_gb=501), "gitlab")
    assert (
        not big.loc["Premium", "fits"]
        and "largest repository GB 501 > 500" in big.loc["Premium", "fit_reason"]
    )


# ---- ECR Public ------------------------------------------------------------------------------
def test_ecr_public_allowances_and_fit(plans):
    row = priced(
        plans, W(repositories=0, stored_gb=60, internet_gb=5220, pulled_gb=9000), "ecr-public"
    ).loc["public"]
    assert row["storage_usd"] == pytest.approx(1.00) and row["transfer_usd"] == pytest.approx(9.00)
    assert row["fits"] and "500 GB/month" in row["notes"]
    private = priced(plans, W(repositories=3), "ecr-public").loc["public"]
    assert not private["fits"] and "public images only" in private["fit_reason"]


# ---- cheapest marking --------------------------------------------------------------------------
def test_one_cheapest_per_registry_with_a_fitting_plan(plans):
    df = cheapest(
        price_plans(
            plans,
            W(
                repositories=30,
                users=8,
                stored_gb=200,
                stored_gb_global=150,
                pulled_gb=500,
                pushed_gb=20,
            ),
        )
    )
    marked = df[df["cheapest"]]
    assert marked["registry"].is_unique and marked["fits"].all()
    for registry, g in df[df["fits"]].groupby("registry"):
        assert marked.set_index("registry").loc[registry, "monthly_usd"] == g["monthly_usd"].min()


# ---- tier maths with packs and unknown prices ----------------------------------------------------
def _ladder(*tiers, unit="USD/GB-month", block=math.nan):
    return [
        {"tier_start": s, "tier_end": e, "value": v, "unit": unit, "block": block}
        for s, e, v in tiers
    ]


@pytest.mark.parametrize(("q", "usd"), [(0, 0), (10, 0), (10.1, 5), (20, 5), (20.5, 10)])
def test_ladder_packs_round_up(q, usd):
    ladder = _ladder((0, 10, 0), (10, math.inf, 0.5))
    ladder[1]["block"] = 10
    assert ladder_cost(q, ladder)[0] == pytest.approx(usd)


def test_ladder_unknown_price_and_quantity():
    ladder = _ladder((0, 1024, 0.12), (1024, math.inf, math.nan), unit="USD/GB")
    assert ladder_cost(1024, ladder)[0] == pytest.approx(122.88)
    # beyond the last known tier: the last known rate, flagged as an upper bound
    assert ladder_cost(1025, ladder)[0] == pytest.approx(123.0) and ladder_cost(1025, ladder)[2]
    assert not ladder_cost(1024, ladder)[2]
    # a free allowance then an unknown rate: nothing bounds it
    assert math.isnan(ladder_cost(101, _ladder((0, 100, 0), (100, math.inf, math.nan)))[0])
    assert math.isnan(ladder_cost(math.nan, ladder)[0])
    assert ladder_cost(math.nan, _ladder((0, math.inf, 0)))[0] == 0  # free whatever the quantity
    assert ladder_cost(2, _ladder((0, math.inf, 0.003), unit="USD/GB-day"))[0] == pytest.approx(
        2 * 0.003 * DAYS
    )


# ---- malformed plan files ------------------------------------------------------------------------
HEADER = "registry,plan,item,quantity,tier_start,tier_end,block,value,unit,source_url,source_date,read_date,confidence,notes\n"
FEE = "quay,Tiny,fee,,,,,5,USD/month,https://example.com,2026-01,2026-11-28,high,\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (FEE.replace("quay", "harbor"), "row 2: unknown registry 'harbor'"),
        (FEE.replace(",5,", ",five,"), "row 2: value 'five' is not a number"),
        (FEE.replace(",high,", ",sure,"), "row 2: confidence 'sure'"),
        (FEE.replace("2026-11-28", "28/11/2026"), "row 2: read_date"),
        (FEE.replace("https://example.com", ""), "row 2: source_url is empty"),
        (FEE + FEE, "needs exactly one fee row, has 2"),
        (
            "quay,Tiny,limit,repositories,,,,3,repositories,https://x,,2026-11-28,high,\n",
            "row 2: plan quay/Tiny needs exactly one fee",
        ),
        (
            FEE + "quay,Tiny,storage,stored_gb,0,10,,0,USD/GB-month,https://x,,2026-11-28,high,\n"
            "quay,Tiny,storage,stored_gb,20,,,1,USD/GB-month,https://x,,2026-11-28,high,\n",
            "row 4: tier starts at 20, expected 10",
        ),
        (
            FEE + "quay,Tiny,storage,stored_gb,0,10,,0,USD/GB-month,https://x,,2026-11-28,high,\n",
            "must be open",
        ),
        (
            FEE + "quay,Tiny,storage,disk_gb,0,,,0,USD/GB-month,https://x,,2026-11-28,high,\n",
            "row 3: unknown quantity 'disk_gb'",
        ),
        (
            FEE + "quay,Tiny,limit,repositories,,,,,repositories,https://x,,2026-11-28,high,\n",
            "row 3: a limit needs a value",
        ),
    ],
)
def test_malformed_plan_file(tmp_path, body, message):
    f = tmp_path / "plans.csv"
    f.write_text(HEADER + body)
    with pytest.raises(PlanCatalogError) as e:
        load_plans(f)
    assert str(f) in str(e.value) and message in str(e.value)


def test_plan_file_missing_or_without_columns(tmp_path):
    with pytest.raises(PlanCatalogError, match="no such plan file"):
        load_plans(tmp_path / "nope.csv")
    f = tmp_path / "plans.csv"
    f.write_text("registry,plan\nquay,Tiny\n")
    with pytest.raises(PlanCatalogError, match="missing columns"):
        load_plans(f)


def test_a_valid_user_plan_file_is_priced(tmp_path):
    f = tmp_path / "plans.csv"
    f.write_text(
        HEADER
        + FEE
        + "quay,Tiny,limit,repositories,,,,3,repositories,https://x,,2026-11-28,medium,\n"
    )
    df = cheapest(price_plans(load_plans(f), W(repositories=3)))
    assert isinstance(df, pd.DataFrame) and df.loc[0, "monthly_usd"] == 5 and df.loc[0, "cheapest"]
    assert df.loc[0, "confidence"] == "medium" and df.loc[0, "price_date"] == "2026-01"


# ---- later tiers: sourced where PRICES.md section G has them, else an upper bound ---------------
def test_acr_egress_later_tiers_then_an_upper_bound(plans):
    mid = priced(plans, W(pulled_gb=60_000), "acr").loc["Basic"]
    assert mid["transfer_usd"] == pytest.approx(10140 * 0.087 + 40960 * 0.083 + 8800 * 0.07)
    assert mid["upper_bound"] == [] and not math.isnan(mid["monthly_usd"])
    huge = priced(plans, W(pulled_gb=600_000), "acr").loc["Basic"]
    exact = 10140 * 0.087 + 40960 * 0.083 + 102400 * 0.07 + 358400 * 0.05
    assert huge["transfer_usd"] == pytest.approx(exact + 88000 * 0.05)  # last known rate
    assert huge["upper_bound"] == ["transfer_usd", "monthly_usd"]
    assert "upper bound" in huge["notes"] and huge["cheapest"]


def test_upper_bounds_are_shown_as_such_by_every_renderer(plans):
    from ecrcost.reporting.tables import render

    df = priced(plans, W(pulled_gb=600_000), "acr").reset_index()
    table = render(
        df[["plan", "monthly_usd", "storage_usd", "transfer_usd", "upper_bound"]],
        "table",
        width=200,
        color=False,
    )
    assert table.count("≤ $") == 2 * 3  # monthly and transfer of the three plans
    md = render(df[["plan", "monthly_usd", "storage_usd", "upper_bound"]], "markdown")
    assert "≤ $" in md
    import json

    rows = json.loads(render(df, "json"))
    assert rows[0]["upper_bound"] == ["transfer_usd", "monthly_usd"]
    assert isinstance(rows[0]["monthly_usd"], float)  # the number itself stays a number
