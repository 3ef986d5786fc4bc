"""Atomic writes: a snapshot, a report or a catalog file is complete or absent, never half-written.

Both helpers write into a temporary sibling (same directory, so the final rename is atomic on one
filesystem), then rename it into place. An existing destination is refused with
`OutputExistsError` unless `force`, and is then replaced only once the new content is complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError, OutputExistsError


def _check_dest(path: str | os.PathLike[str], force: bool) -> Path:
    dest = Path(path)
    if dest.exists() and not force:
        raise OutputExistsError(f"{dest} already exists; pass --force to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    return dest


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str], force: bool = False) -> Iterator[Path]:
    """Yield an empty temporary directory; on success it becomes `path` (mode 0755)."""
    dest = _check_dest(path, force)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        yield tmp
        tmp.chmod(0o755)  # mkdtemp makes it private (0700)
        if dest.exists():
            old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
            dest.rename(old)
            tmp.rename(dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], force: bool = False) -> Iterator[Path]:
    """Yield a temporary file path to write; on success it replaces `path` (mode 0644)."""
    dest = _check_dest(path, force)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o644)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_writable(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Raise `InputError` unless `path` could be created: its nearest existing ancestor is a
    directory in which a temporary directory can be made and removed (checked before a long
    computation, so nothing is computed for nothing).

    The atomic writers create missing parents, so any existing ancestor will do; an existing
    `path` itself must be a directory we can replace entries in (its parent is checked)."""
    dest = Path(path)
    probe = dest.parent if dest.exists() else dest
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise InputError(f"{option} {dest}: {probe} is a file, not a directory")
    try:  # really try (permission bits say little to root, or on /proc, or a read-only mount)
        shutil.rmtree(tempfile.mkdtemp(prefix=".ecrcost-probe-", dir=probe))
    except OSError as e:
        raise InputError(
            f"{option} {dest}: cannot write there ({probe}: {e.strerror or e})"
        ) from None
    return dest
