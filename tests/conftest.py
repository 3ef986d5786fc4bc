"""Shared fixtures. Area-specific fixtures live beside their tests (tests/<area>_*.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def aws_env(monkeypatch, tmp_path):
    """Fake credentials and a default region; nothing from the developer's own AWS setup leaks in."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
        "ECRCOST_CACHE_DIR": str(tmp_path / "cache"),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    for k in ("AWS_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(k, raising=False)
    return env


@pytest.fixture
def moto_server(aws_env):
    """moto's server on 127.0.0.1 and a free port (the demo's own `emulator()`: state wiped on
    entry and exit, werkzeug's log silenced); yields its URL."""
    from ecrcost.demo import emulator

    with emulator() as url:
        yield url


@pytest.fixture
def moto_aws(aws_env):
    """In-process moto (state is fresh for each test)."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture(autouse=True)
def _private_cache(monkeypatch, tmp_path):
    """Every test has its own cache directory (the manifest and history caches), never the
    developer's ~/.cache/ecrcost."""
    monkeypatch.setenv("ECRCOST_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(autouse=True)
def _close_figures():
    """Close matplotlib figures after each test so charts never leak between tests."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def chromium_path() -> str | None:
    """Debian's Chromium (`chromium`, or `chromium-browser` elsewhere), or None when absent."""
    import shutil

    return shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    """Tests marked `browser` need a real Chromium. Without one they are skipped with a message
    naming Debian's `chromium` package, unless ECRCOST_REQUIRE_BROWSER=1 (CI: .ci/run sets it),
    which makes them run and fail loudly instead of hiding a broken CI image."""
    import os

    if chromium_path() or os.environ.get("ECRCOST_REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(
        reason="no Chromium found: install Debian's `chromium` package (apt-get install chromium) "
        "or set ECRCOST_REQUIRE_BROWSER=1 to make this a failure"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
