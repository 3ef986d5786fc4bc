"""The traffic profile: the TOML contract, rule matching, and every validation error."""

import pandas as pd
import pytest

from ecrcost.errors import TrafficProfileError
from ecrcost.traffic import TrafficProfile, load_traffic

CONTRACT = """\
[default]              # shares of pulled bytes by destination; each table's shares sum to 1
same_region = 0.8
cross_region = 0.15
internet = 0.05
layer_cache_hit = 0.0  # fraction of a pull's bytes already on the client

[[rule]]               # first matching rule wins; glob on the repository name
repositories = "public/*"
same_region = 0.0
cross_region = 0.0
internet = 1.0

[[rule]]
repositories = ["ml/*", "data-?"]
same_region = 0.5
cross_region = 0.5
internet = 0.0
layer_cache_hit = 0.25
"""


def write(tmp_path, text):
    p = tmp_path / "profile.toml"
    p.write_text(text)
    return p


def test_contract_example(tmp_path):
    t = load_traffic(write(tmp_path, CONTRACT))
    assert t.default.same_region == 0.8 and t.default.layer_cache_hit == 0.0
    s, where = t.shares_for("public/nginx")
    assert (s.internet, s.cross_region) == (1.0, 0.0) and where == "[[rule]] #1 (line 7)"
    s, where = t.shares_for("data-x")
    assert s.layer_cache_hit == 0.25 and where.startswith("[[rule]] #2")
    assert t.shares_for("app")[1] == "[default]"
    a = t.assign(pd.Series(["app", "public/a", "ml/x", "app"]))
    assert list(a["internet"]) == [0.05, 1.0, 0.0, 0.05]
    assert list(a["traffic_rule"])[0] == "[default]"


def test_first_matching_rule_wins_and_cache_hit_is_inherited():
    t = TrafficProfile.from_dict(
        {
            "default": {"same_region": 1, "cross_region": 0, "internet": 0, "layer_cache_hit": 0.5},
            "rule": [
                {"repositories": "a*", "same_region": 0, "cross_region": 0, "internet": 1},
                {"repositories": "ab*", "same_region": 0, "cross_region": 1, "internet": 0},
            ],
        }
    )
    s, _ = t.shares_for("abc")
    assert s.internet == 1 and s.layer_cache_hit == 0.5


def test_shares_within_tolerance(tmp_path):
    text = "[default]\nsame_region = 0.3333333\ncross_region = 0.3333333\ninternet = 0.3333334\n"
    assert load_traffic(write(tmp_path, text)).default.internet == 0.3333334


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[default\nsame_region = 1", "not valid TOML: .*line 1"),
        (
            "[default]\nsame_region = 0.8\ncross_region = 0.1\ninternet = 0.05\n",
            r"\[default\] \(line 1\): same_region \+ cross_region \+ internet = 0.95, not 1",
        ),
        (
            "[default]\nsame_region = 1\ncross_region = 0\ninternet = 0\negress = 1\n",
            r"\[default\] \(line 1\): unknown key\(s\) egress",
        ),
        ("[defaults]\nsame_region = 1\n", r"unknown top-level key\(s\) defaults"),
        (
            "[[rule]]\nrepositories = 'x'\nsame_region = 1\ncross_region = 0\ninternet = 0\n",
            r"missing \[default\]",
        ),
        (
            "[default]\nsame_region = 1\ncross_region = 0\n",
            r"\[default\] \(line 1\): missing internet",
        ),
        (
            "[default]\nsame_region = 1.5\ncross_region = -0.5\ninternet = 0\n",
            "same_region = 1.5 is outside",
        ),
        (
            "[default]\nsame_region = true\ncross_region = 0\ninternet = 0\n",
            "same_region must be a number",
        ),
        (
            "[default]\nsame_region = '1'\ncross_region = 0\ninternet = 0\n",
            "same_region must be a number",
        ),
        (
            "[default]\nsame_region = 1\ncross_region = 0\ninternet = 0\nlayer_cache_hit = 1\n",
            r"layer_cache_hit = 1 must be in \[0, 1\)",
        ),
    ],
)
def test_bad_profiles_name_file_and_table(tmp_path, text, message):
    p = write(tmp_path, text)
    with pytest.raises(TrafficProfileError, match=message) as e:
        load_traffic(p)
    assert str(p) in str(e.value)


OK_DEFAULT = "[default]\nsame_region = 1\ncross_region = 0\ninternet = 0\n\n"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("repositories = 'public/[ab'", r"bad glob 'public/\[ab': unbalanced"),
        ("repositories = 'Public/*'", "bad glob 'Public/\\*': repository names are lowercase"),
        ("repositories = ''", "bad glob '' \\(empty"),
        ("repositories = []", "non-empty list"),
        ("repositories = [1]", "bad glob 1"),
        ("same_region = 1", "missing repositories"),
    ],
)
def test_bad_rules_name_the_rule_and_line(tmp_path, rule, message):
    shares = "" if "same_region" in rule else "same_region = 1\n"
    text = OK_DEFAULT + f"[[rule]]\n{rule}\n{shares}cross_region = 0\ninternet = 0\n"
    with pytest.raises(TrafficProfileError, match=message) as e:
        load_traffic(write(tmp_path, text))
    assert r"[[rule]] #1 (line 6)" in str(e.value)


def test_rule_shares_validated_with_rule_location(tmp_path):
    text = (
        OK_DEFAULT
        + "[[rule]]\nrepositories='a'\nsame_region=0.5\ncross_region=0\ninternet=0\nfoo=1\n"
    )
    with pytest.raises(
        TrafficProfileError, match=r"\[\[rule\]\] #1 \(line 6\): unknown key\(s\) foo"
    ):
        load_traffic(write(tmp_path, text))


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(TrafficProfileError, match="no such traffic profile"):
        load_traffic(tmp_path / "nope.toml")
    p = tmp_path / "bin.toml"
    p.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(TrafficProfileError, match="bin.toml: not a UTF-8"):
        load_traffic(p)


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 100_000 + "]" * 100_000,
        "x = " + "{a = " * 100_000 + "1" + "}" * 100_000,
    ],
)
def test_deeply_nested_toml_is_a_clean_error(tmp_path, text):
    p = tmp_path / "deep.toml"
    p.write_text(text)
    with pytest.raises(TrafficProfileError, match="deep.toml"):
        load_traffic(p)
