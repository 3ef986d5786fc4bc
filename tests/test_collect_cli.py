"""`ecrcost collect` through click's CliRunner: over a ThreadedMotoServer on 127.0.0.1 (the real
HTTP path, --endpoint-url and AWS_ENDPOINT_URL), then `ecrcost costs`; bad input and exit codes."""

import json

import boto3
import moto_patches
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from click.testing import CliRunner
from collect_fixtures import OCI, image_manifest, index_manifest, push

import ecrcost
from ecrcost.cli import cli

R = "us-east-1"


@pytest.fixture
def server(moto_server, monkeypatch):
    """moto on loopback (state shared with this process, so the size patch applies)."""
    moto_patches.apply(monkeypatch)
    return moto_server


def seed(url):
    ecr = boto3.client(
        "ecr", region_name=R, endpoint_url=url, config=Config(retries={"max_attempts": 1})
    )
    for name in ("app", "multi", "empty"):
        ecr.create_repository(repositoryName=name)
    a1 = image_manifest(("cfg-a1", 10), [("base", 1000), ("a1", 200)])
    a2 = image_manifest(("cfg-a2", 10), [("base", 1000), ("a2", 300)])
    arm = image_manifest(("cfg-arm", 5), [("base", 1000), ("arm", 700)], OCI)
    amd = image_manifest(("cfg-amd", 5), [("amd", 900)], OCI)
    push(ecr, "app", a1, "v1")
    push(ecr, "app", a2)
    push(ecr, "multi", arm)
    push(ecr, "multi", amd)
    push(ecr, "multi", index_manifest([(arm, "linux/arm64"), (amd, "linux/amd64")]), "v1")


def test_collect_over_http_then_costs_match_the_manifests(server, tmp_path):
    seed(server)
    out = tmp_path / "snap"
    runner = CliRunner()
    res = runner.invoke(
        cli, ["collect", "--region", R, "--out", str(out), "--endpoint-url", server]
    )
    assert res.exit_code == 0, res.output
    assert "Wrote" in res.stderr and "3 repositories" in res.stderr
    snap = ecrcost.load_snapshot(out)
    assert snap.meta["settings"]["endpoint_url"] == server
    assert snap.meta["targets"][0]["status"] == "ok"

    res = runner.invoke(cli, ["costs", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["repository"]: r for r in json.loads(res.stdout)}
    # naive: the imageSizeInBytes ECR reports (layer sums; the index reports its largest child)
    assert rows["app"]["naive_bytes"] == 1200 + 1300
    assert rows["multi"]["naive_bytes"] == 1700 + 900 + 1700
    # unique: distinct config + layer blobs per repository, from the manifests
    assert rows["app"]["unique_bytes"] == 10 + 10 + 1000 + 200 + 300
    assert rows["multi"]["unique_bytes"] == 5 + 5 + 1000 + 700 + 900
    assert rows["empty"]["unique_bytes"] == 0 and rows["empty"]["images"] == 0
    assert rows["app"]["untagged_images"] == 1


def test_aws_endpoint_url_environment_and_cached_second_run(server, tmp_path, monkeypatch):
    seed(server)
    monkeypatch.setenv("AWS_ENDPOINT_URL", server)
    runner = CliRunner()
    assert (
        runner.invoke(cli, ["collect", "--region", R, "--out", str(tmp_path / "a"), "-q"]).exit_code
        == 0
    )
    res = runner.invoke(cli, ["collect", "--region", R, "--out", str(tmp_path / "b"), "-q"])
    assert res.exit_code == 0 and res.stderr == ""
    first, second = ecrcost.load_snapshot(tmp_path / "a"), ecrcost.load_snapshot(tmp_path / "b")
    assert first.meta["api_calls"]["ecr:BatchGetImage"] == 2
    assert "ecr:BatchGetImage" not in second.meta["api_calls"]
    assert second.blobs.equals(first.blobs)


def test_existing_out_is_refused_before_collecting(aws_env, tmp_path):
    out = tmp_path / "snap"
    out.mkdir()
    (out / "keep").write_text("x")
    # no emulator is running: a refusal that came after collecting would be a connection error
    res = CliRunner().invoke(
        cli, ["collect", "--region", R, "--out", str(out), "--endpoint-url", "http://127.0.0.1:9"]
    )
    assert res.exit_code == 1
    assert (
        "already exists" in res.stderr and "--force" in res.stderr and "Traceback" not in res.output
    )
    assert (out / "keep").read_text() == "x"


def test_force_replaces_an_existing_snapshot(moto_aws, tmp_path):
    boto3.client("ecr", region_name=R).create_repository(repositoryName="app")
    out = tmp_path / "snap"
    out.mkdir()
    res = CliRunner().invoke(cli, ["collect", "--region", R, "--out", str(out), "--force"])
    assert res.exit_code == 0, res.output
    assert list(ecrcost.load_snapshot(out).repositories["repository"]) == ["app"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "us-est-1"], "unknown region(s) us-est-1"),
        (["--region", R, "--role-arn", "arn:aws:iam::12:role/x"], "invalid IAM role ARN"),
        (["--region", R, "--workers", "0"], "--workers"),
        (
            ["--region", R, "--role-arn", "arn:aws:iam::111111111111:role/x", "--org-role", "y"],
            "cannot be combined",
        ),
    ],
)
def test_bad_input_is_one_line_exit_1(aws_env, tmp_path, args, message):
    res = CliRunner().invoke(cli, ["collect", *args, "--out", str(tmp_path / "snap")])
    assert res.exit_code in (1, 2) and message in res.stderr
    assert "Traceback" not in res.output and not (tmp_path / "snap").exists()


