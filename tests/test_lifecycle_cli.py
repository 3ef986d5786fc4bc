"""`ecrcost lifecycle` through click's CliRunner: outputs, --write-policies, bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from lifecycle_fixtures import UNTAGGED_30, digest, repo_snapshot

from ecrcost.cli import cli
from ecrcost.lifecycle import parse_policy


@pytest.fixture
def snap_dir(tmp_path):
    images = [
        dict(name="cold", tags=["v1"], pushed=300, pulled=200),
        dict(name="hot", tags=["v2"], pushed=300, pulled=1),
        dict(name="u", tags=[], pushed=100),
    ]
    snap = repo_snapshot(images, repository="team/api", policy=json.dumps(UNTAGGED_30))
    return str(snap.write(tmp_path / "snap"))


def run(*args):
    return CliRunner().invoke(cli, ["lifecycle", *args])


def test_json_has_every_part(snap_dir):
    res = run(snap_dir, "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc) >= {
        "evaluated_at",
        "images",
        "by_rule",
        "by_repository",
        "archive_economics",
        "warnings",
    }
    img = {i["image_digest"]: i for i in doc["images"]}
    assert img[digest("u")]["action"] == "expire" and img[digest("u")]["rule_priority"] == 1
    assert set(img[digest("u")]) >= {
        "account_id",
        "region",
        "repository",
        "image_digest",
        "tags",
        "action",
        "rule_priority",
        "reason",
        "in_use",
    }
    econ = doc["archive_economics"][0]
    assert econ["candidate_images"] == 1 and econ["recommended"] == "archive"
    assert parse_policy(econ["policy_json"]).rules[-1].count_type == "sinceImageTransitioned"
    assert any("--in-use" in w for w in doc["warnings"])


def test_csv_is_one_row_per_image(snap_dir):
    res = run(snap_dir, "--format", "csv")
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(rows) == 3 and rows[0]["image_digest"].startswith("sha256:")


def test_table_and_what_if_policy(snap_dir, tmp_path):
    policy = tmp_path / "p.json"
    policy.write_text(
        json.dumps(
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "selection": {
                            "tagStatus": "any",
                            "countType": "imageCountMoreThan",
                            "countNumber": 1,
                        },
                        "action": {"type": "expire"},
                    }
                ]
            }
        )
    )
    res = run(snap_dir, "--policy", str(policy), "--repository", "team/*")
    assert res.exit_code == 0, res.output
    assert "what-if" in res.output and "Archive economics" in res.output
    res = run(snap_dir, "--policy", str(policy), "--repository", "nothing/*", "--format", "json")
    assert json.loads(res.stdout)["images"] == []


def test_write_policies(snap_dir, tmp_path):
    out = tmp_path / "policies"
    res = run(snap_dir, "--write-policies", str(out), "--expire-after", "120")
    assert res.exit_code == 0, res.output
    written = out / "123456789012" / "us-east-1" / "team__api.json"
    policy = parse_policy(written.read_text())
    assert [r.priority for r in policy.rules] == [1, 2, 3]  # own rule kept, two appended
    assert policy.rules[2].count_number == 120
    assert "put-lifecycle-policy" in (out / "README.txt").read_text()
    again = run(snap_dir, "--write-policies", str(out))
    assert again.exit_code == 1 and "already exists" in again.output
    assert run(snap_dir, "--write-policies", str(out), "--force").exit_code == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{nope", "not valid JSON"),
        (
            json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "selection": {
                                "tagStatus": "tagged",
                                "countType": "imageCountMoreThan",
                                "countNumber": 1,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            "tagStatus tagged requires",
        ),
    ],
)
def test_bad_policy_is_one_line(snap_dir, tmp_path, text, message):
    p = tmp_path / "bad.json"
    p.write_text(text)
    res = run(snap_dir, "--policy", str(p))
    assert res.exit_code == 1 and message in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_bad_inputs(snap_dir, tmp_path):
    for args, message in (
        (["--policy", str(tmp_path / "missing.json")], "cannot read it"),
        (["--at", "yesterday-ish"], "not an ISO-8601 time"),
    ):
        res = run(snap_dir, *args)
        assert res.exit_code == 1 and message in res.output, res.output
        assert "Traceback" not in res.output
    assert run(snap_dir, "--restore-rate", "2").exit_code == 2
    assert run(str(tmp_path / "nosnap")).exit_code == 1


def test_a_repository_policy_ecr_would_reject_is_reported(tmp_path):
    snap = repo_snapshot(
        [dict(name="a", tags=[], pushed=50)], policy='{"rules": [{"rulePriority": 1}]}'
    )
    res = run(str(snap.write(tmp_path / "s")), "--format", "json")
    doc = json.loads(res.stdout)
    assert doc["by_repository"][0]["policy"] == "invalid"
    assert doc["images"][0]["action"] == "keep" and "not valid" in doc["images"][0]["reason"]
    assert any("selection is required" in w for w in doc["warnings"])
