"""Without Chromium the browser tests skip with a message naming Debian's package (a fresh machine
with only Python passes the README's test command); ECRCOST_REQUIRE_BROWSER=1 makes them fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent


def _run(tmp_path, require: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ECRCOST_REQUIRE_BROWSER"}
    env["PATH"] = str(tmp_path)  # no chromium (nor anything else) on PATH
    if require:
        env["ECRCOST_REQUIRE_BROWSER"] = "1"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "-x",
            str(TESTS / "test_browser.py"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=TESTS.parent,
        timeout=300,
    )


def test_browser_tests_skip_without_chromium_naming_the_package(tmp_path):
    r = _run(tmp_path, require=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "skipped" in r.stdout and "Debian's `chromium` package" in r.stdout


def test_ecrcost_require_browser_turns_the_skip_into_a_failure(tmp_path):
    r = _run(tmp_path, require=True)
    assert r.returncode != 0 and "chromium" in r.stdout
