"""Flags are data: each carries a code, a severity and its parameters, and reads as its message."""

import json
import pickle

import pandas as pd
import pytest
from test_pricing_model import GB, Reg, row, traffic

from ecrcost.flags import CODES, Flag, merge, with_code
from ecrcost.pricing.model import line_items
from ecrcost.pricing.summary import costs
from ecrcost.registries import compare
from ecrcost.reporting.tables import to_csv, to_json


def test_a_flag_is_its_message_with_a_code_and_params():
    f = Flag("fallback-price", "fallback price: no sourced storage price for xx-1", region="xx-1")
    assert f == "fallback price: no sourced storage price for xx-1" and str(f) == f.message
    assert (f.code, f.severity, f.params) == ("fallback-price", "warning", {"region": "xx-1"})
    back = pickle.loads(pickle.dumps(f))
    assert isinstance(back, Flag) and back.code == f.code and back.params == f.params
    assert json.dumps([f]) == json.dumps([f.message])
    with pytest.raises(ValueError, match="add it to ecrcost.flags.CODES"):
        Flag("no-such-code", "text")


def test_merge_and_with_code():
    a = Flag("replica-in-snapshot", "b text")
    b = Flag("replication-unknown", "a text")
    merged = merge([[a, b], [b]])
    assert merged == ["a text", "b text"] and merged[0].code == "replication-unknown"
    assert with_code(["plain", a, b], "replica-in-snapshot") == [a]


def test_every_cost_flag_has_a_known_code():
    s = (
        Reg()
        .image("app", "m1", [("l", 8 * GB)])
        .image("me", "m3", [("l", 8 * GB)], region="me-south-1")
        .pulled("app", 30)
        .build()
    )
    s.meta["registries"] = [
        {"account_id": "111111111111", "region": "us-east-1", "replication_rules": "unknown"}
    ]
    items = line_items(s, free_tier=True)
    codes = {f.code for fl in items["flags"] for f in fl}
    assert {"fallback-price", "egress-unknown", "replication-unknown", "free-tier-storage"} <= codes
    assert codes <= set(CODES)
    egress = with_code(row(costs(s), "app")["flags"], "egress-unknown")
    assert egress and egress[0].params["region"] == "us-east-1"
    assert egress[0].params["rate"].startswith("$0.09/GB")


def test_the_method_lists_fallback_prices_from_the_flags_params():
    s = Reg().image("me", "m3", [("l", 8 * GB)], region="me-south-1").build()
    assert costs(s).attrs["method"]["fallback_prices"] == (
        "me-south-1: egress internet, storage (STANDARD)"
    )


def test_flags_render_as_text_in_csv_and_json():
    s = Reg().image("app", "m1", [("l", GB)]).pulled("app", 3).build()
    df = costs(s)
    assert "egress cost unknown without a traffic profile" in to_csv(df)
    out = json.loads(to_json(df))
    assert any(f.startswith("egress cost unknown") for f in out[0]["flags"])


def test_compare_notes_the_unknown_egress_once():
    s = Reg().image("app", "m1", [("l", GB)]).pulled("app", 3).build()
    ecr = compare(s).set_index("registry").loc["ecr"]
    notes = ecr["notes"] if isinstance(ecr, pd.Series) else ecr.iloc[0]["notes"]
    assert notes.count("egress cost unknown without a traffic profile") == 1
    with_profile = compare(s, traffic=traffic()).set_index("registry").loc["ecr"]
    assert "egress cost unknown" not in str(with_profile["notes"])
