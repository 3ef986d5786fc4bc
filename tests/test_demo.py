"""`ecrcost demo` end to end: embedded emulator on loopback, real collector over HTTP, report."""

from __future__ import annotations

import ipaddress
import os
import socket

import pandas as pd
import pytest
from click.testing import CliRunner

import ecrcost
from ecrcost.cli import cli
from ecrcost.demo import MARKER, run_demo, summary
from ecrcost.errors import OutputExistsError
from ecrcost.storage import repository_storage


@pytest.fixture
def binds(monkeypatch):
    """Every address a socket is bound to while the test runs (as asked; `.ports`: as bound)."""
    seen: list[tuple] = []
    seen_ports: list[int] = []
    real_bind = socket.socket.bind

    def bind(self, address):
        seen.append(address)
        real_bind(self, address)
        seen_ports.append(self.getsockname()[1])

    monkeypatch.setattr(socket.socket, "bind", bind)
    return seen, seen_ports


def _loopback_only(binds: list[tuple]) -> bool:
    """Every bind was to a loopback address (urllib3 probes "::1" once on import; the emulator
    binds 127.0.0.1), and the emulator's listening socket was among them."""
    return ("127.0.0.1", 0) in binds and all(ipaddress.ip_address(a[0]).is_loopback for a in binds)


def _refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex((host, int(port))) != 0


def test_demo_small_twice_on_loopback(aws_env, tmp_path, binds, monkeypatch):
    binds, _ = binds
    # the user's own AWS set-up plays no part: a configured endpoint elsewhere is ignored
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    env_before = dict(os.environ)
    out = tmp_path / "reports" / "demo"

    first = run_demo(out=out, size="small")
    org = first.organization
    assert dict(os.environ) == env_before  # no credentials or settings left in the environment
    assert not os.path.exists(aws_env["AWS_SHARED_CREDENTIALS_FILE"])
    assert not os.path.exists(aws_env["AWS_CONFIG_FILE"])
    assert not os.path.exists(aws_env["ECRCOST_CACHE_DIR"])  # synthetic manifests never cached
    assert _refused(first.endpoint_url)  # the emulator is stopped
    assert _loopback_only(binds), binds

    # collected over HTTP through assume-role: every account-region, everything the model holds
    snap = ecrcost.load_snapshot(first.snapshot_dir)
    assert sorted(snap.targets["status"]) == ["ok"] * 4
    assert all(t["role_arn"] for t in snap.meta["targets"])
    assert snap.meta["settings"]["endpoint_url"] == first.endpoint_url
    direct = org.to_snapshot()
    key = ["account_id", "region", "repository", "digest"]
    got = snap.images.sort_values(key).reset_index(drop=True)
    want = direct.images.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        got[key + ["size_bytes", "status", "manifest_media_type"]],
        want[key + ["size_bytes", "status", "manifest_media_type"]],
    )
    assert got["tags"].map(sorted).tolist() == want["tags"].map(sorted).tolist()
    assert (got["last_pull_at"].isna() == want["last_pull_at"].isna()).all()
    assert got["archived_at"].notna().sum() == want["archived_at"].notna().sum() > 0
    edges = ["manifest_digest", "blob_digest", "size_bytes", "kind"]
    pd.testing.assert_frame_equal(
        snap.blobs[edges].sort_values(edges).reset_index(drop=True),
        direct.blobs[edges].sort_values(edges).reset_index(drop=True),
    )
    assert snap.pulls["pulls"].sum() == direct.pulls["pulls"].sum() > 0
    assert (
        snap.repositories["lifecycle_policy"].notna().sum()
        == direct.repositories["lifecycle_policy"].notna().sum()
    )
    assert any(r["replication_rules"] for r in snap.meta["registries"])

    # the report and the numbers behind it
    html = (out / "index.html").read_text()
    assert "ml/llm-serving" in html and "public/cli" in html
    assert (
        f"from {out / 'snapshot'} by ecrcost" in html
    )  # the snapshot's final place, not a staging dir
    lowered = html.lower()  # the organization's costs, savings and the registry comparison
    assert "savings" in lowered and ("docker hub" in lowered or "dockerhub" in lowered)
    assert (out / MARKER).is_file() and (out / "traffic.toml").is_file()
    storage = repository_storage(snap)
    assert storage["unique_bytes"].sum() < storage["naive_bytes"].sum()
    assert first.costs["egress_usd"].notna().all()  # the traffic profile makes egress known
    table, cheapest = summary(first)
    assert table["account_id"].iloc[-1] == "total"
    assert table["total_usd"].iloc[-1] == pytest.approx(first.costs["total_usd"].sum())
    assert "ecr" in set(cheapest["registry"])

    # a second run in a row, through the CLI, replaces the first
    result = CliRunner().invoke(cli, ["demo", "--size", "small", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Report: {out / 'index.html'}" in result.output
    assert "Monthly ECR cost by account and region" in result.output
    assert ecrcost.load_snapshot(out / "snapshot").collected_at > snap.collected_at
    assert _loopback_only(binds), binds
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging left over


def test_demo_refuses_a_directory_it_did_not_write(aws_env, tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(OutputExistsError, match="--force"):
        run_demo(out=out, size="small")
    assert (out / "notes.txt").read_text() == "keep me"
    result = CliRunner().invoke(cli, ["demo", "--size", "small", "--out", str(out)])
    assert result.exit_code == 1 and "--force" in result.output and "Traceback" not in result.output


def test_demo_stops_the_emulator_on_error(aws_env, tmp_path, binds, monkeypatch):
    binds, ports = binds

    def broken(**_):
        raise RuntimeError("collector exploded")

    monkeypatch.setattr("ecrcost.demo.collect", broken)
    with pytest.raises(RuntimeError, match="exploded"):
        run_demo(out=tmp_path / "demo", size="small")
    ports = [p for a, p in zip(binds, ports, strict=True) if a[0] == "127.0.0.1"]
    assert ports and all(_refused(f"http://127.0.0.1:{p}") for p in ports)
    assert not (tmp_path / "demo").exists()


@pytest.mark.slow
def test_demo_default_size(aws_env, tmp_path):
    result = run_demo(out=tmp_path / "demo", size="default")
    snap = result.snapshot
    assert len(snap.images) >= 3000 and len(snap.repositories) >= 40
    assert sorted(snap.targets["status"]) == ["ok"] * 4
    assert len(snap.images) == len(result.organization.images)
    assert (result.out / "index.html").stat().st_size > 10_000


def test_demo_works_with_a_missing_aws_profile(aws_env, tmp_path, monkeypatch):
    # the demo needs no AWS configuration: a profile name that does not exist must not matter
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    result = CliRunner().invoke(cli, ["demo", "--size", "small", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo" / "index.html").is_file()