def test_no_credentials_is_a_clear_error(aws_env, monkeypatch, tmp_path):
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(k)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    res = CliRunner().invoke(cli, ["collect", "--region", R, "--out", str(tmp_path / "snap")])
    assert res.exit_code == 1 and "no AWS credentials found" in res.stderr
    assert "Traceback" not in res.output


def test_unknown_profile_is_a_clear_error(aws_env, tmp_path):
    res = CliRunner().invoke(
        cli, ["collect", "--profile", "nope", "--region", R, "--out", str(tmp_path / "s")]
    )
    assert res.exit_code == 1 and "nope" in res.stderr and "Traceback" not in res.output


def test_access_denied_in_one_region_exits_3_and_lists_what_is_missing(
    moto_aws, tmp_path, monkeypatch
):
    boto3.client("ecr", region_name=R).create_repository(repositoryName="app")
    import ecrcost.aws as aws_mod

    real_client = aws_mod.Aws.client

    def client(self, service, region, role_arn=None, **kw):
        c = real_client(self, service, region, role_arn, **kw)
        if region == "eu-west-1" and service == "ecr":

            def deny(model, **kw):
                raise ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "denied here"}},
                    model.name,
                )

            c.meta.events.register("before-call.ecr.*", deny, unique_id="deny-eu")
        return c

    monkeypatch.setattr(aws_mod.Aws, "client", client)
    out = tmp_path / "snap"
    res = CliRunner().invoke(
        cli, ["collect", "--region", R, "--region", "eu-west-1", "--out", str(out)]
    )
    assert res.exit_code == 3, res.output
    assert "eu-west-1: failed" in res.stderr and "AccessDeniedException" in res.stderr
    assert "us-east-1: " not in res.stderr.split("Incomplete")[1]
    snap = ecrcost.load_snapshot(out)  # written anyway, saying what is missing
    assert {t["region"]: t["status"] for t in snap.meta["targets"]} == {
        R: "ok",
        "eu-west-1": "failed",
    }
    assert list(snap.repositories["repository"]) == ["app"]


def test_help_ends_with_an_example():
    res = CliRunner().invoke(cli, ["collect", "--help"])
    assert res.exit_code == 0 and "ecrcost collect --region us-east-1 --out snap" in res.output


def test_library_call_with_roles_and_regions_over_http(server):
    """The demo's path: ecrcost.collect(endpoint_url=..., regions=[...], role_arns=[...])."""
    sts = boto3.client("sts", region_name=R, endpoint_url=server)
    for account, region in (("111111111111", R), ("222222222222", "eu-west-1")):
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed")[
            "Credentials"
        ]
        ecr = boto3.client(
            "ecr",
            region_name=region,
            endpoint_url=server,
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )
        ecr.create_repository(repositoryName=f"svc-{account[0]}")
        push(
            ecr,
            f"svc-{account[0]}",
            image_manifest((f"c{account}", 1), [(f"l{account}", 10)]),
            "v1",
        )
    roles = ["arn:aws:iam::111111111111:role/reader", "arn:aws:iam::222222222222:role/reader"]
    snap = ecrcost.collect(
        endpoint_url=server, regions=[R, "eu-west-1"], role_arns=roles, workers=4
    )
    assert all(t["status"] == "ok" for t in snap.meta["targets"]) and len(snap.meta["targets"]) == 4
    got = sorted(
        zip(
            snap.images["account_id"], snap.images["region"], snap.images["repository"], strict=True
        )
    )
    assert got == [("111111111111", R, "svc-1"), ("222222222222", "eu-west-1", "svc-2")]
    assert len(snap.blobs) == 4


def test_progress_bar_only_when_stderr_is_a_terminal(monkeypatch):
    import sys

    from ecrcost.commands.collect import _collect_progress

    monkeypatch.setattr(
        sys, "stderr", type("Pipe", (), {"isatty": lambda self: False, "write": print})()
    )
    with _collect_progress(quiet=False) as update:
        assert update is None
    monkeypatch.setattr(
        sys,
        "stderr",
        type(
            "Tty",
            (),
            {
                "isatty": lambda self: True,
                "write": lambda self, s: None,
                "flush": lambda self: None,
            },
        )(),
    )
    with _collect_progress(quiet=True) as update:
        assert update is None
    with _collect_progress(quiet=False) as update:
        update(1, 3, "123456789012 us-east-1")
        update(3, 3, "123456789012 us-east-1 app")
