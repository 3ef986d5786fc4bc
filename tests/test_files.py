"""Atomic writes: complete or absent, never half-written; existing output needs force."""

import os

import pytest

from ecrcost.errors import OutputExistsError
from ecrcost.files import atomic_directory, atomic_file


def test_atomic_directory_appears_only_when_complete(tmp_path):
    dest = tmp_path / "out"
    with atomic_directory(dest) as tmp:
        (tmp / "a.txt").write_text("a")
        assert not dest.exists()
    assert (dest / "a.txt").read_text() == "a"
    assert oct(dest.stat().st_mode & 0o777) == "0o755"


def test_atomic_directory_failure_leaves_the_old_content(tmp_path):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    with pytest.raises(OutputExistsError):
        with atomic_directory(dest):
            pass
    with pytest.raises(RuntimeError):
        with atomic_directory(dest, force=True) as tmp:
            (tmp / "new.txt").write_text("new")
            raise RuntimeError("crash half-way")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert [p.name for p in dest.iterdir()] == ["old.txt"]
    with atomic_directory(dest, force=True) as tmp:
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in dest.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_file(tmp_path):
    dest = tmp_path / "prices.csv"
    with atomic_file(dest) as tmp:
        tmp.write_text("v1")
    assert dest.read_text() == "v1"
    with pytest.raises(OutputExistsError):
        with atomic_file(dest):
            pass
    with pytest.raises(RuntimeError):
        with atomic_file(dest, force=True) as tmp:
            tmp.write_text("half")
            raise RuntimeError
    assert dest.read_text() == "v1" and [p.name for p in tmp_path.iterdir()] == ["prices.csv"]


def _dead_pid():
    import subprocess
    import sys

    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid  # exited and reaped: no such process (until the PID is reused)


def test_a_killed_writers_staging_is_swept_by_the_next_write(tmp_path):
    from ecrcost.files import _host

    dead, host = _dead_pid(), _host()
    stale = tmp_path / f".out.{host}.{dead}.abc123_x"  # a staging dir of a run killed with -9
    stale.mkdir()
    (stale / "part.parquet").write_bytes(b"x" * 1000)
    stale_old = tmp_path / f".out.old-{host}.{dead}"  # the replaced content it was moving aside
    stale_old.mkdir()
    stale_file = tmp_path / f".prices.csv.{host}.{dead}.q1w2e3r4"
    stale_file.write_text("half")
    live = tmp_path / f".out.{host}.{os.getpid()}.zzzzzzzz"  # a write still running: kept
    live.mkdir()
    elsewhere = tmp_path / f".out.otherhost.{dead}.abcdefgh"  # another host's: not ours to judge
    elsewhere.mkdir()
    with atomic_directory(tmp_path / "out") as tmp:
        (tmp / "a.txt").write_text("a")
    with atomic_file(tmp_path / "prices.csv") as tmp:
        tmp.write_text("v1")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["out", "prices.csv", live.name, elsewhere.name])
